"""connect in real Chromium against the simulator: assert what the simulator recorded."""

from __future__ import annotations

import random

import pytest
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pydantic import ValidationError

from linkedin.browser.pace import Pace
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import ConnectInput, ConnectResult, parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import Fault
from tests.browser.conftest import DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")

TRICKY_NOTE = '  Hi Jane,\nloved your talk 🚀 on pricing — café ☕️\n\n👨‍👩‍👧 "quotes" <b>&amp;  '


async def run_connect(
    page: Page, sim: SimServer, ctx: TouchpointContext, public_id: str, note: str | None = None
) -> ConnectResult:
    data: dict[str, object] = {"type": "connect", "profile_url": sim.profile_url(public_id)}
    if note is not None:
        data["note"] = note
    result = await run_touchpoint(page, parse_touchpoint(data, sim.base_url), ctx)
    assert isinstance(result, ConnectResult)
    return result


def notes(sim: SimServer) -> list[tuple[str, str, str | None]]:
    return [(i["account"], i["public_id"], i["note"]) for i in sim.invitations()]


@pytest.mark.parametrize("public_id", ["jane-doe", "gina-gate", "cara-creator", "olivia-overlay"])
async def test_note_arrives_byte_for_byte(
    page: Page, sim: SimServer, tctx: TouchpointContext, public_id: str
) -> None:
    result = await run_connect(page, sim, tctx, public_id, TRICKY_NOTE)
    assert result.status == "sent"
    assert result.note_sent
    assert notes(sim) == [(DEMO_USER, public_id, TRICKY_NOTE)]


@pytest.mark.parametrize("public_id", ["jane-doe", "gina-gate", "cara-creator", "olivia-overlay"])
async def test_without_note(
    page: Page, sim: SimServer, tctx: TouchpointContext, public_id: str
) -> None:
    result = await run_connect(page, sim, tctx, public_id)
    assert result.status == "sent"
    assert not result.note_sent
    assert notes(sim) == [(DEMO_USER, public_id, None)]


async def test_more_menu_ignores_sidebar_namesake(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # cara-creator's sidebar shows another "Cara Creator" with a visible Connect button.
    await run_connect(page, sim, tctx, "cara-creator", "hello")
    assert notes(sim) == [(DEMO_USER, "cara-creator", "hello")]


async def test_instant_send(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    result = await run_connect(page, sim, tctx, "ivan-instant", "a note that cannot be attached")
    assert result.status == "sent"
    assert not result.note_sent
    assert notes(sim) == [(DEMO_USER, "ivan-instant", None)]


async def test_human_pace_types_exactly(page: Page, sim: SimServer) -> None:
    ctx = TouchpointContext(base_url=sim.base_url, pace=Pace("human", random.Random(7)))
    note = " Hi\tGina,\n🚀 ok "
    result = await run_connect(page, sim, ctx, "gina-gate", note)
    assert result.status == "sent"
    assert notes(sim) == [(DEMO_USER, "gina-gate", note)]


async def test_weekly_limit(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_connect(page, sim, tctx, "wendy-weekly", "hi")
    assert err.value.code == ErrorCode.WEEKLY_INVITE_LIMIT
    assert sim.invitations() == []


async def test_weekly_limit_after_send_click(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    # The limit can also surface only when the send request is refused.
    await page.goto(sim.profile_url("jane-doe"))
    sim.state.upsert_profile("jane-doe", weekly_limit=True)
    with pytest.raises(TouchpointError) as err:
        await run_connect(page, sim, tctx, "jane-doe", "hi")
    assert err.value.code == ErrorCode.WEEKLY_INVITE_LIMIT
    assert sim.invitations() == []


async def test_email_required(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_connect(page, sim, tctx, "emma-email")
    assert err.value.code == ErrorCode.EMAIL_REQUIRED
    assert sim.invitations() == []


@pytest.mark.parametrize(
    ("public_id", "status"),
    [("paul-pending", "already_pending"), ("carl-connected", "already_connected")],
)
async def test_checks_state_before_acting(
    page: Page, sim: SimServer, tctx: TouchpointContext, public_id: str, status: str
) -> None:
    result = await run_connect(page, sim, tctx, public_id, "hi")
    assert result.status == status
    assert sim.invitations() == []


async def test_pending_under_more_menu(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    sim.state.set_relationship(DEMO_USER, "cara-creator", "pending")
    result = await run_connect(page, sim, tctx, "cara-creator")
    assert result.status == "already_pending"
    assert sim.invitations() == []


async def test_second_connect_is_already_pending(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    assert (await run_connect(page, sim, tctx, "jane-doe", "one")).status == "sent"
    assert (await run_connect(page, sim, tctx, "jane-doe", "two")).status == "already_pending"
    assert notes(sim) == [(DEMO_USER, "jane-doe", "one")]


@pytest.mark.parametrize("public_id", ["jane-doe", "cara-creator", "ivan-instant", "gina-gate"])
async def test_dry_run_sends_nothing(page: Page, sim: SimServer, public_id: str) -> None:
    ctx = TouchpointContext(base_url=sim.base_url, pace=Pace("fast"), dry_run=True)
    result = await run_connect(page, sim, ctx, public_id, "hello")
    assert result.status == "would_send"
    assert result.dry_run
    assert sim.invitations() == []
    assert await page.locator('[role="menu"]').count() == 0


async def test_unknown_profile(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_connect(page, sim, tctx, "nobody-here")
    assert err.value.code == ErrorCode.PROFILE_NOT_FOUND
    assert sim.invitations() == []


async def test_redirected_slug(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    result = await run_connect(page, sim, tctx, "rita-old-slug", "hi Rita")
    assert result.final_url == sim.profile_url("rita-renamed")
    assert result.public_identifier == "rita-renamed"
    assert notes(sim) == [(DEMO_USER, "rita-renamed", "hi Rita")]


async def test_overlay_trap_is_live(page: Page, sim: SimServer) -> None:
    # Without dismissing the overlay, a click on Connect cannot land.
    await page.goto(sim.profile_url("olivia-overlay"))
    with pytest.raises(PlaywrightTimeoutError):
        await page.locator('[aria-label="Invite Olivia Overlay to connect"]').click(timeout=500)
    assert sim.invitations() == []


async def test_overlay_is_dismissed(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    await run_connect(page, sim, tctx, "olivia-overlay", "hi")
    assert await page.locator("#interop-outlet").count() == 0
    assert notes(sim) == [(DEMO_USER, "olivia-overlay", "hi")]


async def test_sidebar_trap_is_live(page: Page, sim: SimServer) -> None:
    # Proves the other tests' "no sidebar invitation" assertions could fail.
    await page.goto(sim.profile_url("jane-doe"))
    await page.locator('aside [aria-label="Invite John Smith to connect"]').click()
    await page.locator('aside button:has-text("Pending")').wait_for()
    assert notes(sim) == [(DEMO_USER, "john-smith", None)]


async def test_signed_out_is_session_expired(
    anon_page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    with pytest.raises(TouchpointError) as err:
        await run_connect(anon_page, sim, tctx, "jane-doe")
    assert err.value.code == ErrorCode.SESSION_EXPIRED
    assert sim.invitations() == []


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("rate_limit", ErrorCode.RATE_LIMITED),
        ("checkpoint", ErrorCode.CHECKPOINT),
        ("session_expired", ErrorCode.SESSION_EXPIRED),
    ],
)
async def test_blockers(
    page: Page, sim: SimServer, tctx: TouchpointContext, action: str, code: ErrorCode
) -> None:
    sim.state.add_fault(Fault(path_prefix="/in/jane-doe/", action=action))  # type: ignore[arg-type]
    with pytest.raises(TouchpointError) as err:
        await run_connect(page, sim, tctx, "jane-doe", "hi")
    assert err.value.code == code
    assert sim.invitations() == []


async def test_rejects_other_hosts(page: Page, sim: SimServer, tctx: TouchpointContext) -> None:
    touchpoint = parse_touchpoint(
        {"type": "connect", "profile_url": "https://www.linkedin.com/in/jane-doe/"}
    )
    with pytest.raises(TouchpointError) as err:
        await run_touchpoint(page, touchpoint, tctx)
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert page.url == "about:blank"


async def test_empty_note_sends_without_note(
    page: Page, sim: SimServer, tctx: TouchpointContext
) -> None:
    result = await run_connect(page, sim, tctx, "gina-gate", "")
    assert result.status == "sent"
    assert notes(sim) == [(DEMO_USER, "gina-gate", None)]


@pytest.mark.parametrize("note", ["🚀" * 151, "line one\r\nline two"])
async def test_notes_the_box_cannot_hold_exactly(
    page: Page, sim: SimServer, tctx: TouchpointContext, note: str
) -> None:
    # 151 emoji are 151 characters but 302 UTF-16 units in the box; a textarea turns \r\n
    # into \n. Validation refuses both up front...
    data = {"type": "connect", "profile_url": sim.profile_url("jane-doe"), "note": note}
    with pytest.raises(ValidationError):
        parse_touchpoint(data, sim.base_url)
    # ...and the touchpoint refuses them too when called without validation.
    unchecked = ConnectInput.model_construct(profile_url=sim.profile_url("jane-doe"), note=note)
    with pytest.raises(TouchpointError) as err:
        await run_touchpoint(page, unchecked, tctx)
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert sim.invitations() == []
