"""enrich in real Chromium: the Voyager call is made in the page, with the right csrf."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, Route

from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import EnrichResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

NORMALIZED = "application/vnd.linkedin.normalized+json+2.1"


def urlpath(url: str) -> str:
    return urlsplit(url).path


async def run_enrich(
    page: Page, sim: SimServer, ctx: TouchpointContext, **target: str
) -> EnrichResult:
    data = {"type": "enrich", **target}
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, EnrichResult)
    return result


async def test_full_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    result = await run_enrich(page, sim, tctx, profile_url=sim.profile_url("jane-doe"))
    profile = sim.state.profile("jane-doe")
    assert profile is not None
    assert result.public_identifier == "jane-doe"
    assert result.urn == profile.urn and result.urn.startswith("urn:li:fsd_profile:")
    assert (result.first_name, result.last_name, result.name) == ("Jane", "Doe", "Jane Doe")
    assert result.headline == "VP Sales at Acme"
    assert result.location == "Berlin, Germany"
    assert result.degree == "2nd"
    assert [(p.title, p.company, p.start, p.end) for p in result.positions] == [
        ("VP Sales", "Acme", "2021-03", None),
        ("Account Executive", "Globex", "2016", "2021-02"),
    ]
    assert result.positions[0].company_urn is not None
    assert [(e.school, e.degree, e.field_of_study) for e in result.educations] == [
        ("TU Berlin", "MSc", "Economics")
    ]
    # One API call, with the page's csrf token and Voyager's headers; the profile itself
    # was not opened (no profile view recorded).
    calls = sim.state.voyager_calls()
    assert [(c["account"], c["member_identity"], c["csrf_ok"], c["status"]) for c in calls] == [
        (DEMO_USER, "jane-doe", True, 200)
    ]
    assert calls[0]["accept"] == NORMALIZED
    assert calls[0]["restli_protocol"] == "2.0.0"
    assert sim.visits() == []
    assert urlpath(page.url) == "/feed/"


@pytest.mark.parametrize(
    ("public_id", "degree"),
    [("carl-connected", "1st"), ("john-smith", "3rd"), ("demo-user", "self")],
)
async def test_degree(
    page: Page, sim: SimServer, tctx: TouchpointContext, public_id: str, degree: str
) -> None:
    result = await run_enrich(page, sim, tctx, public_identifier=public_id)
    assert result.degree == degree
    assert result.positions == []


async def test_calls_from_the_current_linkedin_page(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    await page.goto(sim.profile_url("john-smith"))
    await run_enrich(page, sim, tctx, public_identifier="jane-doe")
    # Already on a signed-in LinkedIn page: no extra navigation to the feed.
    assert urlpath(page.url) == "/in/john-smith/"
    assert [c["csrf_ok"] for c in sim.state.voyager_calls()] == [True]


async def test_csrf_is_enforced(page: Page, sim: SimServer) -> None:
    # The simulator really refuses a wrong token, so the check above means something.
    await page.goto(sim.url("/feed/"))
    status = await page.evaluate(
        """async () => (await fetch('/voyager/api/identity/dash/profiles?q=memberIdentity'
            + '&memberIdentity=jane-doe', {headers: {'csrf-token': 'ajax:wrong'}})).status"""
    )
    assert status == 403
    assert [(c["csrf_ok"], c["status"]) for c in sim.state.voyager_calls()] == [(False, 403)]


async def test_unknown_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_enrich(page, sim, tctx, public_identifier="nobody-here")
    assert err.value.code == ErrorCode.PROFILE_NOT_FOUND
    assert [c["status"] for c in sim.state.voyager_calls()] == [404]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (403, ErrorCode.PROFILE_NOT_FOUND),
        (401, ErrorCode.SESSION_EXPIRED),
        (429, ErrorCode.RATE_LIMITED),
        (500, ErrorCode.UI_CHANGED),
    ],
)
async def test_status_codes(
    page: Page, sim: SimServer, tctx: TouchpointContext, status: int, code: ErrorCode
) -> None:
    async def answer(route: Route) -> None:
        await route.fulfill(status=status, body="{}", content_type=NORMALIZED)

    await page.route("**/voyager/api/identity/dash/profiles*", answer)
    with pytest.raises(TouchpointError) as err:
        await run_enrich(page, sim, tctx, public_identifier="jane-doe")
    assert err.value.code == code


async def test_session_dropped_after_page_load(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    await page.goto(sim.url("/feed/"))
    await page.context.clear_cookies(name="li_at")
    with pytest.raises(TouchpointError) as err:
        await run_enrich(page, sim, tctx, public_identifier="jane-doe")
    assert err.value.code == ErrorCode.SESSION_EXPIRED
    assert [c["status"] for c in sim.state.voyager_calls()] == [401]


async def test_signed_out(anon_page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_enrich(anon_page, sim, tctx, public_identifier="jane-doe")
    assert err.value.code == ErrorCode.SESSION_EXPIRED
    assert sim.state.voyager_calls() == []


async def test_rejects_other_hosts(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    touchpoint = parse_touchpoint(
        {"type": "enrich", "profile_url": "https://www.linkedin.com/in/jane-doe/"}
    )
    with pytest.raises(TouchpointError) as err:
        await run_touchpoint(page, touchpoint, tctx)
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert sim.state.voyager_calls() == []
