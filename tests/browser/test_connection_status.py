"""connection_status in real Chromium: every status, read from the owner's top card."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from linkedin.touchpoints.models import ConnectionStatusResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def run_status(
    page: Page, sim: SimServer, ctx: TouchpointContext, public_id: str
) -> ConnectionStatusResult:
    data = {"type": "connection_status", "profile_url": sim.profile_url(public_id)}
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, ConnectionStatusResult)
    return result


@pytest.mark.parametrize(
    ("public_id", "status", "degree"),
    [
        ("jane-doe", "not_connected", "2nd"),
        ("cara-creator", "not_connected", "2nd"),  # Connect only under More
        ("oscar-open", "not_connected", "3rd"),  # open profile: Message, yet not connected
        ("paul-pending", "pending", "2nd"),
        ("carl-connected", "connected", "1st"),
        ("irene-incoming", "incoming_request", "2nd"),
        ("fiona-follow", "follow_only", "3rd"),
        ("demo-user", "self", "self"),
    ],
)
async def test_every_status(
    page: Page, sim: SimServer, tctx: TouchpointContext, public_id: str, status: str, degree: str
) -> None:
    result = await run_status(page, sim, tctx, public_id)
    assert (result.status, result.degree) == (status, degree)
    assert result.public_identifier == public_id
    assert result.final_url == sim.profile_url(public_id)
    # Read-only: nothing sent, nothing withdrawn, no menu left open.
    assert sim.invitations() == [] and sim.state.withdrawals() == []
    assert await page.locator('[role="menu"]').count() == 0


async def test_message_button_alone_is_not_connected(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # The trap is live: the open profile shows a Message action in the top card, and no
    # Connect there, exactly like a 1st-degree connection would.
    await page.goto(sim.profile_url("oscar-open"))
    card = page.locator("main section[data-member-id]")
    await card.locator('a[aria-label="Message Oscar Open"]').wait_for()
    assert await card.locator('[aria-label="Invite Oscar Open to connect"]').count() == 0
    result = await run_status(page, sim, tctx, "oscar-open")
    assert result.status == "not_connected"
    # And once the invitation is out, the same profile reads as pending (under More).
    sim.state.set_relationship(DEMO_USER, "oscar-open", "pending")
    assert (await run_status(page, sim, tctx, "oscar-open")).status == "pending"


async def test_pending_under_more_menu(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    sim.state.set_relationship(DEMO_USER, "cara-creator", "pending")
    assert (await run_status(page, sim, tctx, "cara-creator")).status == "pending"


async def test_connected_without_badge_via_more_menu(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # A top card that lost its degree badge still tells a connection by "Remove connection".
    await page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () =>"
        " document.querySelectorAll('.distance-badge').forEach((b) => b.remove()))"
    )
    result = await run_status(page, sim, tctx, "carl-connected")
    assert (result.status, result.degree) == ("connected", None)


async def test_status_follows_the_relationship(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    assert (await run_status(page, sim, tctx, "jane-doe")).status == "not_connected"
    sim.state.record_invitation(DEMO_USER, "jane-doe", None)
    assert (await run_status(page, sim, tctx, "jane-doe")).status == "pending"
    sim.state.set_relationship(DEMO_USER, "jane-doe", "connected")
    assert (await run_status(page, sim, tctx, "jane-doe")).status == "connected"
