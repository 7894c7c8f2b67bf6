"""Failure diagnostics: screenshot, page HTML and a Playwright trace, scrubbed of secrets."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from loguru import logger
from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from linkedin.browser.redaction import scrub_text, secret_forms
from linkedin.browser.trace_scrub import TraceNotRedacted, scrub_trace

_URL_TAIL = re.compile(r"(https?://[^\s?#\"']*)[?#][^\s\"']*")


def error_summary(exc: BaseException) -> str:
    """The first line of an error, with every URL cut to its path: safe for a message.

    Playwright's errors quote whole URLs and call logs, and query strings can carry
    tokens; run errors are shown to clients and logged.
    """
    lines = str(exc).splitlines()
    return _URL_TAIL.sub(r"\1", lines[0] if lines else type(exc).__name__)


async def cookie_values(context: BrowserContext) -> list[str]:
    """The values of the context's cookies now (li_at, JSESSIONID/csrf, ...)."""
    try:
        cookies = await context.cookies()
    except PlaywrightError:
        return []
    return [c["value"] for c in cookies if c.get("value")]


async def start_tracing(context: BrowserContext) -> None:
    """Record a trace for the context's lifetime; each run is one chunk of it."""
    await context.tracing.start(screenshots=False, snapshots=False, sources=False)


@dataclass
class Capture:
    """What was captured of a failed run, already scrubbed."""

    files: dict[str, bytes] = field(default_factory=dict)


async def capture_failure(
    page: Page, trace: bytes | None, secrets: Iterable[str | None] = ()
) -> Capture:
    """Screenshot, page HTML and (if tracing) the run's trace chunk, all scrubbed.

    `secrets` are values known to be secret (password, li_at, a PIN); the context's
    cookies count too. A trace whose redaction cannot be shown complete is left out.
    """
    capture = Capture()
    secrets = list(secrets)
    cookies = await cookie_values(page.context)
    try:
        capture.files["screenshot.png"] = await page.screenshot(full_page=True, timeout=5000)
        html = await page.content()
        capture.files["page.html"] = scrub_text(html, secret_forms(secrets, cookies)).encode()
    except PlaywrightError:
        pass  # the page may be gone (crash): keep whatever else we can
    if trace is not None:
        try:
            capture.files["trace.zip"] = await asyncio.to_thread(
                scrub_trace, trace, secrets, cookies
            )
        except TraceNotRedacted as exc:
            logger.warning("trace not kept: its redaction could not be shown complete ({})", exc)
    return capture
