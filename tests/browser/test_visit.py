"""visit in real Chromium against the simulator."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from linkedin.browser.navigation import goto
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import VisitResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import Fault
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def run_visit(
    page: Page, sim: SimServer, ctx: TouchpointContext, public_id: str
) -> VisitResult:
    touchpoint = parse_touchpoint(
        {"type": "visit", "profile_url": sim.profile_url(public_id), "dwell_s": [1, 2]},
        sim.base_url,
    )
    result = await run_touchpoint(page, touchpoint, ctx)
    assert isinstance(result, VisitResult)
    return result


@pytest.mark.parametrize(
    ("public_id", "degree"),
    [
        ("jane-doe", "2nd"),
        ("john-smith", "3rd"),
        ("carl-connected", "1st"),
        ("demo-user", "self"),
        ("cara-creator", "2nd"),
    ],
)
async def test_visit_reports_degree(
    page: Page, sim: SimServer, tctx: TouchpointContext, public_id: str, degree: str
) -> None:
    result = await run_visit(page, sim, tctx, public_id)
    assert result.degree == degree
    assert result.public_identifier == public_id
    assert result.final_url == sim.profile_url(public_id)
    assert [(v["account"], v["public_id"]) for v in sim.visits()] == [(DEMO_USER, public_id)]
    assert sim.invitations() == []


async def test_visit_follows_redirected_slug(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    result = await run_visit(page, sim, tctx, "rita-old-slug")
    assert result.final_url == sim.profile_url("rita-renamed")
    assert result.public_identifier == "rita-renamed"
    assert [v["public_id"] for v in sim.visits()] == ["rita-renamed"]


async def test_visit_unknown_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_visit(page, sim, tctx, "nobody-here")
    assert err.value.code == ErrorCode.PROFILE_NOT_FOUND
    assert sim.visits() == []


async def test_navigation_timeout(page: Page, sim: SimServer) -> None:
    sim.state.add_fault(Fault(path_prefix="/in/slow-sam/", delay_ms=1_000))
    with pytest.raises(TouchpointError) as err:
        await goto(page, sim.profile_url("slow-sam"), timeout_ms=300)
    assert err.value.code == ErrorCode.NAVIGATION_TIMEOUT
    assert err.value.retryable
