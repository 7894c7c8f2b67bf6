"""message in real Chromium against the simulator: assert what the simulator recorded."""

from __future__ import annotations

import random

import pytest
from playwright.async_api import Page
from pydantic import ValidationError

from linkedin.browser.pace import Pace
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import MessageInput, MessageResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import Fault
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

TRICKY = '  Hi Carl,\n\nloved it 🚀 — café ☕️\n\t👨‍👩‍👧 "quotes" <b>&amp;\n  '


async def run_message(
    page: Page, sim: SimServer, ctx: TouchpointContext, public_id: str, text: str
) -> MessageResult:
    data = {"type": "message", "profile_url": sim.profile_url(public_id), "text": text}
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, MessageResult)
    return result


def sent(sim: SimServer) -> list[tuple[str, str, str]]:
    return [(m["account"], m["target"], m["text"]) for m in sim.state.social.messages()]


def enter_setting(sim: SimServer, on: bool) -> None:
    sim.state.social.update_settings(DEMO_USER, enter_to_send=on)


@pytest.mark.parametrize("enter_to_send", [True, False])
async def test_text_arrives_byte_for_byte(
    page: Page, sim: SimServer, tctx: TouchpointContext, enter_to_send: bool
) -> None:
    enter_setting(sim, enter_to_send)
    result = await run_message(page, sim, tctx, "carl-connected", TRICKY)
    assert result.status == "sent"
    assert result.public_identifier == "carl-connected"
    assert sent(sim) == [(DEMO_USER, "carl-connected", TRICKY)]
    thread_id = sim.state.social.messages()[0]["thread_id"]
    assert result.thread_url == sim.url(f"/messaging/thread/{thread_id}/")


async def test_human_pace_types_exactly(page: Page, sim: SimServer) -> None:
    # Key by key with "Press Enter to send" on: a new line must never be a bare Enter.
    enter_setting(sim, True)
    ctx = TouchpointContext(base_url=sim.base_url, pace=Pace("human", random.Random(3)))
    text = " Hi\tCarl,\n🚀 ok \n"
    await run_message(page, sim, ctx, "carl-connected", text)
    assert sent(sim) == [(DEMO_USER, "carl-connected", text)]


async def test_new_conversation(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    # No thread yet: the compose page turns into the new thread after sending.
    sim.state.set_relationship(DEMO_USER, "jane-doe", "connected")
    result = await run_message(page, sim, tctx, "jane-doe", "Hello Jane\nBest, Demo")
    assert sent(sim) == [(DEMO_USER, "jane-doe", "Hello Jane\nBest, Demo")]
    assert result.thread_url is not None and "/messaging/thread/2-" in result.thread_url


async def test_same_text_twice_is_verified_each_time(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # The second run finds the first message in the thread: only a new one counts.
    await run_message(page, sim, tctx, "carl-connected", "ping")
    await run_message(page, sim, tctx, "carl-connected", "ping")
    assert sent(sim) == [(DEMO_USER, "carl-connected", "ping")] * 2


@pytest.mark.parametrize("public_id", ["jane-doe", "oscar-open", "john-smith", "paul-pending"])
async def test_not_connected(
    page: Page, sim: SimServer, tctx: TouchpointContext, public_id: str
) -> None:
    # jane-doe and oscar-open (open profile) show Message too: the degree badge decides.
    with pytest.raises(TouchpointError) as err:
        await run_message(page, sim, tctx, public_id, "hi")
    assert err.value.code == ErrorCode.NOT_CONNECTED
    assert sent(sim) == []
    assert "/messaging/" not in page.url


@pytest.mark.parametrize("enter_to_send", [True, False])
async def test_dry_run_sends_nothing(page: Page, sim: SimServer, enter_to_send: bool) -> None:
    enter_setting(sim, enter_to_send)
    ctx = TouchpointContext(base_url=sim.base_url, pace=Pace("fast"), dry_run=True)
    result = await run_message(page, sim, ctx, "carl-connected", "line one\nline two")
    assert result.status == "would_send"
    assert result.dry_run
    assert sent(sim) == []
    # No draft left behind for the next run to send.
    editor = page.locator('[role="textbox"][aria-label*="Write a message"]')
    assert (await editor.inner_text()).strip() == ""


async def test_enter_setting_trap_is_live(page: Page, sim: SimServer) -> None:
    # Proves a bare Enter would have sent a half message with the setting on...
    enter_setting(sim, True)
    await page.goto(sim.url("/messaging/compose/?recipient=carl-connected"))
    editor = page.locator('[role="textbox"][aria-label*="Write a message"]')
    await editor.click()
    await page.keyboard.insert_text("first line")
    await page.keyboard.press("Enter")
    await page.locator(".msg-s-event-listitem__body", has_text="first line").wait_for()
    assert sent(sim) == [(DEMO_USER, "carl-connected", "first line")]
    # ...and makes a new line with it off.
    enter_setting(sim, False)
    await page.reload()
    await editor.click()
    await page.keyboard.insert_text("a")
    await page.keyboard.press("Enter")
    await page.keyboard.insert_text("b")
    await page.locator(".msg-form__send-button").click()
    await page.locator(".msg-s-event-listitem__body", has_text="b").last.wait_for()
    assert sent(sim)[-1] == (DEMO_USER, "carl-connected", "a\nb")


async def test_own_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_message(page, sim, tctx, "demo-user", "hi me")
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert sent(sim) == []


async def test_blank_text_refused(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    # Refused when the input is validated (the API's 422) ...
    with pytest.raises(ValidationError, match="visible characters"):
        await run_message(page, sim, tctx, "carl-connected", " \n ")
    # ... and by the touchpoint itself, before any page load, for callers that skip it.
    unchecked = MessageInput.model_construct(
        type="message", profile_url=sim.profile_url("carl-connected"), text=" \n "
    )
    with pytest.raises(TouchpointError) as err:
        await run_touchpoint(page, unchecked, tctx)
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert page.url == "about:blank"


async def test_unknown_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_message(page, sim, tctx, "nobody-here", "hi")
    assert err.value.code == ErrorCode.PROFILE_NOT_FOUND
    assert sent(sim) == []


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("rate_limit", ErrorCode.RATE_LIMITED),
        ("checkpoint", ErrorCode.CHECKPOINT),
        ("session_expired", ErrorCode.SESSION_EXPIRED),
    ],
)
async def test_blockers_on_the_messaging_page(
    page: Page, sim: SimServer, tctx: TouchpointContext, action: str, code: ErrorCode
) -> None:
    sim.state.add_fault(Fault(path_prefix="/messaging/", action=action))  # type: ignore[arg-type]
    with pytest.raises(TouchpointError) as err:
        await run_message(page, sim, tctx, "carl-connected", "hi")
    assert err.value.code == code
    assert sent(sim) == []


@pytest.mark.parametrize(
    ("action", "code"),
    [("checkpoint", ErrorCode.CHECKPOINT), ("restricted", ErrorCode.ACCOUNT_RESTRICTED)],
)
async def test_blocked_at_the_send_click(
    page: Page, sim: SimServer, tctx: TouchpointContext, action: str, code: ErrorCode
) -> None:
    # The send XHR is redirected to a checkpoint / restriction notice: the tab follows.
    path = "/voyager/api/voyagerMessagingDashMessengerMessages"
    sim.state.add_fault(Fault(path_prefix=path, action=action))  # type: ignore[arg-type]
    with pytest.raises(TouchpointError) as err:
        await run_message(page, sim, tctx, "carl-connected", "hi")
    assert err.value.code == code
    assert sent(sim) == []


async def test_refused_send_is_reported(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    path = "/voyager/api/voyagerMessagingDashMessengerMessages"
    sim.state.add_fault(Fault(path_prefix=path, action="server_error"))
    with pytest.raises(TouchpointError) as err:
        await run_message(page, sim, tctx, "carl-connected", "hi")
    assert err.value.code == ErrorCode.UI_CHANGED
    assert "couldn’t be sent" in err.value.message
    assert sent(sim) == []
