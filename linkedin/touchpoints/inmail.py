"""Send an InMail from a profile you are not connected to (standard UI with Premium).

Message on such a profile opens a compose with a subject field, a body and a credits line
("Use 1 of 45 InMail credits"). No InMail option (no Premium: an upsell instead, or no
Message at all) is NOT_AVAILABLE; no credits left is NO_CREDITS.
"""

from __future__ import annotations

from playwright.async_api import Locator, Page

from linkedin import selectors as S
from linkedin.browser.navigation import overlays_dismissed
from linkedin.touchpoints.compose import (
    Compose,
    open_compose,
    ready_send,
    send_and_verify,
    sent_count,
    settled_degree,
)
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.credits import parse_credits
from linkedin.touchpoints.editor import clear_editor, require_visible_text, type_into_editor
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import InmailInput, InmailResult, check_exact_text
from linkedin.touchpoints.profile_page import open_profile


async def _credits(compose: Compose, page: Page) -> int | None:
    scope: Page | Locator = compose.thread if compose.thread is not None else page
    line = await S.first_present(scope, S.INMAIL_CREDITS)
    return parse_credits(await line.inner_text()) if line is not None else None


def _not_available(why: str) -> TouchpointError:
    return TouchpointError(ErrorCode.NOT_AVAILABLE, why, retryable=False)


def _check_texts(touchpoint: InmailInput) -> None:
    try:
        check_exact_text(touchpoint.body, 1900)
        if touchpoint.subject is not None:
            check_exact_text(touchpoint.subject, 200)
    except ValueError as exc:
        raise TouchpointError(ErrorCode.INVALID_INPUT, str(exc), retryable=False) from exc
    if touchpoint.subject is not None and "\n" in touchpoint.subject:
        raise TouchpointError(ErrorCode.INVALID_INPUT, "subject must be one line", retryable=False)
    require_visible_text(touchpoint.body, "body")


async def inmail(page: Page, touchpoint: InmailInput, ctx: TouchpointContext) -> InmailResult:
    """Send the InMail with subject and body exactly as given; report the credits left.

    Dry run: opens the compose and fills subject and body, then clears them.
    """
    _check_texts(touchpoint)
    profile = await open_profile(page, touchpoint.profile_url)
    async with overlays_dismissed(page):
        degree = await settled_degree(profile)
        if degree == "self":
            raise TouchpointError(
                ErrorCode.INVALID_INPUT, "this is the account's own profile", retryable=False
            )
        if degree == "1st":
            raise _not_available(f"{profile.name} is a 1st-degree connection: send a message")
        compose = await open_compose(page, profile, ctx.base_url)
        if compose is None:
            raise _not_available("the profile offers no Message / InMail action")
        if compose.subject is None or compose.editor is None or compose.thread is None:
            if compose.upsell:
                raise _not_available("InMail needs Premium (LinkedIn shows an upsell)")
            raise TouchpointError(ErrorCode.UI_CHANGED, "no InMail subject field in the compose")
        credits = await _credits(compose, page)
        if credits == 0:
            raise TouchpointError(ErrorCode.NO_CREDITS, "no InMail credits left", retryable=False)
        subject = touchpoint.subject or ""
        before = await sent_count(compose.thread, touchpoint.body)
        await ctx.pace.pause()
        await ctx.pace.type_text(compose.subject, subject)
        if await compose.subject.input_value() != subject:
            raise TouchpointError(
                ErrorCode.UI_CHANGED, "the subject field did not keep the subject"
            )
        await type_into_editor(compose.editor, touchpoint.body, ctx.pace)
        if ctx.dry_run:
            await ready_send(compose)
            await clear_editor(compose.editor)
            await compose.subject.fill("")
            return InmailResult(
                status="would_send",
                public_identifier=profile.public_id,
                credits_left=credits,
                dry_run=True,
            )
        await ctx.pace.pause()
        await send_and_verify(page, compose, touchpoint.body, before)
        return InmailResult(
            status="sent",
            public_identifier=profile.public_id,
            credits_left=None if credits is None else credits - 1,
        )
