"""recent_posts gives posted_at: the time an activity id embeds when it agrees with the
age the page shows, else now minus that age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page

from linkedin.touchpoints.models import RecentPostsResult, parse_touchpoint
from linkedin.touchpoints.post_time import activity_time
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Generous: the run's "now" and the test's differ by the run's duration.
CLOSE = timedelta(minutes=5)


async def recent(
    page: Page, sim: SimServer, ctx: TouchpointContext, public_id: str
) -> RecentPostsResult:
    data = {"type": "recent_posts", "profile_url": sim.profile_url(public_id), "within_days": 365}
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, RecentPostsResult)
    return result


def embedded(sim: SimServer, urn: str) -> datetime:
    # What the simulator put in the id (decoded independently of the code under test).
    millis = int(urn.rsplit(":", 1)[1]) >> 22
    return datetime.fromtimestamp(millis / 1000, UTC)


async def test_agreeing_and_disagreeing_ids(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    result = await recent(page, sim, tctx, "tess-timestamps")
    now = datetime.now(UTC)
    by_text = {p.text: p for p in result.posts}
    repost, fresh = by_text["Reposting this classic."], by_text["Fresh numbers from our launch."]
    # The "2d" post's id embeds its real time, which agrees with "2d": used to the millisecond.
    assert fresh.age_text == "2d"
    assert fresh.posted_at == embedded(sim, fresh.urn)
    assert timedelta(days=2) - CLOSE <= now - fresh.posted_at <= timedelta(days=2) + CLOSE
    # The "1d" post's id says 40 days ago: the page's age wins.
    assert repost.age_text == "1d"
    assert abs(now - embedded(sim, repost.urn) - timedelta(days=40)) < CLOSE
    assert abs(now - repost.posted_at - timedelta(days=1)) < CLOSE
    # Serialised for clients as ISO 8601 UTC.
    dumped = result.model_dump(mode="json")["posts"][0]["posted_at"]
    assert datetime.fromisoformat(dumped).utcoffset() == timedelta(0)


async def test_seeded_ids_do_not_agree(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    # jane-doe's seeded ids (73000000000000001xx) decode to February 2025, far from her
    # recent posts' ages ("5h", "3d", "2w"): the ages are used.
    result = await recent(page, sim, tctx, "jane-doe")
    now = datetime.now(UTC)
    recent_ones = [p for p in result.posts if p.age_days < 30]
    assert [p.age_text for p in recent_ones] == ["5h", "3d", "2w"]
    for post in recent_ones:
        assert activity_time(post.urn) != post.posted_at
        assert abs(now - post.posted_at - timedelta(days=post.age_days)) < CLOSE


async def test_posts_added_through_the_api_embed_their_time(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    made = sim.state.social.add_post("john-smith", "Hello from today", "3h")
    result = await recent(page, sim, tctx, "john-smith")
    (post,) = [p for p in result.posts if p.urn == made.urn]
    assert post.posted_at == embedded(sim, made.urn)
    assert abs(datetime.now(UTC) - post.posted_at - timedelta(hours=3)) < CLOSE
