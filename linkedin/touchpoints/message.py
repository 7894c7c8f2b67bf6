"""Message a 1st-degree connection from their profile; the text arrives exactly as given.

The degree badge decides (a Message button alone proves nothing: open profiles and
Premium members show it to everyone). New lines are typed as Shift+Enter, so the text
arrives the same whether the account's "Press Enter to send" setting is on or off.
"""

from __future__ import annotations

from playwright.async_api import Page

from linkedin.browser.navigation import overlays_dismissed
from linkedin.touchpoints.compose import (
    open_compose,
    ready_send,
    send_and_verify,
    sent_count,
    settled_degree,
    thread_url,
)
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.editor import clear_editor, require_visible_text, type_into_editor
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import MessageInput, MessageResult, check_exact_text
from linkedin.touchpoints.profile_page import open_profile


async def message(page: Page, touchpoint: MessageInput, ctx: TouchpointContext) -> MessageResult:
    """Send `text` to the profile's owner and verify it shows in the conversation.

    Raises NOT_CONNECTED unless the top card shows a 1st-degree badge. Dry run: opens
    the conversation and types the text, then clears it instead of sending.
    """
    text = touchpoint.text
    try:
        check_exact_text(text, 8000)
    except ValueError as exc:
        raise TouchpointError(ErrorCode.INVALID_INPUT, f"text {exc}", retryable=False) from exc
    require_visible_text(text, "text")
    profile = await open_profile(page, touchpoint.profile_url)
    async with overlays_dismissed(page):
        degree = await settled_degree(profile)
        if degree == "self":
            raise TouchpointError(
                ErrorCode.INVALID_INPUT, "this is the account's own profile", retryable=False
            )
        if degree != "1st":
            raise TouchpointError(
                ErrorCode.NOT_CONNECTED,
                f"{profile.name} is not a 1st-degree connection (degree {degree or 'unknown'})",
                retryable=False,
            )
        compose = await open_compose(page, profile, ctx.base_url)
        if compose is None or compose.editor is None or compose.thread is None:
            raise TouchpointError(ErrorCode.UI_CHANGED, "no message box for this connection")
        before = await sent_count(compose.thread, text)
        await ctx.pace.pause()
        await type_into_editor(compose.editor, text, ctx.pace)
        if ctx.dry_run:
            # Sendable? (a Send that stays disabled says why.)
            await ready_send(compose)
            # Leave no draft behind: LinkedIn keeps drafts and would send it next time.
            await clear_editor(compose.editor)
            return MessageResult(
                status="would_send",
                thread_url=await thread_url(page, compose),
                public_identifier=profile.public_id,
                dry_run=True,
            )
        await ctx.pace.pause()
        await send_and_verify(page, compose, text, before)
        return MessageResult(
            status="sent",
            thread_url=await thread_url(page, compose),
            public_identifier=profile.public_id,
        )
