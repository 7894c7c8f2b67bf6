"""recent_posts in real Chromium against the simulator: urls, relative dates, text, order."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import RecentPostsResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import Fault

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def run_recent(
    page: Page, sim: SimServer, ctx: TouchpointContext, public_id: str, within: int, limit: int
) -> RecentPostsResult:
    data = {
        "type": "recent_posts",
        "profile_url": sim.profile_url(public_id),
        "within_days": within,
        "limit": limit,
    }
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, RecentPostsResult)
    return result


def post_url(sim: SimServer, activity_id: str) -> str:
    return sim.url(f"/feed/update/urn:li:activity:{activity_id}/")


async def test_posts_within_window_newest_first(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    result = await run_recent(page, sim, tctx, "jane-doe", 30, 10)
    assert result.public_identifier == "jane-doe"
    assert [(p.post_url, p.age_text) for p in result.posts] == [
        (post_url(sim, "7300000000000000101"), "5h"),
        (post_url(sim, "7300000000000000102"), "3d"),
        (post_url(sim, "7300000000000000103"), "2w"),
    ]
    first = result.posts[0]
    assert first.urn == "urn:li:activity:7300000000000000101"
    assert first.text == "Pricing lessons from 100 customer calls:\n1. Ask early\n2. Anchor high"
    assert first.age_days == pytest.approx(5 / 24, abs=1e-3)
    assert [p.age_days for p in result.posts[1:]] == [3, 14]
    # The sidebar's post of another member is never read.
    assert all("7399999999999999999" not in p.urn for p in result.posts)


async def test_limit_and_lazy_loading(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    # Eight posts, five rendered at first: the rest load on scrolling.
    result = await run_recent(page, sim, tctx, "cara-creator", 365, 50)
    assert [p.age_text for p in result.posts] == ["1h", "20h", "2d", "4d", "1w", "2w", "3w", "1mo"]
    limited = await run_recent(page, sim, tctx, "cara-creator", 365, 3)
    assert [p.age_text for p in limited.posts] == ["1h", "20h", "2d"]
    window = await run_recent(page, sim, tctx, "cara-creator", 7, 50)
    assert [p.age_text for p in window.posts] == ["1h", "20h", "2d", "4d", "1w"]


async def test_added_post_and_old_posts(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    sim.state.social.add_post("john-smith", "  Fresh 🚀\nsecond line", "10m", activity_id="42")
    result = await run_recent(page, sim, tctx, "john-smith", 1, 10)
    assert [(p.urn, p.age_text, p.text) for p in result.posts] == [
        ("urn:li:activity:42", "10m", "Fresh 🚀\nsecond line")
    ]


async def test_no_posts_in_window(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    assert (await run_recent(page, sim, tctx, "john-smith", 30, 10)).posts == []
    assert (await run_recent(page, sim, tctx, "slow-sam", 30, 10)).posts == []


async def test_redirected_slug(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    sim.state.social.add_post("rita-renamed", "Rita's post", "2d")
    result = await run_recent(page, sim, tctx, "rita-old-slug", 30, 10)
    assert result.public_identifier == "rita-renamed"
    assert [p.text for p in result.posts] == ["Rita's post"]


async def test_unknown_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_recent(page, sim, tctx, "nobody-here", 30, 10)
    assert err.value.code == ErrorCode.PROFILE_NOT_FOUND


async def test_rate_limited(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    sim.state.add_fault(Fault(path_prefix="/in/jane-doe/recent-activity/", action="rate_limit"))
    with pytest.raises(TouchpointError) as err:
        await run_recent(page, sim, tctx, "jane-doe", 30, 10)
    assert err.value.code == ErrorCode.RATE_LIMITED
