"""Open a profile and read its top card: shared by visit, connect and later touchpoints."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin import selectors as S
from linkedin.browser.navigation import goto, raise_if_blocked
from linkedin.browser.page_state import PageState
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import Degree, profile_public_id

TOP_CARD_TIMEOUT_MS = 15_000
_DEGREE = re.compile(r"\b(1st|2nd|3rd)\b")


@dataclass
class ProfilePage:
    """A loaded profile: where it ended up and its owner's top card."""

    final_url: str
    public_id: str
    card: Locator
    name: str


async def open_profile(page: Page, url: str) -> ProfilePage:
    """Navigate to a profile and locate the owner's top card.

    Raises PROFILE_NOT_FOUND for LinkedIn's 404 page, UI_CHANGED if no top card shows.
    """
    state = await goto(page, url)
    if state == PageState.NOT_FOUND:
        raise TouchpointError(
            ErrorCode.PROFILE_NOT_FOUND, "LinkedIn has no such profile", retryable=False
        )
    if state != PageState.PROFILE:
        raise TouchpointError(ErrorCode.UI_CHANGED, f"expected a profile page, got {state}")
    final_url = page.url
    try:
        await S.any_of(page, S.TOP_CARD).first.wait_for(
            state="visible", timeout=TOP_CARD_TIMEOUT_MS
        )
    except PlaywrightTimeoutError as exc:
        # A client-side redirect (checkpoint, notice) after load explains a missing card.
        await raise_if_blocked(page)
        raise TouchpointError(ErrorCode.UI_CHANGED, "profile top card not found") from exc
    card = await S.first_present(page, S.TOP_CARD)
    if card is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, "profile top card not found")
    heading = await S.first_present(card, S.OWNER_NAME)
    name = " ".join((await heading.inner_text()).split()) if heading is not None else ""
    if not name:
        raise TouchpointError(ErrorCode.UI_CHANGED, "profile owner's name not found")
    return ProfilePage(
        final_url=final_url, public_id=profile_public_id(final_url), card=card, name=name
    )


async def read_degree(card: Locator) -> Degree | None:
    """The connection degree shown in the top card, "self" on one's own profile."""
    if await S.first_present(card, S.SELF_MARKER, visible=False) is not None:
        return "self"
    badge = await S.first_present(card, S.DEGREE_BADGE, visible=False)
    if badge is None:
        return None
    match = _DEGREE.search(await badge.inner_text())
    if match is None:
        return None
    degree: Degree = match.group(1)  # type: ignore[assignment]
    return degree
