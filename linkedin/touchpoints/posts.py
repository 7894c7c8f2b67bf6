"""Posts: read a member's recent activity (urls, relative dates, text) and open one post.

Shared by recent_posts, react and comment. Every lookup is scoped to the main column and,
once a post is chosen, to that post's own container (found by its activity URN).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin import selectors as S
from linkedin.browser.navigation import goto, raise_if_blocked
from linkedin.browser.page_state import PageState
from linkedin.browser.settle import NetworkActivity, marker_or_settled
from linkedin.touchpoints.connect import wait_any
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import Post, post_activity_id
from linkedin.touchpoints.post_time import posted_at

LIST_TIMEOUT_MS = 15_000
POST_TIMEOUT_MS = 15_000
MORE_TIMEOUT_MS = 2_000
MAX_SCROLLS = 10

_URN = re.compile(r"^urn:li:activity:\d{1,30}$")
_SHORT_AGE = re.compile(r"(?<![\w])(\d+)\s*(mo|yr|y|w|d|h|m|s)(?![\w])")
_LONG_AGE = re.compile(r"(\d+)\s+(second|minute|hour|day|week|month|year)s?\s+ago", re.IGNORECASE)
_NOW = re.compile(r"\b(now|just now)\b", re.IGNORECASE)
_UNIT_DAYS = {
    "s": 1 / 86400,
    "second": 1 / 86400,
    "m": 1 / 1440,
    "minute": 1 / 1440,
    "h": 1 / 24,
    "hour": 1 / 24,
    "d": 1.0,
    "day": 1.0,
    "w": 7.0,
    "week": 7.0,
    "mo": 30.0,
    "month": 30.0,
    "y": 365.0,
    "yr": 365.0,
    "year": 365.0,
}
_SHORT = {"second": "s", "minute": "m", "hour": "h", "day": "d", "week": "w", "month": "mo"}

# One round trip for all posts on the page: urn, age text and text of each top-level post.
_READ_JS = """(els, [containerCss, ageCss, textCss]) => els
  .filter((el) => !(el.parentElement && el.parentElement.closest(containerCss)))
  .map((el) => {
    const pick = (list) => {
      for (const css of list) { const found = el.querySelector(css); if (found) return found; }
      return null;
    };
    const age = pick(ageCss);
    const text = pick(textCss);
    return {
      urn: el.getAttribute('data-urn') || el.getAttribute('data-id') || '',
      age: age ? age.innerText || age.textContent || '' : '',
      text: text ? text.innerText : '',
    };
  })"""


def parse_age(text: str) -> tuple[str, float] | None:
    """LinkedIn's relative date ("5h", "3d • Edited", "2mo", "3 days ago") as (short, days)."""
    match = _SHORT_AGE.search(text)
    if match:
        number, unit = match.group(1), match.group(2)
        return f"{number}{unit}", int(number) * _UNIT_DAYS[unit]
    match = _LONG_AGE.search(text)
    if match:
        number, unit = match.group(1), match.group(2).lower()
        return f"{number}{_SHORT.get(unit, 'yr')}", int(number) * _UNIT_DAYS[unit]
    if _NOW.search(text):
        return "now", 0.0
    return None


def post_url(base_url: str, urn: str) -> str:
    """The canonical URL of a post on the configured host."""
    return f"{base_url.rstrip('/')}/feed/update/{urn}/"


def activity_url(profile_url: str) -> str:
    """/in/<id>/recent-activity/all/ of a profile URL (query and fragment dropped)."""
    parts = urlsplit(profile_url)
    path = parts.path.rstrip("/") + "/recent-activity/all/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


async def _containers(page: Page) -> tuple[Locator, str] | None:
    # The first variant that matches anything, so nested variants never double-count.
    for variant in S.POST_ANY.variants:
        locator = page.locator(variant)
        if await locator.count() > 0:
            return locator, variant
    return None


async def _read(page: Page, base_url: str) -> list[Post]:
    now = datetime.now(UTC)
    found = await _containers(page)
    if found is None:
        return []
    locator, css = found
    rows = await locator.evaluate_all(
        _READ_JS, [css, list(S.POST_AGE.variants), list(S.POST_TEXT.variants)]
    )
    posts: list[Post] = []
    seen: set[str] = set()
    for row in rows:
        urn = str(row["urn"])
        age = parse_age(str(row["age"]))
        if not _URN.match(urn) or urn in seen or age is None:
            continue
        seen.add(urn)
        posts.append(
            Post(
                post_url=post_url(base_url, urn),
                urn=urn,
                age_text=age[0],
                age_days=round(age[1], 4),
                posted_at=posted_at(urn, age[0], age[1], now),
                text=str(row["text"]).strip(),
            )
        )
    return posts


async def _load_more(page: Page) -> bool:
    """Scroll to the end of the list; True if more posts arrived."""
    found = await _containers(page)
    if found is None:
        return False
    before = await found[0].count()
    # Already at the end: an infinite list would have loaded more by itself when it got
    # here, so there is nothing left to scroll for.
    at_end = await page.evaluate(
        "() => { const e = document.scrollingElement;"
        " return e.scrollTop + window.innerHeight >= e.scrollHeight - 2; }"
    )
    if at_end:
        return False
    await page.mouse.wheel(0, 5000)
    try:
        await page.wait_for_function(
            "([css, n]) => document.querySelectorAll(css).length > n",
            arg=[found[1], before],
            timeout=MORE_TIMEOUT_MS,
        )
    except PlaywrightTimeoutError:
        return False
    return True


async def recent_posts_of(
    page: Page, profile_url: str, base_url: str, within_days: int, limit: int
) -> tuple[str, list[Post]]:
    """Open the profile's recent activity; return (public id, posts newest first, filtered).

    No posts is an answer ([]): when the page says so (empty state, by class or wording),
    or once it has settled without showing a post (see linkedin.browser.settle).
    """
    with NetworkActivity(page) as network:
        state = await goto(page, activity_url(profile_url))
        if state == PageState.NOT_FOUND:
            raise TouchpointError(
                ErrorCode.PROFILE_NOT_FOUND, "LinkedIn has no such profile", retryable=False
            )
        match = re.match(r"^/in/([^/]+)/recent-activity/", urlsplit(page.url).path)
        if match is None:
            raise TouchpointError(ErrorCode.UI_CHANGED, "did not land on the recent-activity page")
        markers = {"posts": S.any_of(page, S.POST_ANY), "empty": S.any_of(page, S.POSTS_EMPTY)}
        found = await marker_or_settled(
            wait_any(markers, LIST_TIMEOUT_MS), page, network, timeout_ms=LIST_TIMEOUT_MS
        )
    if found is None:
        await raise_if_blocked(page)
        raise TouchpointError(
            ErrorCode.UI_CHANGED, "the recent-activity page never finished rendering"
        )
    posts = await _read(page, base_url)
    for _ in range(MAX_SCROLLS):
        fresh = [p for p in posts if p.age_days <= within_days]
        # Enough, or the list already went past the window: no need to load more.
        if len(fresh) >= limit or (posts and max(p.age_days for p in posts) > within_days):
            break
        if not await _load_more(page):
            break
        posts = await _read(page, base_url)
    chosen = sorted((p for p in posts if p.age_days <= within_days), key=lambda p: p.age_days)
    return match.group(1), chosen[:limit]


@dataclass
class PostOnPage:
    """A post opened on its own page, and its container (every lookup stays inside it)."""

    url: str
    urn: str
    container: Locator


async def open_post(page: Page, url: str) -> PostOnPage:
    """Open /feed/update/urn:li:activity:<id>/ and find that post's container.

    Raises POST_NOT_FOUND for an unknown or deleted post.
    """
    urn = f"urn:li:activity:{post_activity_id(url)}"
    state = await goto(page, url)
    if state == PageState.NOT_FOUND:
        raise TouchpointError(
            ErrorCode.POST_NOT_FOUND, "LinkedIn has no such post", retryable=False
        )
    found = await wait_any(
        {
            "post": S.any_of(page, S.POST_BY_URN, urn=urn),
            "gone": S.any_of(page, S.POST_UNAVAILABLE),
        },
        POST_TIMEOUT_MS,
    )
    if found == "gone":
        raise TouchpointError(
            ErrorCode.POST_NOT_FOUND, "LinkedIn cannot display this post", retryable=False
        )
    container = await S.first_present(page, S.POST_BY_URN, urn=urn)
    if container is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, f"post {urn} not found on its own page")
    return PostOnPage(url=url, urn=urn, container=container)


async def open_target_post(
    page: Page,
    post_url_: str | None,
    profile_url: str | None,
    within_days: int | None,
    base_url: str,
) -> PostOnPage:
    """The given post, or the profile's newest post within `within_days` (NO_RECENT_POST)."""
    if post_url_ is None:
        assert profile_url is not None and within_days is not None
        _, posts = await recent_posts_of(page, profile_url, base_url, within_days, 1)
        if not posts:
            raise TouchpointError(
                ErrorCode.NO_RECENT_POST,
                f"no post in the last {within_days} days",
                retryable=False,
            )
        post_url_ = posts[0].post_url
    return await open_post(page, post_url_)
