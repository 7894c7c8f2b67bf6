"""withdraw in real Chromium: from the profile, else from the sent-invitations page."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from linkedin.browser.pace import Pace
from linkedin.touchpoints.models import WithdrawResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

SENT = "/mynetwork/invitation-manager/sent/"


async def run_withdraw(
    page: Page, sim: SimServer, ctx: TouchpointContext, public_id: str
) -> WithdrawResult:
    data = {"type": "withdraw", "profile_url": sim.profile_url(public_id)}
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, WithdrawResult)
    return result


def withdrawals(sim: SimServer) -> list[tuple[str, str, str]]:
    return [(w["account"], w["public_id"], w["via"]) for w in sim.state.withdrawals()]


async def test_from_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    result = await run_withdraw(page, sim, tctx, "paul-pending")
    assert (result.status, result.via, result.dry_run) == ("withdrawn", "profile", False)
    assert withdrawals(sim) == [(DEMO_USER, "paul-pending", "profile")]
    assert sim.state.relationship(DEMO_USER, "paul-pending") == "not_connected"
    # Verified on the page: the Pending control turned back into Connect.
    card = page.locator("main section[data-member-id]")
    assert await card.locator('[aria-label^="Pending"]').count() == 0
    assert await card.locator('[aria-label="Invite Paul Pending to connect"]').count() == 1


async def test_second_withdraw_is_not_pending(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    assert (await run_withdraw(page, sim, tctx, "paul-pending")).status == "withdrawn"
    result = await run_withdraw(page, sim, tctx, "paul-pending")
    assert (result.status, result.via) == ("not_pending", "none")
    assert withdrawals(sim) == [(DEMO_USER, "paul-pending", "profile")]


async def test_after_connect(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    connect = parse_touchpoint(
        {"type": "connect", "profile_url": sim.profile_url("jane-doe")}, sim.base_url
    )
    await run_touchpoint(page, connect, tctx)
    assert (await run_withdraw(page, sim, tctx, "jane-doe")).status == "withdrawn"
    assert withdrawals(sim) == [(DEMO_USER, "jane-doe", "profile")]


async def test_pending_under_more_uses_sent_page(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # Two pending invitations to two people called "Cara Creator": only the right one goes.
    sim.state.set_relationship(DEMO_USER, "cara-creator", "pending")
    sim.state.set_relationship(DEMO_USER, "cara-creator-2", "pending")
    result = await run_withdraw(page, sim, tctx, "cara-creator")
    assert (result.status, result.via) == ("withdrawn", "sent_invitations")
    assert withdrawals(sim) == [(DEMO_USER, "cara-creator", "sent_invitations")]
    assert sim.state.relationship(DEMO_USER, "cara-creator-2") == "pending"
    assert page.url == sim.url(SENT)
    assert await page.locator('main li:has(a[href="/in/cara-creator/"])').count() == 0
    assert await page.locator('main li:has(a[href="/in/cara-creator-2/"])').count() == 1


async def test_hidden_pending_uses_sent_page(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    result = await run_withdraw(page, sim, tctx, "hank-hidden")
    assert (result.status, result.via) == ("withdrawn", "sent_invitations")
    assert withdrawals(sim) == [(DEMO_USER, "hank-hidden", "sent_invitations")]
    assert sim.state.relationship(DEMO_USER, "hank-hidden") == "not_connected"


@pytest.mark.parametrize("public_id", ["jane-doe", "carl-connected", "fiona-follow", "demo-user"])
async def test_nothing_to_withdraw(
    page: Page, sim: SimServer, tctx: TouchpointContext, public_id: str
) -> None:
    result = await run_withdraw(page, sim, tctx, public_id)
    assert (result.status, result.via) == ("not_pending", "none")
    assert withdrawals(sim) == []
    # Other people's pending invitations stay untouched.
    assert sim.state.relationship(DEMO_USER, "paul-pending") == "pending"


@pytest.mark.parametrize(
    ("public_id", "via"), [("paul-pending", "profile"), ("hank-hidden", "sent_invitations")]
)
async def test_dry_run(page: Page, sim: SimServer, public_id: str, via: str) -> None:
    ctx = TouchpointContext(base_url=sim.base_url, pace=Pace("fast"), dry_run=True)
    result = await run_withdraw(page, sim, ctx, public_id)
    assert (result.status, result.via, result.dry_run) == ("would_withdraw", via, True)
    assert withdrawals(sim) == []
    assert sim.state.relationship(DEMO_USER, public_id) == "pending"
    # The confirmation dialog was found, then closed again.
    assert await page.locator('[role="dialog"]').count() == 0


async def test_sent_page_trap_is_live(page: Page, sim: SimServer) -> None:
    # Withdraw on the sent page needs its confirmation: Cancel withdraws nothing.
    await page.goto(sim.url(SENT))
    await page.locator('[aria-label="Withdraw invitation sent to Paul Pending"]').click()
    dialog = page.locator('[role="dialog"]')
    await dialog.locator("button", has_text="Cancel").click()
    assert withdrawals(sim) == []
    await page.locator('[aria-label="Withdraw invitation sent to Paul Pending"]').click()
    await dialog.locator("button", has_text="Withdraw").click()
    await page.locator('main li:has(a[href="/in/paul-pending/"])').wait_for(state="detached")
    assert withdrawals(sim) == [(DEMO_USER, "paul-pending", "sent_invitations")]
