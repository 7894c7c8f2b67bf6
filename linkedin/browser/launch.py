"""Find and launch Chromium: quiet on a closed network, sandboxed where the host allows it,
and without the server's own environment (API keys, the secret key)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from loguru import logger
from playwright.async_api import Browser, Playwright
from playwright.async_api import Error as PlaywrightError

SandboxMode = Literal["auto"] | bool
# Variables the browser must never see: the server's settings, keys among them.
PRIVATE_ENV_PREFIX = "OO_"

# Without the networking flags Chromium keeps dialing update and telemetry hosts.
# The sandbox is not a flag here: Playwright adds --no-sandbox unless asked for it.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    # Chromium merges repeated --disable-features flags, so Playwright's own list stays.
    # New headless Chrome preloads omnibox WebUI pages in every context: one renderer
    # each that a session never uses. The back-forward cache would keep every visited
    # profile alive in memory.
    "--disable-features=Translate,MediaRouter,OptimizationHints,BackForwardCache,"
    "WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup",
)

_SYSTEM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def find_chromium(configured: str | None = None) -> str | None:
    """Resolve Chromium: the configured path, else Playwright's bundle, else the system's.

    Returns None when Playwright's own bundled browser should be used.
    """
    if configured and configured != "auto":
        if not Path(configured).exists():
            raise FileNotFoundError(f"OO_CHROMIUM_PATH={configured} does not exist")
        return configured
    bundle = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache/ms-playwright"))
    if bundle.is_dir() and any(bundle.glob("chromium-*")):
        return None
    for candidate in _SYSTEM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise FileNotFoundError(
        "no Chromium found: install Debian's `chromium` or run `playwright install chromium`,"
        " or set OO_CHROMIUM_PATH"
    )


def browser_env(environ: Mapping[str, str] | None = None) -> dict[str, str | float | bool]:
    """The environment Chromium gets: ours without any `OO_*` variable."""
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if not k.startswith(PRIVATE_ENV_PREFIX)}


def use_sandbox(mode: SandboxMode, euid: int | None = None) -> bool:
    """Whether to launch with Chromium's sandbox: `auto` means unless running as root.

    Chromium refuses to start sandboxed as root; any other user gets the sandbox.
    """
    if mode != "auto":
        return bool(mode)
    return (os.geteuid() if euid is None else euid) != 0


async def launch_chromium(
    playwright: Playwright,
    *,
    executable: str | None = None,
    headless: bool = True,
    sandbox: SandboxMode = "auto",
    traces_dir: Path | None = None,
    euid: int | None = None,
) -> Browser:
    """Launch one Chromium process for all account contexts.

    In `auto` sandbox mode a sandboxed launch that fails (no user namespaces, a missing
    setuid helper) falls back to no sandbox, with a warning.
    """
    sandboxed = use_sandbox(sandbox, euid)
    path = find_chromium(executable)

    async def launch(with_sandbox: bool) -> Browser:
        return await playwright.chromium.launch(
            executable_path=path,
            headless=headless,
            args=list(CHROMIUM_ARGS),
            env=browser_env(),
            chromium_sandbox=with_sandbox,
            traces_dir=traces_dir,
        )

    try:
        return await launch(sandboxed)
    except PlaywrightError as exc:
        if not (sandboxed and sandbox == "auto"):
            raise
        logger.warning(
            "chromium did not start with its sandbox ({}); running it without the sandbox",
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
    return await launch(False)
