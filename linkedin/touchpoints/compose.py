"""Open a conversation with a profile's owner from their top card: shared by message and inmail."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from playwright.async_api import Locator, Page

from linkedin import selectors as S
from linkedin.browser.navigation import goto, raise_if_blocked, wait_unless_blocked
from linkedin.touchpoints.connect import wait_any
from linkedin.touchpoints.disabled_send import require_enabled
from linkedin.touchpoints.editor import (
    click,
    count_texts,
    normalise,
    wait_text_added,
)
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import Degree, check_linkedin_url
from linkedin.touchpoints.profile_page import ProfilePage, read_degree

ACTIONS_TIMEOUT_MS = 10_000
COMPOSE_TIMEOUT_MS = 15_000
VERIFY_TIMEOUT_MS = 15_000


@dataclass
class Compose:
    """An open conversation: its container, and what it offers (editor, subject, upsell)."""

    thread: Locator | None
    editor: Locator | None
    subject: Locator | None
    upsell: bool


async def settled_degree(profile: ProfilePage) -> Degree | None:
    """The top card's degree badge, read once the card's actions have rendered."""
    card = profile.card
    await wait_any(
        {
            "message": S.any_of(card, S.MESSAGE_IN_CARD),
            "connect": S.any_of(
                card, S.CONNECT_IN_CARD, name=profile.name, public_id=profile.public_id
            ),
            "pending": S.any_of(card, S.PENDING_IN_CARD, name=profile.name),
            "more": S.any_of(card, S.MORE_IN_CARD),
            "self": S.any_of(card, S.SELF_MARKER),
        },
        ACTIONS_TIMEOUT_MS,
    )
    return await read_degree(card)


async def open_compose(page: Page, profile: ProfilePage, base_url: str) -> Compose | None:
    """Open the owner's conversation via the top card's Message; None if there is no Message.

    A Message link is followed with goto (so blockers raise their codes); a Message button
    opens the overlay bubble in place.
    """
    button = await S.first_present(profile.card, S.MESSAGE_IN_CARD)
    if button is None:
        return None
    href = await button.get_attribute("href")
    if href and "/messaging/" in href:
        url = urljoin(page.url, href)
        try:
            check_linkedin_url(url, base_url)
        except ValueError as exc:
            raise TouchpointError(
                ErrorCode.UI_CHANGED, f"Message points off LinkedIn: {exc}"
            ) from exc
        await goto(page, url)
    else:
        await click(button, "Message")
    found = await wait_unless_blocked(
        page,
        wait_any(
            {
                "editor": S.any_of(page, S.MSG_EDITOR),
                "subject": S.any_of(page, S.INMAIL_SUBJECT),
                "upsell": S.any_of(page, S.INMAIL_UPSELL),
            },
            COMPOSE_TIMEOUT_MS,
        ),
    )
    if found is None:
        await raise_if_blocked(page)
        raise TouchpointError(ErrorCode.UI_CHANGED, "no message compose box appeared")
    editor = await S.first_present(page, S.MSG_EDITOR)
    thread = await _thread_around(page, editor) if editor is not None else None
    subject = await S.first_present(thread, S.INMAIL_SUBJECT) if thread is not None else None
    upsell = await S.first_present(page, S.INMAIL_UPSELL) is not None
    if thread is not None:
        await _check_recipient(thread, profile.name)
    return Compose(thread=thread, editor=editor, subject=subject, upsell=upsell)


async def _thread_around(page: Page, editor: Locator) -> Locator:
    # The innermost known container holding this editor: the message list next to it is
    # the one to verify against (never the conversation list or another bubble).
    for variant in S.MSG_THREAD.variants:
        candidates = page.locator(variant).filter(has=editor)
        if await candidates.count() > 0:
            return candidates.last
    raise TouchpointError(ErrorCode.UI_CHANGED, "no conversation around the compose box")


async def _check_recipient(thread: Locator, name: str) -> None:
    title = await S.first_present(thread, S.MSG_THREAD_TITLE)
    if title is None:
        return
    shown = normalise(await title.inner_text())
    if shown and name and normalise(name) not in shown:
        raise TouchpointError(
            ErrorCode.UI_CHANGED, f"the conversation opened is with {shown!r}, not {name!r}"
        )


async def sent_count(thread: Locator, text: str) -> int:
    """How many messages in the conversation already show `text`."""
    return await count_texts(thread, S.MSG_BODY_CSS, text)


async def ready_send(compose: Compose) -> Locator:
    """The conversation's Send button once it is enabled; if it stays disabled, the reason
    the page gives (NO_CREDITS, INVALID_INPUT, else UI_CHANGED; see disabled_send)."""
    assert compose.thread is not None
    send = await S.first_present(compose.thread, S.MSG_SEND)
    if send is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, "no Send button in the conversation")
    await require_enabled(send, "Send", scope=compose.thread)
    return send


async def send_and_verify(page: Page, compose: Compose, text: str, before: int) -> None:
    """Click Send in the conversation and wait for `text` to appear once more in it."""
    assert compose.thread is not None
    send = await ready_send(compose)
    await click(send, "Send")
    shown = await wait_unless_blocked(
        page,
        wait_text_added(
            page,
            compose.thread,
            S.MSG_BODY_CSS,
            text,
            before,
            VERIFY_TIMEOUT_MS,
            fail_css=", ".join(S.TOAST_ERROR.variants),
        ),
    )
    if not shown:
        await raise_if_blocked(page)
        toast = await S.first_present(page, S.TOAST_ERROR)
        detail = f": {normalise(await toast.inner_text())[:200]}" if toast is not None else ""
        raise TouchpointError(
            ErrorCode.UI_CHANGED, f"the sent text did not appear in the conversation{detail}"
        )


async def thread_url(page: Page, compose: Compose) -> str | None:
    """The conversation's URL: the page's own, else a thread link inside the conversation."""
    if "/messaging/thread/" in page.url and "/messaging/thread/new" not in page.url:
        return page.url
    if compose.thread is not None:
        link = await S.first_present(compose.thread, S.MSG_THREAD_LINK, visible=False)
        if link is not None:
            href = await link.get_attribute("href")
            if href:
                return urljoin(page.url, href)
    return None
