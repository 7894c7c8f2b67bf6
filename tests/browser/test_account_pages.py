"""Account-level pages (checkpoint, expired session, restriction notice, rate limit) on
every touchpoint: right after navigation and mid-flow, each maps to its own error code."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page

from linkedin.browser.pace import Pace
from linkedin.browser.page_state import PageState, detect
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import Fault, FaultAction
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

CODES: dict[FaultAction, ErrorCode] = {
    "checkpoint": ErrorCode.CHECKPOINT,
    "session_expired": ErrorCode.SESSION_EXPIRED,
    "restricted": ErrorCode.ACCOUNT_RESTRICTED,
    "rate_limit": ErrorCode.RATE_LIMITED,
}
INVITE_XHR = "/voyager/api/voyagerRelationshipsDashMemberRelationships"
WITHDRAW_XHR = "/voyager/api/voyagerRelationshipsDashInvitations"


def touchpoint(sim: SimServer, kind: str, public_id: str = "jane-doe") -> dict[str, Any]:
    data: dict[str, Any] = {"type": kind, "profile_url": sim.profile_url(public_id)}
    if kind == "visit":
        data["dwell_s"] = [0, 0]
    return data


async def expect_code(
    page: Page, sim: SimServer, ctx: TouchpointContext, data: dict[str, Any], code: ErrorCode
) -> TouchpointError:
    with pytest.raises(TouchpointError) as err:
        await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert err.value.code == code, err.value
    # Nothing happened on LinkedIn's side.
    assert sim.invitations() == [] and sim.state.withdrawals() == []
    return err.value


@pytest.mark.parametrize("action", list(CODES))
@pytest.mark.parametrize(
    ("kind", "public_id"),
    [
        ("visit", "jane-doe"),
        ("connect", "jane-doe"),
        ("connection_status", "jane-doe"),
        ("withdraw", "paul-pending"),
    ],
)
async def test_on_opening_the_profile(
    page: Page,
    sim: SimServer,
    tctx: TouchpointContext,
    kind: str,
    public_id: str,
    action: FaultAction,
) -> None:
    sim.state.add_fault(Fault(path_prefix=f"/in/{public_id}/", action=action))
    await expect_code(page, sim, tctx, touchpoint(sim, kind, public_id), CODES[action])


@pytest.mark.parametrize("action", list(CODES))
@pytest.mark.parametrize("path", ["/feed/", "/voyager/api/identity/"])
async def test_enrich(
    page: Page, sim: SimServer, tctx: TouchpointContext, path: str, action: FaultAction
) -> None:
    # On the way to the feed, or as the answer to the Voyager call itself.
    sim.state.add_fault(Fault(path_prefix=path, action=action))
    data = {"type": "enrich", "public_identifier": "jane-doe"}
    await expect_code(page, sim, tctx, data, CODES[action])


@pytest.mark.parametrize("action", ["checkpoint", "session_expired", "restricted"])
async def test_connect_mid_flow(
    page: Page, sim: SimServer, tctx: TouchpointContext, action: FaultAction
) -> None:
    # The profile loads fine; the Send click's request sends the whole tab elsewhere.
    sim.state.add_fault(Fault(path_prefix=INVITE_XHR, action=action))
    data = touchpoint(sim, "connect") | {"note": "hi"}
    await expect_code(page, sim, tctx, data, CODES[action])


@pytest.mark.parametrize("action", ["checkpoint", "restricted"])
@pytest.mark.parametrize("public_id", ["paul-pending", "hank-hidden"])
async def test_withdraw_mid_flow(
    page: Page, sim: SimServer, tctx: TouchpointContext, public_id: str, action: FaultAction
) -> None:
    sim.state.add_fault(Fault(path_prefix=WITHDRAW_XHR, action=action))
    await expect_code(page, sim, tctx, touchpoint(sim, "withdraw", public_id), CODES[action])
    assert sim.state.relationship(DEMO_USER, public_id) == "pending"


class RedirectingPace(Pace):
    """Fast pace whose scroll coincides with LinkedIn moving the tab to another page."""

    def __init__(self, target: str) -> None:
        super().__init__("fast")
        self.target = target

    async def scroll(self, page: Page) -> None:
        """Scroll, while LinkedIn redirects the tab (client-side) to `target`."""
        async with page.expect_navigation(wait_until="domcontentloaded"):
            await page.evaluate("(url) => location.assign(url)", self.target)


@pytest.mark.parametrize("action", list(CODES))
async def test_visit_mid_flow(page: Page, sim: SimServer, action: FaultAction) -> None:
    sim.state.add_fault(Fault(path_prefix="/feed/", action=action))
    ctx = TouchpointContext(base_url=sim.base_url, pace=RedirectingPace("/feed/"))
    data = touchpoint(sim, "visit") | {"scroll": True}
    await expect_code(page, sim, ctx, data, CODES[action])


async def test_restriction_sticks_and_is_not_a_checkpoint(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    sim.state.upsert_account(DEMO_USER, restricted=True)
    await page.goto(sim.url("/feed/"))
    # Same /checkpoint/challenge/ path family as a PIN checkpoint: content decides.
    assert "/checkpoint/challenge/" in page.url
    assert await detect(page) == PageState.RESTRICTED
    for kind in ("visit", "connection_status"):
        await expect_code(page, sim, tctx, touchpoint(sim, kind), ErrorCode.ACCOUNT_RESTRICTED)


async def test_pin_checkpoint_is_not_a_restriction(page: Page, sim: SimServer) -> None:
    sim.state.upsert_account(DEMO_USER, challenge=True)
    await page.goto(sim.url("/feed/"))
    assert await detect(page) == PageState.CHECKPOINT


async def test_profile_wording_is_not_a_restriction(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # A member's own words on a profile never make the account "restricted".
    sim.state.upsert_profile(
        "rex-restricted", name="Account Restricted Rex", headline="My account was restricted once"
    )
    data = touchpoint(sim, "connection_status", "rex-restricted")
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), tctx)
    assert result.model_dump()["status"] == "not_connected"
