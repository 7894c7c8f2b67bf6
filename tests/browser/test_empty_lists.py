"""An empty list is an answer (not UI_CHANGED), once the page has settled: the sent
invitations page after a withdrawal, and recent activity without posts."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import RecentPostsResult, WithdrawResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import ActivityEmpty, SentPage
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

SENT_PAGES: list[SentPage] = ["classic", "bare", "no_pending", "no_sent"]
LATE_MS = 1_200


async def withdraw(
    page: Page, sim: SimServer, ctx: TouchpointContext, public_id: str
) -> WithdrawResult:
    data = {"type": "withdraw", "profile_url": sim.profile_url(public_id)}
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, WithdrawResult)
    return result


def withdrawals(sim: SimServer) -> list[tuple[str, str, str]]:
    return [(w["account"], w["public_id"], w["via"]) for w in sim.state.withdrawals()]


def only_hank_pending(sim: SimServer, variant: SentPage, late_ms: int = 0) -> None:
    # hank-hidden's invitation shows only on the sent page; nothing else is pending.
    sim.state.set_relationship(DEMO_USER, "paul-pending", "not_connected")
    sim.state.upsert_account(DEMO_USER, sent_page=variant, sent_page_late_ms=late_ms)


@pytest.mark.parametrize("late_ms", [0, LATE_MS])
@pytest.mark.parametrize("variant", SENT_PAGES)
async def test_withdraw_then_the_empty_sent_page_is_not_pending(
    page: Page, sim: SimServer, tctx: TouchpointContext, variant: SentPage, late_ms: int
) -> None:
    only_hank_pending(sim, variant, late_ms)
    first = await withdraw(page, sim, tctx, "hank-hidden")
    assert (first.status, first.via) == ("withdrawn", "sent_invitations")
    # Now the sent page lists nothing: empty <ul>, an empty state, or other wording.
    second = await withdraw(page, sim, tctx, "hank-hidden")
    assert (second.status, second.via) == ("not_pending", "none")
    assert withdrawals(sim) == [(DEMO_USER, "hank-hidden", "sent_invitations")]
    assert await page.locator("main li").count() == 0
    if late_ms:
        # The answer came after the late list did, not before.
        assert await page.locator("[data-sim-sent-count]").inner_text() == "People (0)"


@pytest.mark.parametrize("variant", ["classic", "bare"])
async def test_late_list_with_the_invitation_is_withdrawn(
    page: Page, sim: SimServer, tctx: TouchpointContext, variant: SentPage
) -> None:
    only_hank_pending(sim, variant, LATE_MS)
    result = await withdraw(page, sim, tctx, "hank-hidden")
    assert (result.status, result.via) == ("withdrawn", "sent_invitations")
    assert withdrawals(sim) == [(DEMO_USER, "hank-hidden", "sent_invitations")]
    assert sim.state.relationship(DEMO_USER, "hank-hidden") == "not_connected"


async def test_late_list_with_other_invitations_only(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # Cara's invitation is listed (late), Hank's is not: nothing is withdrawn.
    only_hank_pending(sim, "bare", LATE_MS)
    sim.state.set_relationship(DEMO_USER, "hank-hidden", "not_connected")
    sim.state.set_relationship(DEMO_USER, "cara-creator", "pending")
    result = await withdraw(page, sim, tctx, "hank-hidden")
    assert (result.status, result.via) == ("not_pending", "none")
    assert withdrawals(sim) == []
    assert sim.state.relationship(DEMO_USER, "cara-creator") == "pending"


@pytest.mark.parametrize("variant", ["classic", "no_recent_activity", "bare"])
async def test_no_posts_is_an_empty_list(
    page: Page, sim: SimServer, tctx: TouchpointContext, variant: ActivityEmpty
) -> None:
    sim.state.upsert_profile("slow-sam", activity_empty=variant)
    url = sim.profile_url("slow-sam")
    data = {"type": "recent_posts", "profile_url": url, "within_days": 30, "limit": 5}
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), tctx)
    assert isinstance(result, RecentPostsResult)
    assert (result.public_identifier, result.posts) == ("slow-sam", [])
    for touchpoint in (
        {"type": "react", "profile_url": url, "within_days": 30, "reaction": "LIKE"},
        {"type": "comment", "profile_url": url, "within_days": 30, "text": "Nice"},
    ):
        with pytest.raises(TouchpointError) as err:
            await run_touchpoint(page, parse_touchpoint(touchpoint, sim.base_url), tctx)
        assert err.value.code == ErrorCode.NO_RECENT_POST
    assert sim.state.social.reactions() == []
    assert sim.state.social.comments() == []
