"""Read the account's inbox (/messaging/) and single conversations: the read side of
noticing replies. Reading the list has no side effects; opening a conversation
(read_thread) marks it read on LinkedIn, as a person opening it would, so it is for the
conversations the list leaves in doubt.

Who wrote a conversation's last message is decided from structure first:
1. the card's sender label or picture (its alt text), compared with the account's own name
   (the global nav's picture) and with the conversation's member;
2. else the snippet's prefix: "You: " is the account (LinkedIn's English UI), "<member>: "
   is the member;
3. else (no prefix), the member's: LinkedIn prefixes the account's own messages.
`last_from_basis` says which rule decided; `last_from` is null when none could.

In a conversation, each message's sender comes from its --other / --me marker, else from
its group's profile link, picture or name (LinkedIn shows them once per run of messages by
one sender: later messages of the run inherit it).

An empty inbox is an answer once the page has settled and shows its empty state or an
empty list; a page that shows neither, or never settles, fails UI_CHANGED. Blockers
(checkpoint, login, rate limit, LinkedIn's error page, another host) raise their codes,
also when met while loading more of the list.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.async_api import Page

from linkedin import selectors as S
from linkedin.browser.navigation import goto, raise_if_blocked, wait_unless_blocked
from linkedin.browser.page_state import PageState
from linkedin.browser.responses import ResponseWatch
from linkedin.browser.settle import NetworkActivity, marker_or_settled
from linkedin.touchpoints.cards import FIRST_IN_JS, HAS_JS, PICK_CARDS_JS, TEXT_JS, CardList
from linkedin.touchpoints.connect import wait_any
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.editor import normalise
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import (
    Conversation,
    InboxInput,
    InboxResult,
    Sender,
    ThreadMessage,
    ThreadResult,
    check_linkedin_url,
    check_public_id,
    thread_id_of,
    thread_url,
)

INBOX_PATH = "/messaging/"
LIST_TIMEOUT_MS = 15_000
MORE_TIMEOUT_MS = 10_000
MORE_GRACE_MS = 8_000
THREAD_TIMEOUT_MS = 15_000
DEFAULT_LIMIT = 20
DEFAULT_MESSAGES = 20

_PROFILE_PATH = re.compile(r"^/in/([^/]+)/?$")
_PREFIX = re.compile(r"^([^:\n]{1,80}):\s+(.*)$", re.DOTALL)
_YOU = "you"

_CARDS_JS = f"""([variants, cfg]) => {{
  const first = {FIRST_IN_JS};
  const has = {HAS_JS};
  const text = {TEXT_JS};
  return ({PICK_CARDS_JS})(variants).map((el) => {{
    const link = first(el, cfg.link);
    const sender = first(el, cfg.sender);
    const profile = first(el, cfg.profile);
    return {{
      href: link ? link.getAttribute('href') : '',
      name: text(first(el, cfg.name)),
      snippet: text(first(el, cfg.snippet)),
      sender: sender ? (sender.getAttribute('alt') ?? text(sender)) : null,
      time: text(first(el, cfg.time)),
      unread: has(el, cfg.unread),
      profile: profile ? profile.getAttribute('href') : '',
    }};
  }});
}}"""
_CONVERSATIONS = CardList(
    S.CONVERSATION_CSS,
    """(el) => {
  const link = el.querySelector('a[href*="/messaging/thread/"]');
  return link ? link.getAttribute('href') : el.innerText.slice(0, 120);
}""",
)
_ME_JS = """([photo, link]) => {
  const pick = (list, read) => {
    for (const css of list) { const el = document.querySelector(css); if (el) return read(el); }
    return null;
  };
  return {name: pick(photo, (el) => el.getAttribute('alt')),
          href: pick(link, (el) => el.getAttribute('href'))};
}"""
_SCROLL_LIST_JS = """(listCss) => {
  for (const css of listCss) {
    const list = document.querySelector(css);
    if (list) { list.scrollTop = list.scrollHeight; break; }
  }
  const e = document.scrollingElement;
  e.scrollTop = e.scrollHeight;
}"""
_EVENTS_JS = f"""([variants, cfg]) => {{
  const first = {FIRST_IN_JS};
  const has = {HAS_JS};
  const text = {TEXT_JS};
  return ({PICK_CARDS_JS})(variants).map((el) => {{
    const link = first(el, cfg.link);
    const photo = first(el, cfg.photo);
    const bodies = [];
    for (const css of cfg.body) {{
      const found = el.querySelectorAll(css);
      if (found.length) {{ found.forEach((b) => bodies.push(b.innerText)); break; }}
    }}
    return {{
      other: has(el, cfg.other),
      self: has(el, cfg.self),
      name: text(first(el, cfg.name)),
      href: link ? link.getAttribute('href') : '',
      photo: photo ? photo.getAttribute('alt') || '' : '',
      time: text(first(el, cfg.time)),
      text: bodies.join('\\n'),
    }};
  }});
}}"""


def _fold(text: str | None) -> str:
    return normalise(text or "").casefold()


def _public_id(href: str | None, base_url: str) -> str | None:
    if not href:
        return None
    match = _PROFILE_PATH.match(urlsplit(urljoin(base_url + "/", href)).path)
    if not match:
        return None
    try:
        return check_public_id(match.group(1))
    except ValueError:
        return None


def same_person(label: str | None, member: str | None) -> bool:
    """Whether `label` (a sender label, picture alt, or snippet prefix) names `member` (a
    conversation's member as listed): the full name, their first name, or one of several
    comma-separated names."""
    who, names = _fold(label), _fold(member)
    if not who or not names:
        return False
    for name in [names, *(part.strip() for part in names.split(","))]:
        if who == name or (name.split() and who == name.split()[0]):
            return True
    return False


def decide_last_from(
    snippet: str, sender: str | None, member: str | None, me: str | None
) -> tuple[Sender | None, str | None, str]:
    """(who wrote the last message, basis, snippet without a sender prefix): see the module
    docstring for the rules. `sender` is the card's sender label or picture alt (None when
    the card has none), `member` the conversation's member, `me` the account's own name."""
    text = normalise(snippet)
    if sender is not None:
        label = normalise(sender).rstrip(":").strip()
        if _fold(label) == _YOU or (me and _fold(label) == _fold(me)):
            return "self", "sender", text
        if same_person(label, member):
            return "them", "sender", text
        # Someone else named (a group conversation) once the account's name is known.
        return ("them", "sender", text) if label and me else (None, None, text)
    match = _PREFIX.match(text)
    if match:
        who, rest = match.group(1).strip(), match.group(2)
        if _fold(who) == _YOU or (me and _fold(who) == _fold(me)):
            return "self", "prefix", rest
        if same_person(who, member):
            return "them", "prefix", rest
    return "them", "no_prefix", text


async def own_identity(page: Page, base_url: str) -> tuple[str | None, str | None]:
    """The signed-in member's name and public id, from the global nav (None if not shown)."""
    found = await page.evaluate(_ME_JS, [list(S.NAV_ME_PHOTO_CSS), list(S.NAV_ME_LINK_CSS)])
    name = normalise(str(found.get("name") or "")) or None
    return name, _public_id(found.get("href"), base_url)


def _thread_link(href: str, base_url: str) -> tuple[str | None, str | None]:
    if not href:
        return None, None
    try:
        thread_id = thread_id_of(urljoin(base_url + "/", href))
    except ValueError:
        return None, None
    return thread_id, thread_url(base_url, thread_id)


def _conversation(row: dict[str, Any], base_url: str, me: str | None) -> Conversation:
    thread_id, url = _thread_link(str(row.get("href") or ""), base_url)
    name = normalise(str(row.get("name") or "")) or None
    sender = row.get("sender")
    last_from, basis, snippet = decide_last_from(
        str(row.get("snippet") or ""), None if sender is None else str(sender), name, me
    )
    return Conversation.model_validate(
        {
            "thread_id": thread_id,
            "thread_url": url,
            "name": name,
            "public_identifier": _public_id(row.get("profile"), base_url),
            "snippet": snippet,
            "last_from": last_from,
            "last_from_basis": basis,
            "time_text": normalise(str(row.get("time") or "")) or None,
            "unread": bool(row.get("unread")),
        }
    )


async def _read_cards(page: Page, base_url: str, me: str | None) -> list[Conversation]:
    config = {
        "link": list(S.CONVERSATION_LINK_CSS),
        "name": list(S.CONVERSATION_NAME_CSS),
        "snippet": list(S.CONVERSATION_SNIPPET_CSS),
        "sender": list(S.CONVERSATION_SENDER_CSS),
        "time": list(S.CONVERSATION_TIME_CSS),
        "unread": list(S.CONVERSATION_UNREAD_CSS),
        "profile": list(S.CONVERSATION_PROFILE_CSS),
    }
    rows = await page.evaluate(_CARDS_JS, [list(S.CONVERSATION_CSS), config])
    return [_conversation(row, base_url, me) for row in rows]


async def _more(page: Page, watch: ResponseWatch) -> bool:
    """Scroll the list to its end; True if more conversations arrived, False if the page
    settled without any (the end of the list)."""
    before = await _CONVERSATIONS.keys(page)
    with NetworkActivity(page) as network:
        await page.evaluate(_SCROLL_LIST_JS, list(S.INBOX_LIST.variants))
        outcome = await wait_unless_blocked(
            page,
            marker_or_settled(
                _CONVERSATIONS.changed(page, before, MORE_TIMEOUT_MS),
                page,
                network,
                timeout_ms=MORE_TIMEOUT_MS,
                content_css=", ".join(S.INBOX_CONTAINER_CSS),
                network_grace_ms=MORE_GRACE_MS,
            ),
        )
    watch.raise_if_throttled()
    await raise_if_blocked(page)
    if outcome is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, "the conversation list never settled")
    return await _CONVERSATIONS.keys(page) != before


async def _open_inbox(page: Page, base_url: str, watch: ResponseWatch) -> None:
    content = ", ".join(S.INBOX_CONTAINER_CSS)
    with NetworkActivity(page) as network:
        await goto(page, base_url + INBOX_PATH)
        markers = {
            "cards": page.locator(", ".join(S.CONVERSATION_CSS)),
            "empty": S.any_of(page, S.INBOX_EMPTY),
        }
        found = await marker_or_settled(
            wait_any(markers, LIST_TIMEOUT_MS),
            page,
            network,
            timeout_ms=LIST_TIMEOUT_MS,
            content_css=content,
        )
    watch.raise_if_throttled()
    if found is None:
        await raise_if_blocked(page)
        raise TouchpointError(ErrorCode.UI_CHANGED, "the messaging page never finished rendering")
    if not urlsplit(page.url).path.startswith(INBOX_PATH):
        raise TouchpointError(ErrorCode.UI_CHANGED, "did not land on the messaging page")
    if await _CONVERSATIONS.keys(page):
        return
    if found == "cards":
        raise TouchpointError(ErrorCode.UI_CHANGED, "conversations show but none could be read")
    empty = await S.first_present(page, S.INBOX_EMPTY)
    bare = await S.first_present(page, S.INBOX_LIST, visible=False)
    if empty is None and bare is None:
        raise TouchpointError(
            ErrorCode.UI_CHANGED, "the messaging page shows neither conversations nor an empty list"
        )


async def read_conversations(
    page: Page, base_url: str, *, limit: int = DEFAULT_LIMIT
) -> InboxResult:
    """The inbox's newest conversations (at most `limit`, newest first), scrolling the list
    for more; `complete` when its end was reached. Read-only (nothing is opened)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    base = base_url.rstrip("/")
    with ResponseWatch(page) as watch:
        await _open_inbox(page, base, watch)
        me, _ = await own_identity(page, base)
        rows = await _read_cards(page, base, me)
        complete = not rows
        while rows and len(rows) < limit:
            if not await _more(page, watch):
                complete = True
                break
            rows = await _read_cards(page, base, me)
        watch.raise_if_throttled()
    unique: dict[str, Conversation] = {}
    for index, row in enumerate(rows):
        unique.setdefault(row.thread_id or f"#{index}", row)
    conversations = list(unique.values())
    return InboxResult(
        conversations=conversations[:limit], complete=complete and len(conversations) <= limit
    )


def _resolve(
    row: dict[str, Any],
    previous: Sender | None,
    me: tuple[str | None, str | None],
    member: tuple[str | None, str | None],
    base_url: str,
) -> tuple[Sender | None, str | None]:
    """(sender, sender name) of one message; see the module docstring."""
    name = normalise(str(row.get("name") or "")) or normalise(str(row.get("photo") or ""))
    if row.get("other") and not row.get("self"):
        return "them", name or member[0]
    if row.get("self") and not row.get("other"):
        return "self", name or me[0]
    linked = _public_id(row.get("href"), base_url)
    if linked is not None:
        if linked == me[1]:
            return "self", name or me[0]
        if linked == member[1]:
            return "them", name or member[0]
    if name:
        if me[0] and _fold(name) == _fold(me[0]):
            return "self", name
        if same_person(name, member[0]):
            return "them", name
        return None, name
    # No marker, link or name: a later message of the same sender's run.
    return previous, None


async def read_thread(
    page: Page,
    base_url: str,
    thread_url_: str,
    *,
    since_text: str | None = None,
    limit: int = DEFAULT_MESSAGES,
) -> ThreadResult:
    """Open one conversation and read its last `limit` messages (oldest first) with their
    senders. With `since_text`, only the messages after the last one with that text (e.g.
    what the account sent) are returned, and `since_found` says whether it was there.

    Opening a conversation marks it read on LinkedIn. INVALID_INPUT for a URL that is not a
    conversation on the LinkedIn host; NOT_AVAILABLE when LinkedIn has no such conversation.
    """
    base = base_url.rstrip("/")
    try:
        check_linkedin_url(thread_url_, base)
        thread_id = thread_id_of(thread_url_)
    except ValueError as exc:
        raise TouchpointError(
            ErrorCode.INVALID_INPUT, f"thread_url {exc}", retryable=False
        ) from exc
    url = thread_url(base, thread_id)
    with ResponseWatch(page) as watch, NetworkActivity(page) as network:
        state = await goto(page, url)
        if state == PageState.NOT_FOUND:
            raise TouchpointError(
                ErrorCode.NOT_AVAILABLE, "LinkedIn has no such conversation", retryable=False
            )
        markers = {
            "messages": page.locator(", ".join(S.THREAD_EVENT_CSS)),
            "list": S.any_of(page, S.THREAD_MESSAGES),
        }
        found = await marker_or_settled(
            wait_any(markers, THREAD_TIMEOUT_MS), page, network, timeout_ms=THREAD_TIMEOUT_MS
        )
        watch.raise_if_throttled()
    if found is None:
        await raise_if_blocked(page)
        raise TouchpointError(ErrorCode.UI_CHANGED, "the conversation never finished rendering")
    if not urlsplit(page.url).path.startswith("/messaging/thread/"):
        raise TouchpointError(ErrorCode.UI_CHANGED, "did not land on the conversation")
    me = await own_identity(page, base)
    title = await S.first_present(page.locator("main"), S.MSG_THREAD_TITLE)
    link = await S.first_present(page, S.THREAD_PROFILE_LINK, visible=False)
    member = (
        normalise(await title.inner_text()) if title is not None else None,
        _public_id(await link.get_attribute("href"), base) if link is not None else None,
    )
    config = {
        "other": list(S.THREAD_EVENT_OTHER_CSS),
        "self": list(S.THREAD_EVENT_SELF_CSS),
        "name": list(S.THREAD_EVENT_NAME_CSS),
        "link": list(S.THREAD_EVENT_LINK_CSS),
        "photo": list(S.THREAD_EVENT_PHOTO_CSS),
        "time": list(S.THREAD_EVENT_TIME_CSS),
        "body": list(S.THREAD_EVENT_BODY_CSS),
    }
    rows = await page.evaluate(_EVENTS_JS, [list(S.THREAD_EVENT_CSS), config])
    messages: list[ThreadMessage] = []
    previous: Sender | None = None
    for row in rows:
        text = str(row.get("text") or "").strip()
        if not text:
            continue  # a date divider or a system line, not a message
        sender, name = _resolve(row, previous, me, member, base)
        messages.append(
            ThreadMessage(
                sender=sender,
                sender_name=name,
                text=text,
                time_text=normalise(str(row.get("time") or "")) or None,
            )
        )
        previous = sender
    last_from = messages[-1].sender if messages else None
    since_found: bool | None = None
    if since_text is not None:
        wanted = normalise(since_text)
        hits = [i for i, m in enumerate(messages) if normalise(m.text) == wanted]
        since_found = bool(hits)
        if hits:
            messages = messages[hits[-1] + 1 :]
    return ThreadResult(
        thread_url=url,
        thread_id=thread_id,
        name=member[0] or None,
        public_identifier=member[1],
        messages=messages[-limit:],
        last_from=last_from,
        since_found=since_found,
    )


async def inbox(page: Page, touchpoint: InboxInput, ctx: TouchpointContext) -> InboxResult:
    """The `inbox` touchpoint: the conversation list, then any conversations asked for
    (read-only as far as LinkedIn's data goes; a dry run reads too)."""
    result = await read_conversations(page, ctx.base_url, limit=touchpoint.limit)
    threads: list[ThreadResult] = []
    for url in touchpoint.thread_urls:
        await ctx.pace.pause()
        threads.append(await read_thread(page, ctx.base_url, url))
    return result.model_copy(update={"threads": threads})
