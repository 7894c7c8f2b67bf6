"""LinkedIn's own error pages (5xx, or a 200 "Something went wrong") fail LINKEDIN_UNAVAILABLE
at once, retryable, and never as UI_CHANGED; nothing is sent meanwhile."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from linkedin.browser.navigation import goto, raise_if_blocked
from linkedin.browser.page_state import PageState, detect
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import VisitResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import Fault, FaultAction
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

ERROR_FAULTS: list[FaultAction] = [
    "server_error",
    "bad_gateway",
    "service_unavailable",
    "soft_error",
]


async def run(
    page: Page, sim: SimServer, ctx: TouchpointContext, data: dict[str, object]
) -> object:
    return await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)


@pytest.mark.parametrize("action", ERROR_FAULTS)
async def test_connect_on_an_error_page(
    page: Page, sim: SimServer, tctx: TouchpointContext, action: FaultAction
) -> None:
    sim.state.add_fault(Fault(path_prefix="/in/jane-doe/", action=action))
    with pytest.raises(TouchpointError) as err:
        await run(page, sim, tctx, {"type": "connect", "profile_url": sim.profile_url("jane-doe")})
    assert err.value.code == ErrorCode.LINKEDIN_UNAVAILABLE
    assert err.value.retryable
    # The fault answered instead of the profile: nothing was visited, nothing sent.
    assert sim.invitations() == []
    assert sim.visits() == []


@pytest.mark.parametrize("action", ["bad_gateway", "soft_error"])
async def test_withdraw_and_message_on_error_pages(
    page: Page, sim: SimServer, tctx: TouchpointContext, action: FaultAction
) -> None:
    # hank-hidden's invitation is only on the sent page; carl's Message link leads to /messaging/.
    sim.state.add_fault(Fault(path_prefix="/mynetwork/", action=action))
    sim.state.add_fault(Fault(path_prefix="/messaging/", action=action))
    with pytest.raises(TouchpointError) as err:
        await run(
            page, sim, tctx, {"type": "withdraw", "profile_url": sim.profile_url("hank-hidden")}
        )
    assert err.value.code == ErrorCode.LINKEDIN_UNAVAILABLE
    with pytest.raises(TouchpointError) as err:
        data = {"type": "message", "profile_url": sim.profile_url("carl-connected"), "text": "Hi"}
        await run(page, sim, tctx, data)
    assert err.value.code == ErrorCode.LINKEDIN_UNAVAILABLE
    assert sim.state.withdrawals() == []
    assert sim.state.relationship(DEMO_USER, "hank-hidden") == "pending"
    assert sim.state.social.messages() == []


@pytest.mark.parametrize("action", ERROR_FAULTS)
async def test_error_page_mid_flow(page: Page, sim: SimServer, action: FaultAction) -> None:
    # The tab lands on the error page without goto (a click, a client-side redirect).
    sim.state.add_fault(Fault(path_prefix="/in/slow-sam/", action=action))
    await page.goto(sim.profile_url("slow-sam"))
    with pytest.raises(TouchpointError) as err:
        await raise_if_blocked(page)
    assert err.value.code == ErrorCode.LINKEDIN_UNAVAILABLE


async def test_error_wording_on_a_working_page_is_not_an_error(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # A member's own words on a real profile never make it an error page.
    sim.state.upsert_profile(
        "slow-sam", name="Something Went Wrong", headline="Service unavailable"
    )
    result = await run(
        page, sim, tctx, {"type": "visit", "profile_url": sim.profile_url("slow-sam")}
    )
    assert isinstance(result, VisitResult)
    assert result.public_identifier == "slow-sam"
    assert await detect(page) == PageState.PROFILE
    assert [v["public_id"] for v in sim.visits()] == ["slow-sam"]


async def test_rate_limit_page_is_still_rate_limited(page: Page, sim: SimServer) -> None:
    sim.state.add_fault(Fault(path_prefix="/feed/", action="rate_limit"))
    with pytest.raises(TouchpointError) as err:
        await goto(page, sim.url("/feed/"))
    assert err.value.code == ErrorCode.RATE_LIMITED


async def test_error_wording_outside_headings_and_in_toasts(page: Page) -> None:
    # A very short page saying it in a paragraph is LinkedIn's error page...
    await page.set_content("<body><p>Oops! Something went wrong. Reload the page.</p></body>")
    assert await detect(page) == PageState.UNAVAILABLE
    # ...a failed action's toast saying the same on a short page is not.
    await page.set_content(
        "<body><main><h1>Manage invitations</h1><ul role='list'></ul></main>"
        "<div class='artdeco-toasts'><div data-test-artdeco-toast-item-type='error' role='alert'>"
        "Something went wrong. Please try again.</div></div></body>"
    )
    assert await detect(page) == PageState.OTHER
