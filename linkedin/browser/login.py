"""Sign in with a password, import an li_at cookie, check that a session is alive.

Secrets (passwords, cookies, PINs) are never logged or put into error details.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin import selectors as S
from linkedin.browser.clicks import act_through
from linkedin.browser.host_guard import ensure_on_host, raise_if_stopped, stay_on_host
from linkedin.browser.navigation import goto, raise_for_state
from linkedin.browser.pace import Pace
from linkedin.browser.page_state import PageState, detect
from linkedin.touchpoints.errors import ErrorCode, TouchpointError

_FORM_TIMEOUT_MS = 15_000
_SUBMIT_TIMEOUT_MS = 30_000


async def _required(page: Page, selector: S.Selector) -> None:
    try:
        await S.any_of(page, selector).first.wait_for(state="visible", timeout=_FORM_TIMEOUT_MS)
    except PlaywrightTimeoutError as exc:
        raise TouchpointError(ErrorCode.UI_CHANGED, f"{selector.name} not found") from exc


async def _submit_and_classify(page: Page, submit: S.Selector) -> PageState:
    button = await S.first_present(page, submit)
    if button is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, f"{submit.name} not found")
    try:
        async with page.expect_navigation(
            wait_until="domcontentloaded", timeout=_SUBMIT_TIMEOUT_MS
        ):
            await act_through(button, submit.name, action="click", timeout_ms=_SUBMIT_TIMEOUT_MS)
    except PlaywrightTimeoutError as exc:
        await raise_if_stopped(page)  # a redirect off the host is stopped, never awaited
        raise TouchpointError(ErrorCode.NAVIGATION_TIMEOUT, "no answer after submitting") from exc
    await ensure_on_host(page)
    return await detect(page)


async def login_with_password(
    page: Page, base_url: str, username: str, password: str, pace: Pace
) -> None:
    """Sign in through the login form; returns on the feed.

    Raises AUTH_FAILED (wrong credentials), CHECKPOINT (verification asked), RATE_LIMITED.
    """
    stay_on_host(page.context, base_url)
    state = await goto(page, base_url.rstrip("/") + "/login", allow={PageState.LOGIN})
    if state == PageState.FEED:
        return
    await _required(page, S.LOGIN_USERNAME)
    user_field = await S.first_present(page, S.LOGIN_USERNAME)
    pass_field = await S.first_present(page, S.LOGIN_PASSWORD)
    if user_field is None or pass_field is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, "login form fields not found")
    await pace.type_text(user_field, username)
    await pace.pause()
    await pace.type_text(pass_field, password)
    await pace.pause()
    state = await _submit_and_classify(page, S.LOGIN_SUBMIT)
    if state == PageState.LOGIN:
        raise TouchpointError(ErrorCode.AUTH_FAILED, "LinkedIn rejected the username or password")
    raise_for_state(state, page.url)
    if state != PageState.FEED:
        # Interstitials ("agree to comply" and the like) land elsewhere: confirm via the feed.
        await verify_session(page, base_url)


async def submit_checkpoint_pin(page: Page, base_url: str, pin: str, pace: Pace) -> None:
    """Answer an email-PIN checkpoint the page is showing; returns on the feed.

    Raises AUTH_FAILED if the code was refused, NOT_AVAILABLE if the checkpoint asks for
    something other than a PIN (app approval, captcha: only a human can answer).
    """
    stay_on_host(page.context, base_url)
    if await detect(page) != PageState.CHECKPOINT:
        await verify_session(page, base_url)
        return
    pin_field = await S.first_present(page, S.CHECKPOINT_PIN)
    if pin_field is None:
        raise TouchpointError(ErrorCode.NOT_AVAILABLE, "this checkpoint does not take a PIN")
    await pace.type_text(pin_field, pin)
    await pace.pause()
    state = await _submit_and_classify(page, S.CHECKPOINT_SUBMIT)
    if state == PageState.CHECKPOINT:
        raise TouchpointError(ErrorCode.AUTH_FAILED, "LinkedIn refused the verification code")
    raise_for_state(state, page.url)
    if state != PageState.FEED:
        await verify_session(page, base_url)


def _cookie_domain(base_url: str) -> str:
    host = urlsplit(base_url).hostname or ""
    # LinkedIn scopes li_at to the registrable domain (.linkedin.com), not www.
    if host.startswith("www."):
        return "." + host[4:]
    return host


async def import_li_at(context: BrowserContext, base_url: str, li_at: str) -> None:
    """Put an `li_at` session cookie into the context, for the base URL's host."""
    secure = urlsplit(base_url).scheme == "https"
    await context.add_cookies(
        [
            {
                "name": "li_at",
                "value": li_at,
                "domain": _cookie_domain(base_url),
                "path": "/",
                "httpOnly": True,
                "secure": secure,
                "sameSite": "None" if secure else "Lax",
            }
        ]
    )


async def verify_session(page: Page, base_url: str) -> None:
    """Open the feed; raise SESSION_EXPIRED, CHECKPOINT or RATE_LIMITED unless it shows."""
    stay_on_host(page.context, base_url)
    state = await goto(page, base_url.rstrip("/") + "/feed/")
    if state != PageState.FEED:
        raise TouchpointError(
            ErrorCode.SESSION_EXPIRED,
            "the feed did not open",
            details={"path": urlsplit(page.url).path},
        )
