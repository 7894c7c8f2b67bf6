"""Failure diagnostics: screenshot, page HTML and a Playwright trace, scrubbed of secrets."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

REDACTED = "[REDACTED]"
_URL_TAIL = re.compile(r"(https?://[^\s?#\"']*)[?#][^\s\"']*")
# Shorter values (e.g. "1", "en") would match everywhere and say nothing about a session.
_MIN_SECRET_LEN = 6


def error_summary(exc: BaseException) -> str:
    """The first line of an error, with every URL cut to its path: safe for a message.

    Playwright's errors quote whole URLs and call logs, and query strings can carry
    tokens; run errors are shown to clients and logged.
    """
    lines = str(exc).splitlines()
    return _URL_TAIL.sub(r"\1", lines[0] if lines else type(exc).__name__)


def secret_forms(values: Iterable[str]) -> list[str]:
    """Every way a secret may be written in a page, a header or a trace: as is, without
    the quotes JSESSIONID carries, and URL-encoded. Longest first, so no partial leaks."""
    forms: set[str] = set()
    for value in values:
        for form in (value, value.strip('"')):
            if len(form) >= _MIN_SECRET_LEN:
                forms.update({form, quote(form, safe=""), quote(form)})
    return sorted(forms, key=len, reverse=True)


def scrub_text(text: str, secrets: list[str]) -> str:
    """Replace every secret form in `text`."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def scrub_trace(data: bytes, secrets: list[str]) -> bytes:
    """Rewrite a trace zip with secrets replaced in every member that is text."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info)
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                dst.writestr(info, content)  # images and other binary resources
                continue
            dst.writestr(info, scrub_text(text, secrets).encode("utf-8"))
    return out.getvalue()


async def context_secrets(context: BrowserContext, extra: Iterable[str | None] = ()) -> list[str]:
    """The context's cookie values (li_at, JSESSIONID/csrf, ...) plus `extra`, in all forms."""
    try:
        cookies = await context.cookies()
    except PlaywrightError:
        cookies = []
    values = [c["value"] for c in cookies if c.get("value")]
    values += [v for v in extra if v]
    return secret_forms(values)


async def start_tracing(context: BrowserContext) -> None:
    """Record a trace for the context's lifetime; each run is one chunk of it."""
    await context.tracing.start(screenshots=False, snapshots=False, sources=False)


@dataclass
class Capture:
    """What was captured of a failed run, already scrubbed."""

    files: dict[str, bytes] = field(default_factory=dict)


async def capture_failure(page: Page, trace: bytes | None, secrets: list[str]) -> Capture:
    """Screenshot, page HTML and (if tracing) the run's trace chunk, all scrubbed."""
    capture = Capture()
    try:
        capture.files["screenshot.png"] = await page.screenshot(full_page=True, timeout=5000)
        capture.files["page.html"] = scrub_text(await page.content(), secrets).encode()
    except PlaywrightError:
        pass  # the page may be gone (crash): keep whatever else we can
    if trace is not None:
        capture.files["trace.zip"] = scrub_trace(trace, secrets)
    return capture
