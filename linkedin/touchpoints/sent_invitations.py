"""Read the account's pending sent invitations (/mynetwork/invitation-manager/sent/):
the read side of noticing accepted or vanished invitations. No side effects.

"Not in the list" means "no longer pending" only when the whole list was read, so the
result says whether it was (`complete`):
- the list is followed page by page (Next), batch by batch (Show more), or scrolled to its
  end (an infinite list), up to `max_pages` loads; when the bound stops it, or the page
  shows a count larger than what was read, the result is not complete;
- an empty list is an answer once the page has settled and shows an empty state or an empty
  list (linkedin.browser.settle); a page that shows neither, or never settles, fails
  UI_CHANGED, never reads as "nothing pending";
- a blocker met on any page (checkpoint, login, rate limit, LinkedIn's error page, another
  host), or a 429 answer to the request for the next batch, fails with its code: a list
  cut short that way is never returned, complete or not;
- a Next or Show more that loads nothing fails UI_CHANGED.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.async_api import Locator, Page

from linkedin import selectors as S
from linkedin.browser.navigation import goto, raise_if_blocked, wait_unless_blocked
from linkedin.browser.pace import Pace
from linkedin.browser.responses import ResponseWatch
from linkedin.browser.settle import NetworkActivity, marker_or_settled
from linkedin.touchpoints.cards import FIRST_IN_JS, PICK_CARDS_JS, TEXT_JS, CardList
from linkedin.touchpoints.connect import wait_any
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.editor import click, normalise
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import (
    SentInvitation,
    SentInvitationsInput,
    SentInvitationsResult,
    check_public_id,
    profile_url,
)
from linkedin.touchpoints.posts import parse_age
from linkedin.touchpoints.withdraw import SENT_PATH

LIST_TIMEOUT_MS = 15_000
MORE_TIMEOUT_MS = 15_000
# How long requests started by "more" (a click, a scroll) are waited for before the page
# counts as settled without them (a long poll opened meanwhile must not hold it forever).
MORE_GRACE_MS = 8_000
DEFAULT_MAX_PAGES = 10

_PROFILE_PATH = re.compile(r"^/in/([^/]+)/?$")
_SENT_LINE = re.compile(r"\bsent\b[^\n]*", re.IGNORECASE)
_WITHDRAW_NAME = re.compile(r"sent to (.+)$", re.IGNORECASE)
_COUNT = re.compile(r"\((\d[\d,.\s]*)\)\s*$")

_KEY_JS = """(el) => {
  const link = el.querySelector('a[href*="/in/"]');
  return link ? link.getAttribute('href') : el.innerText.slice(0, 120);
}"""
_READ_JS = f"""([variants, cfg]) => {{
  const first = {FIRST_IN_JS};
  const text = {TEXT_JS};
  return ({PICK_CARDS_JS})(variants).map((el) => {{
    const link = first(el, cfg.link);
    const withdraw = first(el, cfg.withdraw);
    return {{
      href: link ? link.getAttribute('href') : '',
      name: text(first(el, cfg.name)) || (link ? text(link).split('\\n')[0] : ''),
      time: text(first(el, cfg.time)),
      withdraw: withdraw ? withdraw.getAttribute('aria-label') || '' : '',
      text: el.innerText || '',
    }};
  }});
}}"""
_SENT_CARDS = CardList(S.SENT_CARD_CSS, _KEY_JS)
_SCROLL_LEFT_JS = """() => {
  const e = document.scrollingElement;
  return Math.max(0, e.scrollHeight - (e.scrollTop + window.innerHeight));
}"""


def parse_sent_ago(text: str | None) -> float | None:
    """Days behind "Sent today", "Sent yesterday", "Sent 3 days ago", "Sent 2 weeks ago"."""
    if not text:
        return None
    lowered = text.lower()
    if "today" in lowered:
        return 0.0
    if "yesterday" in lowered:
        return 1.0
    age = parse_age(text)
    return round(age[1], 4) if age is not None else None


def _invitation(row: dict[str, Any], base_url: str) -> SentInvitation:
    public_id: str | None = None
    href = str(row.get("href") or "")
    if href:
        match = _PROFILE_PATH.match(urlsplit(urljoin(base_url + "/", href)).path)
        if match:
            try:
                public_id = check_public_id(match.group(1))
            except ValueError:
                public_id = None
    name = normalise(str(row.get("name") or ""))
    if not name:
        label = _WITHDRAW_NAME.search(normalise(str(row.get("withdraw") or "")))
        name = label.group(1) if label else ""
    sent = normalise(str(row.get("time") or ""))
    if not sent:
        line = _SENT_LINE.search(str(row.get("text") or ""))
        sent = normalise(line.group(0)) if line else ""
    return SentInvitation(
        public_identifier=public_id,
        profile_url=profile_url(base_url, public_id) if public_id else None,
        name=name or None,
        sent_text=sent or None,
        sent_days_ago=parse_sent_ago(sent),
    )


async def _read(page: Page, base_url: str) -> list[SentInvitation]:
    config = {
        "link": list(S.SENT_CARD_LINK_CSS),
        "name": list(S.SENT_CARD_NAME_CSS),
        "time": list(S.SENT_CARD_TIME_CSS),
        "withdraw": list(S.SENT_CARD_WITHDRAW_CSS),
    }
    rows = await page.evaluate(_READ_JS, [list(S.SENT_CARD_CSS), config])
    return [_invitation(row, base_url) for row in rows]


async def total_shown(page: Page) -> int | None:
    """The count the page shows for the list ("People (25)"), if any."""
    for variant in S.SENT_COUNT.variants:
        for text in await page.locator(variant).all_inner_texts():
            match = _COUNT.search(normalise(text))
            if match:
                return int(re.sub(r"\D", "", match.group(1)))
    return None


async def _enabled(control: Locator) -> bool:
    if await control.get_attribute("aria-disabled") == "true":
        return False
    return await control.is_enabled()


async def _next_step(page: Page) -> tuple[str, Locator | None]:
    """What follows the cards shown: ("next" | "show_more", control), ("scroll", None) for
    a list that may grow when scrolled, or ("end", None)."""
    following = await S.first_present(page, S.SENT_NEXT)
    if following is not None:
        return ("next", following) if await _enabled(following) else ("end", None)
    more = await S.first_present(page, S.SENT_SHOW_MORE)
    if more is not None and await _enabled(more):
        return "show_more", more
    if await S.first_present(page, S.SENT_PAGINATION) is not None or not await _SENT_CARDS.keys(
        page
    ):
        return "end", None
    # No control: the list may still grow when its end comes into view (or be growing
    # already), so scroll there and let the page settle before calling it the end.
    return "scroll", None


async def _load_more(
    page: Page, step: str, control: Locator | None, pace: Pace | None, watch: ResponseWatch
) -> bool:
    """Ask for the next page or batch; True if cards changed, False if a scroll to the end
    brought nothing more (the end of the list). UI_CHANGED if a control loads nothing."""
    before = await _SENT_CARDS.keys(page)
    with NetworkActivity(page) as network:
        if pace is not None:
            await pace.pause()
        if step == "scroll":
            await page.mouse.wheel(0, await page.evaluate(_SCROLL_LEFT_JS) + 200)
        else:
            assert control is not None
            await click(control, "Next" if step == "next" else "Show more")
        # Requests the action started count until they end (no short grace): "nothing
        # came yet" must not read as "nothing more".
        outcome = await wait_unless_blocked(
            page,
            marker_or_settled(
                _SENT_CARDS.changed(page, before, MORE_TIMEOUT_MS),
                page,
                network,
                timeout_ms=MORE_TIMEOUT_MS,
                network_grace_ms=MORE_GRACE_MS,
            ),
        )
    watch.raise_if_throttled()
    await raise_if_blocked(page)
    after = await _SENT_CARDS.keys(page) if outcome is not None else before
    if outcome is not None and after != before:
        return True
    if step == "scroll" and outcome is not None:
        return False
    watch.raise_if_failed()
    raise TouchpointError(
        ErrorCode.UI_CHANGED,
        "the sent invitations list did not load more"
        + (" after scrolling" if step == "scroll" else f" after {step.replace('_', ' ')}"),
    )


async def _open(page: Page, base_url: str, watch: ResponseWatch) -> None:
    with NetworkActivity(page) as network:
        await goto(page, base_url.rstrip("/") + SENT_PATH)
        markers = {
            "cards": S.any_of(page, S.SENT_ANY_INVITATION),
            "empty": S.any_of(page, S.SENT_EMPTY),
        }
        found = await marker_or_settled(
            wait_any(markers, LIST_TIMEOUT_MS), page, network, timeout_ms=LIST_TIMEOUT_MS
        )
    watch.raise_if_throttled()
    if found is None:
        await raise_if_blocked(page)
        raise TouchpointError(
            ErrorCode.UI_CHANGED, "the sent invitations page never finished rendering"
        )
    if not urlsplit(page.url).path.startswith(SENT_PATH.rstrip("/")):
        raise TouchpointError(ErrorCode.UI_CHANGED, "did not land on the sent invitations page")
    if await _SENT_CARDS.keys(page):
        return
    if found == "cards":
        raise TouchpointError(ErrorCode.UI_CHANGED, "invitations show but none could be read")
    empty = await S.first_present(page, S.SENT_EMPTY)
    bare = await S.first_present(page, S.SENT_LIST, visible=False)
    if empty is None and bare is None:
        raise TouchpointError(
            ErrorCode.UI_CHANGED,
            "the sent invitations page shows neither invitations nor an empty list",
        )


async def read_sent_invitations(
    page: Page,
    base_url: str,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    pace: Pace | None = None,
) -> SentInvitationsResult:
    """The account's pending sent invitations, newest first, read across up to `max_pages`
    pages or batches; `complete` says whether that was the whole list (module docstring).

    Raises the blocker's code (CHECKPOINT, SESSION_EXPIRED, RATE_LIMITED, ...) met on any
    page, UI_CHANGED for a page it cannot read. `pace` paces the clicks between pages.
    """
    if max_pages < 1:
        raise ValueError("max_pages must be at least 1")
    base = base_url.rstrip("/")
    found: dict[str, SentInvitation] = {}

    def merge(rows: list[SentInvitation]) -> None:
        for row in rows:
            key = row.public_identifier or f"?{row.name}|{row.sent_text}|{len(found)}"
            found.setdefault(key, row)

    with ResponseWatch(page) as watch:
        await _open(page, base, watch)
        merge(await _read(page, base))
        loads, exhausted = 1, False
        while True:
            step, control = await _next_step(page)
            if step == "end":
                exhausted = True
                break
            if loads >= max_pages:
                break
            if not await _load_more(page, step, control, pace, watch):
                exhausted = True
                break
            loads += 1
            merge(await _read(page, base))
        watch.raise_if_throttled()
        total = await total_shown(page)
    invitations = list(found.values())
    if invitations and all(row.public_identifier is None for row in invitations):
        raise TouchpointError(
            ErrorCode.UI_CHANGED, "no invitation on the sent page links to a profile"
        )
    complete = exhausted and (total is None or len(invitations) >= total)
    return SentInvitationsResult(
        invitations=invitations, complete=complete, total=total, pages=loads
    )


async def sent_invitations(
    page: Page, touchpoint: SentInvitationsInput, ctx: TouchpointContext
) -> SentInvitationsResult:
    """The `sent_invitations` touchpoint: read-only, so a dry run reads too."""
    return await read_sent_invitations(
        page, ctx.base_url, max_pages=touchpoint.max_pages, pace=ctx.pace
    )
