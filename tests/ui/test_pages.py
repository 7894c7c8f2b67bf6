"""The operator page in a real browser: login, a failed run's page, pause and resume."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from linkedin_sim import SimServer
from tests.conftest import API_KEY
from tests.ui.conftest import create_and_log_in, log_in, snapshot, wait_run

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _run(oo: httpx.AsyncClient, handle: str, touchpoint: dict[str, Any]) -> dict[str, Any]:
    response = await oo.post("/runs", json={"handle": handle, "touchpoint": touchpoint})
    assert response.status_code == 201, response.text
    return await wait_run(oo, response.json()["run_id"])


async def test_login_with_the_key_a_wrong_key_is_refused_and_logout(operator: Page) -> None:
    # Any page sends a signed-out browser to the login form, and back after it.
    await operator.goto("/ui/runs")
    await expect(operator).to_have_url(re.compile(r"/ui/login"))
    await operator.get_by_label("API key").fill("not-the-key")
    await operator.get_by_role("button", name="Log in").click()
    await expect(operator.get_by_role("alert")).to_have_text("That API key is not accepted.")
    assert "oo_ui" not in {c["name"] for c in await operator.context.cookies()}
    await operator.get_by_label("API key").fill(API_KEY)
    await operator.get_by_role("button", name="Log in").click()
    await expect(operator.get_by_role("heading", level=1)).to_have_text("Runs")
    session = next(c for c in await operator.context.cookies() if c["name"] == "oo_ui")
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["path"] == "/ui"
    assert API_KEY not in session["value"]  # a signed token, not the key
    await operator.get_by_role("button", name="Log out").click()
    await expect(operator.get_by_role("status")).to_have_text("You are logged out.")
    await operator.goto("/ui/accounts")
    await expect(operator).to_have_url(re.compile(r"/ui/login"))


async def test_a_failed_run_shows_its_screenshot_and_downloads(
    oo: httpx.AsyncClient, sim: SimServer, operator: Page
) -> None:
    await create_and_log_in(oo, "demo", li_at="sim-li-at-demo")
    await _run(oo, "demo", {"type": "visit", "profile_url": sim.profile_url("jane-doe")})
    sent = await _run(oo, "demo", {"type": "connect", "profile_url": sim.profile_url("jane-doe")})
    assert sent["status"] == "completed"
    failed = await _run(
        oo, "demo", {"type": "visit", "profile_url": sim.profile_url("nobody-here")}
    )
    assert failed["status"] == "failed" and "screenshot.png" in failed["artifacts"]
    run_id = failed["run_id"]

    await log_in(operator)
    row = operator.get_by_role("row").filter(has=operator.get_by_role("link", name="demo"))
    await expect(row).to_contain_text("active")
    # A new account has a quarter of its caps (warm-up).
    await expect(row).to_contain_text("connect: 1/5 h, 1/10 d, 1/37 w")
    await expect(row).to_contain_text("visit: 2/25 h, 2/37 d")
    await snapshot(operator, "accounts")
    await operator.get_by_role("link", name="demo").click()
    await expect(operator.get_by_role("heading", name="Usage against caps")).to_be_visible()
    usage = operator.get_by_role("row").filter(has=operator.get_by_role("rowheader", name="visit"))
    await expect(usage).to_contain_text("2 / 37")
    await snapshot(operator, "account")

    await operator.get_by_role("link", name=str(run_id), exact=True).click()
    await expect(operator.get_by_role("heading", level=1)).to_contain_text(f"Run {run_id}: visit")
    await expect(operator.get_by_text("PROFILE_NOT_FOUND").first).to_be_visible()
    image = operator.get_by_role("img", name=f"The page when run {run_id} failed")
    await expect(image).to_be_visible()
    # The <img> really loaded: a PNG, served inline to this session only.
    assert await image.evaluate("img => img.complete && img.naturalWidth > 0")
    shot = await operator.request.get(f"/ui/runs/{run_id}/artifacts/screenshot.png")
    assert shot.ok and (await shot.body()).startswith(b"\x89PNG")
    assert shot.headers["content-type"] == "image/png"
    await snapshot(operator, "run")
    for name in ("page.html", "trace.zip"):
        async with operator.expect_download() as download_info:
            await operator.get_by_role("link", name=f"Download {name}").click()
        download = await download_info.value
        assert download.suggested_filename == name
        assert (await download.path()).stat().st_size > 0
    html = await operator.request.get(f"/ui/runs/{run_id}/artifacts/page.html")
    assert html.headers["content-disposition"].startswith("attachment")
    # Without the session cookie, nothing: the login form.
    async with httpx.AsyncClient(base_url=oo.base_url) as anonymous:
        response = await anonymous.get(f"/ui/runs/{run_id}/artifacts/screenshot.png")
    assert response.status_code == 303 and "/ui/login" in response.headers["location"]


async def test_pause_and_resume_from_the_account_page(
    oo: httpx.AsyncClient, operator: Page
) -> None:
    await create_and_log_in(oo, "demo", li_at="sim-li-at-demo")
    await log_in(operator)
    await operator.goto("/ui/accounts/demo")
    await operator.get_by_label("Reason for the pause (optional)").fill("holiday")
    await operator.get_by_role("button", name="Pause", exact=True).click()
    notice = operator.get_by_role("status").filter(has_text="The account is paused")
    await expect(notice).to_be_visible()
    account = (await oo.get("/accounts/demo")).json()
    assert (account["status"], account["status_reason"], account["paused_from"]) == (
        "paused",
        "holiday",
        "active",
    )
    await expect(operator.get_by_text("Resumes to")).to_be_visible()
    await operator.get_by_role("button", name="Resume", exact=True).click()
    notice = operator.get_by_role("status").filter(has_text="The account is resumed")
    await expect(notice).to_be_visible()
    assert (await oo.get("/accounts/demo")).json()["status"] == "active"
