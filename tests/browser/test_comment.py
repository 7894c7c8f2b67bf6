"""comment in real Chromium against the simulator: the comment recorded byte for byte."""

from __future__ import annotations

import pytest
from playwright.async_api import Page
from pydantic import ValidationError

from linkedin.browser.pace import Pace
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import CommentInput, CommentResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.social import CARL_POST, JANE_POSTS
from linkedin_sim.state import Fault
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

JANE_NEWEST = f"urn:li:activity:{JANE_POSTS[0]}"
CARL = f"urn:li:activity:{CARL_POST}"
TRICKY = '  Great point 👏\n\n— café ☕️ "quotes" <b>&amp;\n\t👨‍👩‍👧  '


def post_url(sim: SimServer, urn: str) -> str:
    return sim.url(f"/feed/update/{urn}/")


async def run_comment(
    page: Page, sim: SimServer, ctx: TouchpointContext, **data: object
) -> CommentResult:
    tp = parse_touchpoint({"type": "comment", **data}, sim.base_url)
    result = await run_touchpoint(page, tp, ctx)
    assert isinstance(result, CommentResult)
    return result


def recorded(sim: SimServer) -> list[tuple[str, str, str]]:
    return [(c["account"], c["target"], c["text"]) for c in sim.state.social.comments()]


async def test_text_arrives_byte_for_byte(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    result = await run_comment(page, sim, tctx, post_url=post_url(sim, CARL), text=TRICKY)
    assert (result.status, result.post_url) == ("commented", post_url(sim, CARL))
    assert recorded(sim) == [(DEMO_USER, CARL, TRICKY)]


async def test_newest_post_of_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    # The post page shows more posts by Jane, each with its own comment box.
    result = await run_comment(
        page, sim, tctx, profile_url=sim.profile_url("jane-doe"), within_days=1, text="Nice!"
    )
    assert result.post_url == post_url(sim, JANE_NEWEST)
    assert recorded(sim) == [(DEMO_USER, JANE_NEWEST, "Nice!")]


async def test_existing_identical_comment_does_not_count(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # John already wrote "Great list!" under the post: verification waits for a new one.
    result = await run_comment(
        page, sim, tctx, post_url=post_url(sim, JANE_NEWEST), text="Great list!"
    )
    assert result.status == "commented"
    assert recorded(sim) == [(DEMO_USER, JANE_NEWEST, "Great list!")]


async def test_dry_run_posts_nothing(page: Page, sim: SimServer) -> None:
    ctx = TouchpointContext(base_url=sim.base_url, pace=Pace("fast"), dry_run=True)
    result = await run_comment(page, sim, ctx, post_url=post_url(sim, CARL), text="hello\nthere")
    assert (result.status, result.dry_run) == ("would_comment", True)
    assert recorded(sim) == []
    editor = page.locator(f'[data-urn="{CARL}"] .ql-editor')
    assert (await editor.inner_text()).strip() == ""


async def test_refused_comment_is_reported(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    sim.state.add_fault(
        Fault(path_prefix="/voyager/api/voyagerSocialDashNormComments", action="server_error")
    )
    with pytest.raises(TouchpointError) as err:
        await run_comment(page, sim, tctx, post_url=post_url(sim, CARL), text="hi")
    assert err.value.code == ErrorCode.UI_CHANGED
    assert "couldn’t be posted" in err.value.message
    assert recorded(sim) == []


async def test_no_recent_post(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_comment(
            page, sim, tctx, profile_url=sim.profile_url("slow-sam"), within_days=30, text="hi"
        )
    assert err.value.code == ErrorCode.NO_RECENT_POST
    assert recorded(sim) == []


async def test_unknown_post(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_comment(page, sim, tctx, post_url=post_url(sim, "urn:li:activity:9"), text="hi")
    assert err.value.code == ErrorCode.POST_NOT_FOUND
    assert recorded(sim) == []


async def test_blank_text_refused(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    # Refused when the input is validated (the API's 422) ...
    with pytest.raises(ValidationError, match="visible characters"):
        await run_comment(page, sim, tctx, post_url=post_url(sim, CARL), text="  \n")
    # ... and by the touchpoint itself, for callers that skip validation.
    unchecked = CommentInput.model_construct(
        type="comment",
        post_url=post_url(sim, CARL),
        profile_url=None,
        within_days=None,
        text="  \n",
    )
    with pytest.raises(TouchpointError) as err:
        await run_touchpoint(page, unchecked, tctx)
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert recorded(sim) == []


async def test_rate_limited(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    sim.state.add_fault(Fault(path_prefix="/feed/update/", action="rate_limit"))
    with pytest.raises(TouchpointError) as err:
        await run_comment(page, sim, tctx, post_url=post_url(sim, CARL), text="hi")
    assert err.value.code == ErrorCode.RATE_LIMITED
    assert recorded(sim) == []
