"""The live browser view: an operator clears a checkpoint by clicking and typing in a picture
of the account's real session (screencast + forwarded input), from another browser."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from linkedin_sim import SimServer
from openoutreach_server.config import Settings
from openoutreach_server.runtime import build_context
from openoutreach_server.store.records import LOGIN_TYPE, NewRun, Outcome
from tests.ui.conftest import (
    SCREENSHOTS,
    create_and_log_in,
    log_in,
    new_operator,
    snapshot,
    wait_run,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def challenged_account(oo: httpx.AsyncClient, sim: SimServer, handle: str, pin: str) -> None:
    """A simulator user LinkedIn challenges (a PIN checkpoint on every signed-in page), and a
    server account on its cookie: its login stops at the checkpoint."""
    user = {"username": f"{handle}@example.com", "li_at": f"sim-li-at-{handle}"}
    await challenge(oo, sim, {**user, "challenge": True, "checkpoint_pin": pin})
    out = await create_and_log_in(oo, handle, li_at=user["li_at"])
    assert out["account"]["status"] == "checkpoint", out


async def challenge(oo: httpx.AsyncClient, sim: SimServer, body: dict[str, Any]) -> None:
    response = await oo.post(f"{sim.base_url}/__sim/accounts", json=body)
    assert response.is_success, response.text


async def queue_visit(oo: httpx.AsyncClient, sim: SimServer, handle: str) -> int:
    touchpoint = {"type": "visit", "profile_url": sim.profile_url("john-smith")}
    response = await oo.post("/runs", json={"handle": handle, "touchpoint": touchpoint})
    assert response.status_code == 201, response.text
    return int(response.json()["run_id"])


async def live_runs(oo: httpx.AsyncClient, handle: str, status: str) -> list[dict[str, Any]]:
    """The account's login runs of live views, in `status`."""
    page = await oo.get("/runs", params={"handle": handle, "status": status})
    return [r for r in page.json()["items"] if r["touchpoint"] == {"type": "login", "mode": "live"}]


async def get(oo: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await oo.get(path)
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out


async def open_view(page: Page, handle: str) -> None:
    """Open the account's live view and wait for its first picture."""
    await page.goto(f"/ui/accounts/{handle}")
    await page.get_by_role("button", name="Open the live view").click()
    live = page.locator("#live")
    await expect(live).to_have_attribute("data-state", "open")
    await expect(live).not_to_have_attribute("data-frames", "0")


async def pin_field_at(
    browser: Browser, sim: SimServer, viewport: list[int]
) -> tuple[float, float]:
    """Where the PIN field is in a picture of the challenge page, as fractions of the
    picture: the same page laid out in a window of the account's size."""
    context = await browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    try:
        probe = await context.new_page()
        await probe.goto(f"{sim.base_url}/checkpoint/challenge/where-is-the-pin/")
        box = await probe.locator('input[name="pin"]').bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        return x / viewport[0], y / viewport[1]
    finally:
        await context.close()


async def click_picture(page: Page, where: tuple[float, float]) -> None:
    """Click the live picture at a point given as fractions of its size."""
    box = await page.locator("#live-canvas").bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + where[0] * box["width"], box["y"] + where[1] * box["height"])


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_an_operator_clears_a_checkpoint_in_the_live_view(
    oo: httpx.AsyncClient, sim: SimServer, operator: Page, browser: Browser
) -> None:
    await challenged_account(oo, sim, "gated", "424242")
    waiting = await queue_visit(oo, sim, "gated")
    await log_in(operator)
    await open_view(operator, "gated")
    await expect(operator.locator("#live-url")).to_contain_text("/checkpoint/challenge/")
    # The view holds the account: its owned login run is the account's one running run.
    assert [r["status"] for r in await live_runs(oo, "gated", "running")] == ["running"]
    assert (await get(oo, f"/runs/{waiting}"))["status"] == "pending"

    viewport = (await get(oo, "/accounts/gated"))["identity"]["viewport"]
    await click_picture(operator, await pin_field_at(browser, sim, viewport))
    await operator.keyboard.type("424242")  # key by key, forwarded to the account's page
    if SCREENSHOTS:
        await asyncio.sleep(1)  # a picture with the typed code, for the README
        await snapshot(operator, "live-view", operator.locator("#live"))
    assert (await get(oo, f"/runs/{waiting}"))["status"] == "pending"
    await operator.keyboard.press("Enter")

    await expect(operator.locator("#live")).to_have_attribute("data-state", "feed")
    status = operator.locator("#live-status")
    await expect(status).to_contain_text("The feed was reached")
    await expect(status).to_contain_text("The account is now active")
    assert (await get(oo, "/accounts/gated"))["status"] == "active"
    pins = {(x["account"], x["method"], x["ok"]) for x in sim.logins()}
    assert ("gated@example.com", "pin", True) in pins
    (done,) = await live_runs(oo, "gated", "completed")
    assert done["result"] == {"status": "active", "method": "live"}
    # The queued run starts only now, in the session the operator saved.
    visit = await wait_run(oo, waiting)
    assert visit["status"] == "completed", visit
    assert _time(visit["started_at"]) >= _time(done["completed_at"])
    visits = {(v["account"], v["public_id"]) for v in sim.visits()}
    assert ("gated@example.com", "john-smith") in visits


async def test_no_run_starts_on_an_active_account_while_its_view_is_open(
    oo: httpx.AsyncClient, sim: SimServer, operator: Page, browser: Browser
) -> None:
    out = await create_and_log_in(oo, "demo", li_at="sim-li-at-demo")
    assert out["account"]["status"] == "active"
    # LinkedIn challenges the session; the server does not know yet (still active).
    pin = {"username": "demo@example.com", "challenge": True, "checkpoint_pin": "135790"}
    await challenge(oo, sim, pin)
    await log_in(operator)
    await open_view(operator, "demo")
    await expect(operator.locator("#live-url")).to_contain_text("/checkpoint/challenge/")
    queued = await queue_visit(oo, sim, "demo")  # the account is active: it would start at once
    viewport = (await get(oo, "/accounts/demo"))["identity"]["viewport"]
    await click_picture(operator, await pin_field_at(browser, sim, viewport))
    await operator.keyboard.type("135790")
    run = await get(oo, f"/runs/{queued}")
    assert run["status"] == "pending" and run["started_at"] is None
    assert "busy" in run["waiting_reason"], run
    assert sim.visits() == []
    await operator.keyboard.press("Enter")
    await expect(operator.locator("#live")).to_have_attribute("data-state", "feed")
    (done,) = await live_runs(oo, "demo", "completed")
    visit = await wait_run(oo, queued)
    assert visit["status"] == "completed", visit
    assert _time(visit["started_at"]) >= _time(done["completed_at"])


@pytest.fixture
def short_view(sim_settings: Settings) -> Settings:
    """Live views that time out after 5 seconds."""
    sim_settings.live_view_timeout_s = 5.0
    return sim_settings


async def test_one_viewer_at_a_time_and_the_view_times_out(
    short_view: Settings, oo: httpx.AsyncClient, sim: SimServer, operator: Page, browser: Browser
) -> None:
    await challenged_account(oo, sim, "gated", "424242")
    second = await new_operator(browser, str(oo.base_url))
    try:
        other = await second.new_page()
        await log_in(other)
        await other.goto("/ui/accounts/gated")
        await log_in(operator)
        await open_view(operator, "gated")
        await other.get_by_role("button", name="Open the live view").click()
        await expect(other.locator("#live")).to_have_attribute("data-state", "refused")
        await expect(other.locator("#live-status")).to_contain_text("already open")

        timed_out = operator.locator("#live")
        await expect(timed_out).to_have_attribute("data-state", "timeout", timeout=30_000)
        await expect(operator.locator("#live-status")).to_contain_text("timed out")
        (ended,) = await live_runs(oo, "gated", "failed")
        assert ended["error_code"] == "CHECKPOINT" and "timed out" in ended["error"]
        assert (await get(oo, "/accounts/gated"))["status"] == "checkpoint"
        assert [x for x in sim.logins() if x["method"] == "pin"] == []

        # A view open in another process holds its own login run: refused as well.
        ctx = build_context(short_view)
        live = NewRun(
            handle="gated",
            type=LOGIN_TYPE,
            touchpoint={"type": LOGIN_TYPE, "mode": "live"},
            side_effecting=True,
        )
        elsewhere = ctx.store.runs.enqueue_claimed(
            live, ctx.clock.now(), worker_id="ui-elsewhere", lease_s=60
        )
        try:
            await other.reload()
            await other.get_by_role("button", name="Open the live view").click()
            await expect(other.locator("#live")).to_have_attribute("data-state", "refused")
            await expect(other.locator("#live-status")).to_contain_text("another operator")
        finally:
            closed = Outcome(elsewhere.id, code="CHECKPOINT", message="closed")
            ctx.store.runs.finish([closed], now=ctx.clock.now(), worker_id="ui-elsewhere")
            ctx.store.dispose()
    finally:
        await second.close()


async def test_the_view_waits_for_a_running_run_of_the_account(
    oo: httpx.AsyncClient, sim: SimServer, operator: Page
) -> None:
    await create_and_log_in(oo, "demo", li_at="sim-li-at-demo")
    slow = {"path_prefix": "/in/slow-sam/", "delay_ms": 3000, "times": 1}
    assert (await oo.post(f"{sim.base_url}/__sim/faults", json=slow)).is_success
    touchpoint = {"type": "visit", "profile_url": sim.profile_url("slow-sam")}
    run_id = (await oo.post("/runs", json={"handle": "demo", "touchpoint": touchpoint})).json()[
        "run_id"
    ]
    for _ in range(600):  # the executor claims it at once; the fault holds it 3 s
        if (await get(oo, f"/runs/{run_id}"))["status"] == "running":
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"run {run_id} never started")
    await log_in(operator)
    await operator.goto("/ui/accounts/demo")
    await operator.get_by_role("button", name="Open the live view").click()
    await expect(operator.locator("#live-status")).to_contain_text(
        f"Run {run_id} (visit) of demo is running; the view opens when it ends."
    )
    # Then the view opens on the run's session: the account is active, its feed is reached.
    await expect(operator.locator("#live")).to_have_attribute("data-state", "feed")
    (done,) = await live_runs(oo, "demo", "completed")
    visit = await get(oo, f"/runs/{run_id}")
    assert visit["status"] == "completed"
    assert _time(done["started_at"]) >= _time(visit["completed_at"])
