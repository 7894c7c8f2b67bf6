"""react in real Chromium against the simulator: assert the reactions the simulator recorded."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from linkedin.browser.pace import Pace
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import ReactResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.social import CARL_POST, JANE_POSTS
from linkedin_sim.state import Fault
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

JANE_NEWEST = f"urn:li:activity:{JANE_POSTS[0]}"
CARL = f"urn:li:activity:{CARL_POST}"


def post_url(sim: SimServer, urn: str) -> str:
    return sim.url(f"/feed/update/{urn}/")


async def run_react(
    page: Page, sim: SimServer, ctx: TouchpointContext, **data: object
) -> ReactResult:
    tp = parse_touchpoint({"type": "react", **data}, sim.base_url)
    result = await run_touchpoint(page, tp, ctx)
    assert isinstance(result, ReactResult)
    return result


def recorded(sim: SimServer) -> list[tuple[str, str, str | None]]:
    return [(r["account"], r["target"], r["reaction"]) for r in sim.state.social.reactions()]


@pytest.mark.parametrize(
    "reaction", ["LIKE", "CELEBRATE", "SUPPORT", "LOVE", "INSIGHTFUL", "FUNNY"]
)
async def test_each_reaction(
    page: Page, sim: SimServer, tctx: TouchpointContext, reaction: str
) -> None:
    result = await run_react(page, sim, tctx, post_url=post_url(sim, CARL), reaction=reaction)
    assert (result.status, result.reaction) == ("reacted", reaction)
    assert result.post_url == post_url(sim, CARL)
    assert recorded(sim) == [(DEMO_USER, CARL, reaction)]
    trigger = page.locator(f'[data-urn="{CARL}"] button.react-button__trigger')
    assert await trigger.get_attribute("aria-pressed") == "true"


async def test_newest_post_of_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    # The post page also shows the author's other posts: only the newest one is touched.
    result = await run_react(
        page, sim, tctx, profile_url=sim.profile_url("jane-doe"), within_days=7, reaction="LOVE"
    )
    assert result.post_url == post_url(sim, JANE_NEWEST)
    assert recorded(sim) == [(DEMO_USER, JANE_NEWEST, "LOVE")]


async def test_already_reacted_clicks_nothing(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    sim.state.social.set_reaction(DEMO_USER, CARL, "INSIGHTFUL")
    result = await run_react(page, sim, tctx, post_url=post_url(sim, CARL), reaction="INSIGHTFUL")
    assert result.status == "already_reacted"
    assert recorded(sim) == []
    assert sim.state.social.reaction(DEMO_USER, CARL) == "INSIGHTFUL"


@pytest.mark.parametrize("existing", ["LIKE", "FUNNY"])
async def test_changes_an_existing_reaction(
    page: Page, sim: SimServer, tctx: TouchpointContext, existing: str
) -> None:
    # A click on the pressed trigger would remove the reaction: the menu is used instead.
    sim.state.social.set_reaction(DEMO_USER, CARL, existing)
    result = await run_react(page, sim, tctx, post_url=post_url(sim, CARL), reaction="CELEBRATE")
    assert result.status == "reacted"
    assert recorded(sim) == [(DEMO_USER, CARL, "CELEBRATE")]


async def test_dry_run_reacts_to_nothing(page: Page, sim: SimServer) -> None:
    ctx = TouchpointContext(base_url=sim.base_url, pace=Pace("fast"), dry_run=True)
    result = await run_react(page, sim, ctx, post_url=post_url(sim, CARL), reaction="SUPPORT")
    assert (result.status, result.dry_run) == ("would_react", True)
    assert recorded(sim) == []


async def test_no_recent_post(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    # john-smith's only post is two months old.
    with pytest.raises(TouchpointError) as err:
        await run_react(page, sim, tctx, profile_url=sim.profile_url("john-smith"), within_days=30)
    assert err.value.code == ErrorCode.NO_RECENT_POST
    assert recorded(sim) == []


async def test_unknown_post(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_react(page, sim, tctx, post_url=post_url(sim, "urn:li:activity:123"))
    assert err.value.code == ErrorCode.POST_NOT_FOUND
    assert recorded(sim) == []


async def test_menu_opens_on_hover_only(page: Page, sim: SimServer) -> None:
    # Proves the hover requirement is real: a click alone toggles Like, no menu.
    await page.goto(post_url(sim, CARL))
    trigger = page.locator(f'[data-urn="{CARL}"] button.react-button__trigger')
    await trigger.dispatch_event("click")
    await page.wait_for_function(
        "(el) => el.getAttribute('aria-pressed') === 'true'", arg=await trigger.element_handle()
    )
    assert await page.locator(".reactions-menu").count() == 0
    assert recorded(sim) == [(DEMO_USER, CARL, "LIKE")]
    await trigger.hover()
    await page.locator(f'[data-urn="{CARL}"] .reactions-menu').wait_for()


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("checkpoint", ErrorCode.CHECKPOINT),
        ("session_expired", ErrorCode.SESSION_EXPIRED),
        ("restricted", ErrorCode.ACCOUNT_RESTRICTED),
    ],
)
async def test_blockers(
    page: Page, sim: SimServer, tctx: TouchpointContext, action: str, code: ErrorCode
) -> None:
    sim.state.add_fault(Fault(path_prefix="/feed/update/", action=action))  # type: ignore[arg-type]
    with pytest.raises(TouchpointError) as err:
        await run_react(page, sim, tctx, post_url=post_url(sim, CARL))
    assert err.value.code == code
    assert recorded(sim) == []


async def test_blocked_at_the_reaction_click(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    path = "/voyager/api/voyagerSocialDashReactions"
    sim.state.add_fault(Fault(path_prefix=path, action="checkpoint"))
    with pytest.raises(TouchpointError) as err:
        await run_react(page, sim, tctx, post_url=post_url(sim, CARL), reaction="LOVE")
    assert err.value.code == ErrorCode.CHECKPOINT
    assert recorded(sim) == []
