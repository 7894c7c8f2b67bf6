"""A Send that stays disabled once the text is in is diagnosed (NO_CREDITS, INVALID_INPUT,
else UI_CHANGED with the page's hint), never clicked: the simulator records nothing."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from linkedin.browser.pace import Pace
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import InmailResult, MessageResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

BODY = "Hi Jane,\nwould you have 15 minutes?"
# Keeps every Send button disabled, whatever the page thinks (an unexplained refusal).
STUCK_SEND = """document.addEventListener('DOMContentLoaded', () => {
  const send = document.querySelector('.msg-form__send-button');
  if (!send) return;
  new MutationObserver(() => { if (!send.disabled) send.disabled = true; })
    .observe(send, {attributes: true});
});"""


def settings(sim: SimServer, **values: object) -> None:
    sim.state.social.update_settings(DEMO_USER, **values)


async def inmail(
    page: Page, sim: SimServer, ctx: TouchpointContext, subject: str | None = "Hello"
) -> InmailResult:
    data: dict[str, object] = {
        "type": "inmail",
        "profile_url": sim.profile_url("jane-doe"),
        "body": BODY,
    }
    if subject is not None:
        data["subject"] = subject
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, InmailResult)
    return result


async def message(page: Page, sim: SimServer, ctx: TouchpointContext, text: str) -> MessageResult:
    data = {"type": "message", "profile_url": sim.profile_url("carl-connected"), "text": text}
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, MessageResult)
    return result


def nothing_sent(sim: SimServer) -> None:
    assert sim.state.social.inmails() == []
    assert sim.state.social.messages() == []


@pytest.mark.parametrize("wording", ["none", "used_all", "count"])
@pytest.mark.parametrize("dry_run", [False, True])
async def test_no_credits_in_words(page: Page, sim: SimServer, wording: str, dry_run: bool) -> None:
    # "You have no InMail credits" (no number), "You’ve used all your InMail credits for
    # this month" (no credits line at all), "You have 0 InMail credits left.".
    settings(sim, premium=True, inmail_credits=0, credits_wording=wording)
    ctx = TouchpointContext(base_url=sim.base_url, pace=Pace("fast"), dry_run=dry_run)
    with pytest.raises(TouchpointError) as err:
        await inmail(page, sim, ctx)
    assert err.value.code == ErrorCode.NO_CREDITS
    assert not err.value.retryable
    nothing_sent(sim)
    assert sim.state.social.settings_of(DEMO_USER).inmail_credits == 0


async def test_required_subject_left_empty(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    settings(sim, premium=True, inmail_credits=5, subject_required=True)
    with pytest.raises(TouchpointError) as err:
        await inmail(page, sim, tctx, subject=None)
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert "Subject is required" in err.value.message
    nothing_sent(sim)
    assert await page.locator(".msg-form__send-button").is_disabled()
    # With a subject the same compose sends, byte for byte.
    result = await inmail(page, sim, tctx, subject="Quick question")
    assert result.status == "sent"
    assert [(m["target"], m["subject"], m["body"]) for m in sim.state.social.inmails()] == [
        ("jane-doe", "Quick question", BODY)
    ]


async def test_message_over_the_character_limit(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    settings(sim, message_max_chars=20)
    with pytest.raises(TouchpointError) as err:
        await message(page, sim, tctx, "This message is longer than twenty characters")
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert "(45/20 characters)" in err.value.message
    nothing_sent(sim)
    # Within the limit it is sent.
    assert (await message(page, sim, tctx, "Short, fits.")).status == "sent"
    assert [(m["target"], m["text"]) for m in sim.state.social.messages()] == [
        ("carl-connected", "Short, fits.")
    ]


async def test_unexplained_disabled_send_is_ui_changed(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    await page.context.add_init_script(STUCK_SEND)
    with pytest.raises(TouchpointError) as err:
        await message(page, sim, tctx, "Hello Carl")
    assert err.value.code == ErrorCode.UI_CHANGED
    assert err.value.message == (
        "Send stayed disabled after the text was entered: Press Enter to send"
    )
    nothing_sent(sim)
