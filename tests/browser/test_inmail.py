"""inmail in real Chromium against the simulator: subject and body recorded byte for byte."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from linkedin.browser.pace import Pace
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.inmail import parse_credits
from linkedin.touchpoints.models import InmailResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import Fault
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

SUBJECT = '  Quick question 🚀 — "pricing" <b>&amp; '
BODY = "  Hi Jane,\n\nwould you have 15 minutes? ☕️\n\t👨‍👩‍👧 Best,\nDemo  "


async def run_inmail(
    page: Page,
    sim: SimServer,
    ctx: TouchpointContext,
    public_id: str,
    body: str = BODY,
    subject: str | None = SUBJECT,
) -> InmailResult:
    data: dict[str, object] = {"type": "inmail", "profile_url": sim.profile_url(public_id)}
    data["body"] = body
    if subject is not None:
        data["subject"] = subject
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, InmailResult)
    return result


def recorded(sim: SimServer) -> list[tuple[str, str, str, str]]:
    return [
        (m["account"], m["target"], m["subject"], m["body"]) for m in sim.state.social.inmails()
    ]


def premium(sim: SimServer, *, on: bool = True, credits: int = 45, enter: bool = True) -> None:
    sim.state.social.update_settings(
        DEMO_USER, premium=on, inmail_credits=credits, enter_to_send=enter
    )


@pytest.mark.parametrize("enter_to_send", [True, False])
async def test_subject_and_body_arrive_byte_for_byte(
    page: Page, sim: SimServer, tctx: TouchpointContext, enter_to_send: bool
) -> None:
    premium(sim, enter=enter_to_send)
    result = await run_inmail(page, sim, tctx, "jane-doe")
    assert (result.status, result.credits_left) == ("sent", 44)
    assert recorded(sim) == [(DEMO_USER, "jane-doe", SUBJECT, BODY)]
    assert sim.state.social.settings_of(DEMO_USER).inmail_credits == 44
    assert sim.state.social.messages() == []


async def test_without_subject(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    premium(sim, credits=3)
    result = await run_inmail(page, sim, tctx, "john-smith", body="Hello John", subject=None)
    assert result.credits_left == 2
    assert recorded(sim) == [(DEMO_USER, "john-smith", "", "Hello John")]


async def test_no_credits(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    premium(sim, credits=0)
    with pytest.raises(TouchpointError) as err:
        await run_inmail(page, sim, tctx, "jane-doe")
    assert err.value.code == ErrorCode.NO_CREDITS
    assert recorded(sim) == []


async def test_no_premium(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    premium(sim, on=False)
    with pytest.raises(TouchpointError) as err:
        await run_inmail(page, sim, tctx, "jane-doe")
    assert err.value.code == ErrorCode.NOT_AVAILABLE
    assert recorded(sim) == []


async def test_no_message_action(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    # A follow-only profile offers no Message at all.
    premium(sim)
    with pytest.raises(TouchpointError) as err:
        await run_inmail(page, sim, tctx, "fiona-follow")
    assert err.value.code == ErrorCode.NOT_AVAILABLE
    assert recorded(sim) == []


async def test_connected_is_not_an_inmail(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    premium(sim)
    with pytest.raises(TouchpointError) as err:
        await run_inmail(page, sim, tctx, "carl-connected")
    assert err.value.code == ErrorCode.NOT_AVAILABLE
    assert recorded(sim) == []
    assert sim.state.social.messages() == []


async def test_dry_run_sends_nothing(page: Page, sim: SimServer) -> None:
    premium(sim)
    ctx = TouchpointContext(base_url=sim.base_url, pace=Pace("fast"), dry_run=True)
    result = await run_inmail(page, sim, ctx, "jane-doe")
    assert (result.status, result.dry_run, result.credits_left) == ("would_send", True, 45)
    assert recorded(sim) == []
    assert sim.state.social.settings_of(DEMO_USER).inmail_credits == 45
    assert await page.locator('input[name="subject"]').input_value() == ""


async def test_blocked_on_the_compose_page(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    premium(sim)
    sim.state.add_fault(Fault(path_prefix="/messaging/compose/", action="checkpoint"))
    with pytest.raises(TouchpointError) as err:
        await run_inmail(page, sim, tctx, "jane-doe")
    assert err.value.code == ErrorCode.CHECKPOINT
    assert recorded(sim) == []


async def test_multi_line_subject_refused(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    with pytest.raises(ValueError, match="single line"):
        await run_inmail(page, sim, tctx, "jane-doe", subject="two\nlines")


@pytest.mark.parametrize(
    ("line", "credits"),
    [
        ("Use 1 of 45 InMail credits", 45),
        ("Use 1 of 1,200 InMail credits", 1200),
        ("You have 0 InMail credits left.", 0),
        ("InMail credits", None),
    ],
)
async def test_parse_credits(line: str, credits: int | None) -> None:
    assert parse_credits(line) == credits
