"""Navigate and turn LinkedIn's blockers (checkpoint, login wall, throttling) into error codes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin import selectors as S
from linkedin.browser.page_state import PageState, detect
from linkedin.selectors import first_present
from linkedin.touchpoints.errors import ErrorCode, TouchpointError

DEFAULT_TIMEOUT_MS = 30_000

_BLOCKERS: dict[PageState, tuple[ErrorCode, str]] = {
    PageState.CHECKPOINT: (ErrorCode.CHECKPOINT, "LinkedIn asks for a security verification"),
    PageState.LOGIN: (ErrorCode.SESSION_EXPIRED, "the session is not signed in (login page)"),
    PageState.AUTHWALL: (ErrorCode.SESSION_EXPIRED, "the session is not signed in (authwall)"),
    PageState.RATE_LIMITED: (ErrorCode.RATE_LIMITED, "LinkedIn says too many requests"),
}


def raise_for_state(state: PageState, url: str, allow: Collection[PageState] = ()) -> None:
    """Raise the TouchpointError a blocking page stands for, unless it is allowed."""
    if state in allow or state not in _BLOCKERS:
        return
    code, message = _BLOCKERS[state]
    # Only the path: query strings can carry tokens.
    raise TouchpointError(code, message, details={"path": urlsplit(url).path})


async def goto(
    page: Page,
    url: str,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    allow: Collection[PageState] = (),
) -> PageState:
    """Open `url` (waiting for DOMContentLoaded only) and return the resulting page state.

    Raises CHECKPOINT, SESSION_EXPIRED (login page or authwall), RATE_LIMITED or
    NAVIGATION_TIMEOUT, except for states listed in `allow`.
    """
    try:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    except PlaywrightTimeoutError as exc:
        raise TouchpointError(
            ErrorCode.NAVIGATION_TIMEOUT,
            f"no DOMContentLoaded within {timeout_ms} ms",
            details={"path": urlsplit(url).path},
        ) from exc
    except PlaywrightError as exc:
        if "has been closed" in str(exc) or "Target closed" in str(exc):
            raise TouchpointError(ErrorCode.BROWSER_CRASHED, "the browser went away") from exc
        raise TouchpointError(
            ErrorCode.NAVIGATION_TIMEOUT,
            f"navigation failed: {str(exc).splitlines()[0]}",
            retryable=True,
            details={"path": urlsplit(url).path},
        ) from exc
    state = await detect(page)
    if response is not None and response.status in (429, 999) and state != PageState.LOGIN:
        state = PageState.RATE_LIMITED
    raise_for_state(state, page.url, allow)
    return state


async def _dismiss_overlay(overlay: Locator) -> None:
    # Prefer the overlay's own close control; Escape is what a person would try next.
    dismiss = await first_present(overlay.page, S.INTEROP_DISMISS)
    if dismiss is not None:
        await dismiss.click(timeout=5_000)
    else:
        await overlay.page.keyboard.press("Escape")


@asynccontextmanager
async def overlays_dismissed(page: Page) -> AsyncIterator[None]:
    """While active, any click-intercepting overlay is closed before Playwright acts.

    Uses Playwright's locator handlers: they run whenever the overlay is visible and an
    action is about to happen, so an overlay that arrives late is handled too.
    """
    overlay = S.any_of(page, S.INTEROP_OVERLAY)
    await page.add_locator_handler(overlay, _dismiss_overlay)
    try:
        yield
    finally:
        if not page.is_closed():
            await page.remove_locator_handler(overlay)
