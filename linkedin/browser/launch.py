"""Find and launch Chromium with flags that keep it quiet on a closed network."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.async_api import Browser, Playwright

# Without the networking flags Chromium keeps dialing update and telemetry hosts.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
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


async def launch_chromium(
    playwright: Playwright, *, executable: str | None = None, headless: bool = True
) -> Browser:
    """Launch one Chromium process for all account contexts."""
    return await playwright.chromium.launch(
        executable_path=find_chromium(executable),
        headless=headless,
        args=list(CHROMIUM_ARGS),
    )
