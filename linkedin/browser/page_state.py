"""Which kind of LinkedIn page the browser is on, decided from the URL path (and content).

Restriction notice (ACCOUNT_RESTRICTED): LinkedIn has no dedicated, documented path for
it; reports show it under a `/checkpoint/challenge/...` URL, the same path family as a PIN
verification. So it is decided from content: on a checkpoint, unknown or 404 path, an
`h1`/`h2`/`role=alert` heading saying the account is restricted ("Your account has been
temporarily restricted", "We've restricted your account") makes it RESTRICTED, checked
before the path would say CHECKPOINT. Never on the feed or a profile, whose headings are
members' own words. Rate-limit pages are content-only too (short, no `<main>`).

LinkedIn's own error page (UNAVAILABLE): an HTTP 5xx answer (decided in navigation.goto),
or, since LinkedIn also answers 200 with one, a short page (< 2,000 characters) that shows
none of the content a working page has (top card, post, compose form...) and whose heading
says "Something went wrong", "This page isn't working", "Service unavailable" or the like
(on a very short page, < 600 characters, the wording may be anywhere but in a toast: a
failed action's toast says "Something went wrong" too). A page that also says "too many
requests" is a rate-limit page instead.
"""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import urlsplit

from playwright.async_api import Page

from linkedin import selectors as S
from linkedin.browser.host_guard import expected_host, on_host


class PageState(StrEnum):
    """Kinds of page that decide what a touchpoint does next."""

    FEED = "feed"
    LOGIN = "login"
    CHECKPOINT = "checkpoint"
    AUTHWALL = "authwall"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    RESTRICTED = "restricted"
    UNAVAILABLE = "unavailable"
    PROFILE = "profile"
    OTHER = "other"


_PROFILE = re.compile(r"^/in/[^/]+/?$")
_LOGIN_PATHS = ("/login", "/uas/login", "/uas/login-submit", "/checkpoint/lg/login-submit")
_LOGIN_PREFIXES = ("/checkpoint/lg/login",)
_CHECKPOINT_PREFIXES = ("/checkpoint/", "/uas/consumer-email-challenge")
_RATE_LIMIT_TEXT = re.compile(r"too many requests|try again later", re.IGNORECASE)
_ERROR_TEXT = re.compile(
    r"something went wrong|this page isn[’']?t working|service (?:is )?(?:temporarily )?"
    r"unavailable|temporarily unavailable|bad gateway|gateway time-?out|internal server error",
    re.IGNORECASE,
)
_TOO_MANY = re.compile(r"too many requests", re.IGNORECASE)
_SHORT_PAGE = 2_000
_VERY_SHORT_PAGE = 600
# The page's visible text minus the elements matching the argument (toasts).
_TEXT_WITHOUT_JS = """(css) => {
  let text = document.body ? document.body.innerText : '';
  for (const el of document.querySelectorAll(css)) text = text.replace(el.innerText, '');
  return text;
}"""
# "Your account has been (temporarily) restricted", "We've restricted your account".
_RESTRICTED_TEXT = re.compile(
    r"\baccount\b[^.]{0,60}\brestricted\b|\brestricted\b[^.]{0,30}\baccount\b", re.IGNORECASE
)
# Where a restriction notice can be: LinkedIn shows it under a /checkpoint/ challenge URL
# (the same path family as a PIN verification), so the path alone cannot tell them apart.
_RESTRICTION_STATES = frozenset({PageState.CHECKPOINT, PageState.OTHER, PageState.NOT_FOUND})


def classify_url(url: str, host: str | None = None) -> PageState:
    """Classify by path only: `/login?session_redirect=/feed/` is LOGIN, not FEED.

    With `host` (`host[:port]`), a page on any other host is OTHER, whatever its path.
    """
    if host is not None and not on_host(url, host):
        return PageState.OTHER
    path = urlsplit(url).path or "/"
    trimmed = path.rstrip("/") or "/"
    if trimmed in _LOGIN_PATHS or path.startswith(_LOGIN_PREFIXES):
        return PageState.LOGIN
    if path.startswith(_CHECKPOINT_PREFIXES):
        return PageState.CHECKPOINT
    if trimmed == "/authwall" or path.startswith("/authwall/"):
        return PageState.AUTHWALL
    if trimmed == "/404":
        return PageState.NOT_FOUND
    if trimmed == "/feed":
        return PageState.FEED
    if _PROFILE.match(path):
        return PageState.PROFILE
    return PageState.OTHER


async def is_rate_limit_page(page: Page) -> bool:
    """LinkedIn's throttle page: short, without <main>, saying to try again later."""
    if await page.locator(S.MAIN.variants[0]).count() > 0:
        return False
    try:
        text = await page.locator("body").inner_text(timeout=2_000)
    except Exception:
        return False
    return len(text) < 2_000 and bool(_RATE_LIMIT_TEXT.search(text))


async def is_restriction_notice(page: Page) -> bool:
    """LinkedIn's "your account has been restricted" notice, recognised by its heading."""
    try:
        headings = await page.locator(S.RESTRICTION_HEADING.variants[0]).all_inner_texts()
    except Exception:
        return False
    return any(_RESTRICTED_TEXT.search(text) for text in headings)


async def is_error_page(page: Page) -> bool:
    """LinkedIn's own error page: short, none of a working page's content, and an error
    heading (or, on a very short page, the error wording anywhere but in a toast)."""
    try:
        if await page.locator(", ".join(S.PAGE_CONTENT.variants)).count() > 0:
            return False
        text: str = await page.evaluate(_TEXT_WITHOUT_JS, ", ".join(S.TOASTS.variants))
        headings = await page.locator(S.ERROR_PAGE_HEADING.variants[0]).all_inner_texts()
    except Exception:
        return False
    if len(text) >= _SHORT_PAGE or _TOO_MANY.search(text):
        return False
    if any(_ERROR_TEXT.search(heading) for heading in headings):
        return True
    return len(text) < _VERY_SHORT_PAGE and bool(_ERROR_TEXT.search(text))


async def detect(page: Page) -> PageState:
    """Classify the current page by URL path, then by content (restriction, rate limit).

    A restriction notice is decided from the page heading on checkpoint-like or unknown
    paths, never on the feed or a profile (whose headings are members' own words).
    A page off the context's LinkedIn host is OTHER.
    """
    host = expected_host(page)
    if host is not None and not on_host(page.url, host):
        return PageState.OTHER  # nothing another host shows is a LinkedIn state
    state = classify_url(page.url)
    if state in _RESTRICTION_STATES and await is_restriction_notice(page):
        return PageState.RESTRICTED
    if state in (PageState.LOGIN, PageState.CHECKPOINT, PageState.AUTHWALL):
        return state
    if await is_error_page(page):
        return PageState.UNAVAILABLE
    if await is_rate_limit_page(page):
        return PageState.RATE_LIMITED
    return state
