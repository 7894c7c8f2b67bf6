"""Tell how the account relates to a profile from the owner's top card, without acting.

A Message button proves nothing (open profiles and Premium members show it to everyone):
the answer comes from the degree badge, Pending, Accept/Ignore, Connect (in the card or
under More), Follow, a "Remove connection" menu item, and the own-profile edit links.
"""

from __future__ import annotations

from typing import Literal

from playwright.async_api import Page

from linkedin import selectors as S
from linkedin.browser.navigation import overlays_dismissed, raise_if_blocked
from linkedin.touchpoints.connect import MENU_TIMEOUT_MS, wait_any
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.editor import click
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import ConnectionStatusInput, ConnectionStatusResult, Degree
from linkedin.touchpoints.profile_page import ProfilePage, open_profile, read_degree

ACTIONS_TIMEOUT_MS = 10_000

Status = Literal["connected", "pending", "not_connected", "follow_only", "incoming_request", "self"]


async def _in_more_menu(page: Page, profile: ProfilePage) -> str | None:
    """Open More, read what it offers about the relationship, close it again."""
    more = await S.first_present(profile.card, S.MORE_IN_CARD)
    if more is None:
        return None
    name = profile.name
    await click(more, "More actions")
    found = await wait_any(
        {
            "connect": S.any_of(page, S.CONNECT_IN_MENU, name=name),
            "pending": S.any_of(page, S.PENDING_IN_MENU, name=name),
            "connected": S.any_of(page, S.REMOVE_CONNECTION_IN_MENU, name=name),
            "follow": S.any_of(page, S.FOLLOW_IN_MENU, name=name),
            "menu": S.any_of(page, S.MENU),
        },
        MENU_TIMEOUT_MS,
    )
    if found is None:
        await raise_if_blocked(page)
        raise TouchpointError(ErrorCode.UI_CHANGED, "the More menu did not open")
    # The menu may render its items a moment after the container.
    if found == "menu":
        found = (
            await wait_any(
                {
                    "connect": S.any_of(page, S.CONNECT_IN_MENU, name=name),
                    "pending": S.any_of(page, S.PENDING_IN_MENU, name=name),
                    "connected": S.any_of(page, S.REMOVE_CONNECTION_IN_MENU, name=name),
                    "follow": S.any_of(page, S.FOLLOW_IN_MENU, name=name),
                },
                500,
            )
            or "menu"
        )
    await page.keyboard.press("Escape")
    return found


async def read_status(page: Page, profile: ProfilePage) -> tuple[Status, Degree | None]:
    """The relationship the top card shows, and the degree badge (None when absent)."""
    card, name = profile.card, profile.name
    # LinkedIn renders the actions after the card; wait for any of them.
    await wait_any(
        {
            "connect": S.any_of(card, S.CONNECT_IN_CARD, name=name, public_id=profile.public_id),
            "pending": S.any_of(card, S.PENDING_IN_CARD, name=name),
            "accept": S.any_of(card, S.ACCEPT_IN_CARD, name=name),
            "message": S.any_of(card, S.MESSAGE_IN_CARD),
            "follow": S.any_of(card, S.FOLLOW_IN_CARD, name=name),
            "more": S.any_of(card, S.MORE_IN_CARD),
            "self": S.any_of(card, S.SELF_MARKER),
        },
        ACTIONS_TIMEOUT_MS,
    )
    degree = await read_degree(card)
    if degree == "self":
        return "self", degree
    if await S.first_present(card, S.PENDING_IN_CARD, name=name) is not None:
        return "pending", degree
    incoming = await S.first_present(card, S.ACCEPT_IN_CARD, name=name)
    if incoming is None:
        incoming = await S.first_present(card, S.IGNORE_IN_CARD, name=name)
    if incoming is not None:
        return "incoming_request", degree
    if degree == "1st":
        return "connected", degree
    connect = S.CONNECT_IN_CARD
    if await S.first_present(card, connect, name=name, public_id=profile.public_id) is not None:
        return "not_connected", degree
    follow_in_card = await S.first_present(card, S.FOLLOW_IN_CARD, name=name) is not None
    in_menu = await _in_more_menu(page, profile)
    if in_menu == "connect":
        return "not_connected", degree
    if in_menu == "pending":
        return "pending", degree
    if in_menu == "connected":
        return "connected", degree
    if follow_in_card or in_menu == "follow":
        return "follow_only", degree
    await raise_if_blocked(page)
    raise TouchpointError(
        ErrorCode.UI_CHANGED, "the top card shows no Connect, Pending, Follow or 1st badge"
    )


async def connection_status(
    page: Page, touchpoint: ConnectionStatusInput, ctx: TouchpointContext
) -> ConnectionStatusResult:
    """Open the profile and report connected, pending, not_connected, follow_only,
    incoming_request or self. Read-only: a dry run does the same."""
    profile = await open_profile(page, touchpoint.profile_url)
    async with overlays_dismissed(page):
        status, degree = await read_status(page, profile)
    return ConnectionStatusResult(
        status=status,
        final_url=profile.final_url,
        public_identifier=profile.public_id,
        degree=degree,
    )
