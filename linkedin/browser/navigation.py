"""Navigate and turn LinkedIn's blockers (checkpoint, login wall, throttling) into error codes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Collection
from contextlib import asynccontextmanager, suppress
from typing import TypeVar
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin import selectors as S
from linkedin.browser.diagnostics import error_summary
from linkedin.browser.host_guard import (
    ensure_on_host,
    expected_host,
    forget_stopped,
    origin_host,
    raise_if_stopped,
)
from linkedin.browser.page_state import PageState, detect
from linkedin.selectors import first_present
from linkedin.touchpoints.errors import ErrorCode, TouchpointError

DEFAULT_TIMEOUT_MS = 30_000
SETTLE_TIMEOUT_MS = 10_000
# Marks an overlay Escape was already tried on (it is not pressed again).
_ESCAPE_TRIED = "data-oo-escape-tried"
T = TypeVar("T")

_BLOCKERS: dict[PageState, tuple[ErrorCode, str]] = {
    PageState.CHECKPOINT: (ErrorCode.CHECKPOINT, "LinkedIn asks for a security verification"),
    PageState.LOGIN: (ErrorCode.SESSION_EXPIRED, "the session is not signed in (login page)"),
    PageState.AUTHWALL: (ErrorCode.SESSION_EXPIRED, "the session is not signed in (authwall)"),
    PageState.RATE_LIMITED: (ErrorCode.RATE_LIMITED, "LinkedIn says too many requests"),
    PageState.RESTRICTED: (ErrorCode.ACCOUNT_RESTRICTED, "LinkedIn has restricted the account"),
    PageState.UNAVAILABLE: (ErrorCode.LINKEDIN_UNAVAILABLE, "LinkedIn answered with an error page"),
}
# States a 5xx answer cannot turn into UNAVAILABLE: being sent to these says more.
_AUTH_STATES = frozenset(
    {PageState.LOGIN, PageState.CHECKPOINT, PageState.AUTHWALL, PageState.RESTRICTED}
)


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

    Raises CHECKPOINT, SESSION_EXPIRED (login page or authwall), ACCOUNT_RESTRICTED,
    RATE_LIMITED, LINKEDIN_UNAVAILABLE (a 5xx answer or LinkedIn's error page) or
    NAVIGATION_TIMEOUT, except for states listed in `allow`; OFF_HOST if the page ended up
    (or a redirect tried to go) anywhere but the LinkedIn host.
    """
    # The context's recorded host; without one, the host of the URL asked for.
    host = expected_host(page) or origin_host(url)
    forget_stopped(page)
    try:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    except PlaywrightTimeoutError as exc:
        await raise_if_stopped(page)
        raise TouchpointError(
            ErrorCode.NAVIGATION_TIMEOUT,
            f"no DOMContentLoaded within {timeout_ms} ms",
            details={"path": urlsplit(url).path},
        ) from exc
    except PlaywrightError as exc:
        if "has been closed" in str(exc) or "Target closed" in str(exc):
            raise TouchpointError(ErrorCode.BROWSER_CRASHED, "the browser went away") from exc
        await raise_if_stopped(page)  # the navigation was stopped because it left the host
        raise TouchpointError(
            ErrorCode.NAVIGATION_TIMEOUT,
            f"navigation failed: {error_summary(exc)}",
            retryable=True,
            details={"path": urlsplit(url).path},
        ) from exc
    await ensure_on_host(page, host)
    state = await detect(page)
    if response is not None and response.status in (429, 999) and state != PageState.LOGIN:
        state = PageState.RATE_LIMITED
    elif response is not None and response.status >= 500 and state not in _AUTH_STATES:
        state = PageState.UNAVAILABLE
    raise_for_state(state, page.url, allow)
    return state


async def raise_if_blocked(page: Page, allow: Collection[PageState] = ()) -> PageState:
    """Check where the page is now (after a click that may have redirected); raise if blocked.

    For use mid-flow, not only after goto: LinkedIn can send a signed-in page to a
    checkpoint, the login page, a restriction notice or a throttle page at any click.
    A page that left the LinkedIn host fails OFF_HOST.
    """
    for attempt in range(2):
        try:
            await page.wait_for_load_state("domcontentloaded", timeout=SETTLE_TIMEOUT_MS)
            await ensure_on_host(page)
            state = await detect(page)
            break
        except PlaywrightTimeoutError:
            await ensure_on_host(page)
            state = await detect(page)
            break
        except PlaywrightError:
            # A navigation destroyed the context mid-check: look again once it settled.
            if attempt:
                raise
    raise_for_state(state, page.url, allow)
    return state


async def wait_unless_blocked(page: Page, waiter: Awaitable[T]) -> T:
    """Await `waiter` (e.g. a wait for the effect of a click), but stop at once with the
    blocker's code if the page navigates to a checkpoint, login, restriction or throttle page.

    A navigation to an ordinary page lets the waiter go on.
    """
    task = asyncio.ensure_future(waiter)
    navigated = asyncio.Event()

    def on_navigated(frame: Frame) -> None:
        if frame == page.main_frame:
            navigated.set()

    page.on("framenavigated", on_navigated)
    try:
        # Playwright's click already waits for a navigation it started: the tab may be on
        # the blocker before this function is called (the listener is set first: no gap).
        await raise_if_blocked(page)
        while True:
            signal = asyncio.ensure_future(navigated.wait())
            done, _ = await asyncio.wait({task, signal}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                signal.cancel()
                # A waiter that failed may have failed because the page went elsewhere.
                if navigated.is_set() or task.exception() is not None:
                    await raise_if_blocked(page)
                return task.result()
            navigated.clear()
            await raise_if_blocked(page)
    finally:
        page.remove_listener("framenavigated", on_navigated)
        if not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError, PlaywrightError):
                await task


async def _dismiss_overlay(overlay: Locator) -> None:
    # Prefer the overlay's own close control; Escape is what a person would try next, once,
    # and not while a dialog or menu is open (Escape would close that instead). An overlay
    # that stays is let through by the click helper (browser.clicks).
    dismiss = await first_present(overlay.page, S.INTEROP_DISMISS)
    if dismiss is not None:
        await dismiss.click(timeout=5_000)
        return
    first = overlay.first
    if await first.get_attribute(_ESCAPE_TRIED) is not None:
        return
    await first.evaluate("(el, name) => el.setAttribute(name, '')", _ESCAPE_TRIED)
    open_ui = overlay.page.locator(", ".join((*S.DIALOG.variants, *S.MENU.variants)))
    if await open_ui.filter(visible=True).count() == 0:
        await overlay.page.keyboard.press("Escape")


@asynccontextmanager
async def overlays_dismissed(page: Page) -> AsyncIterator[None]:
    """While active, any click-intercepting overlay is closed before Playwright acts.

    Uses Playwright's locator handlers: they run whenever the overlay is visible and an
    action is about to happen, so an overlay that arrives late is handled too. The action
    never waits for the overlay to go: one without a working close control stays, and
    the click helper lets the click through it.
    """
    overlay = S.any_of(page, S.INTEROP_OVERLAY)
    await page.add_locator_handler(overlay, _dismiss_overlay, no_wait_after=True)
    try:
        yield
    finally:
        if not page.is_closed():
            await page.remove_locator_handler(overlay)
