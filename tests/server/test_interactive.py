"""`openoutreach-server login HANDLE --headed`: a person clears a checkpoint in a browser."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
from playwright.async_api import Page

from linkedin_sim import SimServer
from openoutreach_server.config import Settings
from openoutreach_server.dispatch.interactive import interactive_login
from openoutreach_server.runtime import build_context
from tests.server.conftest import login, wait_run


async def _person_clears_the_checkpoint(page: Page) -> None:
    """What the human does in the window: sign in, then type the e-mailed code."""
    await page.locator("#username").fill("checkpoint@example.com")
    await page.locator("#password").fill("checkpoint-password")
    await page.get_by_role("button", name="Sign in").click()
    await page.locator('input[name="pin"]').fill("123456")
    await page.locator('input[name="pin"]').press("Enter")


def test_human_login_saves_a_session_the_server_then_uses(
    server: httpx.Client, sim: SimServer, sim_settings: Settings
) -> None:
    gated = login(
        server, "gated", username="checkpoint@example.com", password="checkpoint-password"
    )
    assert gated["account"]["status"] == "checkpoint"
    ctx = build_context(sim_settings)
    status = asyncio.run(
        interactive_login(
            ctx, "gated", headless=True, timeout_s=30, on_page=_person_clears_the_checkpoint
        )
    )
    assert status == "active"
    assert server.get("/accounts/gated").json()["status"] == "active"
    logins = server.get("/runs", params={"type": "login", "handle": "gated"}).json()["items"]
    assert logins[0]["status"] == "completed"
    assert logins[0]["result"]["method"] == "human"
    # The server's warm context still holds the challenged session: the new epoch makes it
    # open a fresh one from the saved state.
    run = wait_run(
        server,
        server.post(
            "/runs",
            json={
                "handle": "gated",
                "touchpoint": {"type": "visit", "profile_url": sim.profile_url("john-smith")},
            },
        ).json()["run_id"],
    )
    assert run["status"] == "completed", run
    assert ("checkpoint@example.com", "john-smith") in {
        (v["account"], v["public_id"]) for v in sim.visits()
    }


def test_headed_without_a_display_says_what_to_do(sim_settings: Settings) -> None:
    env = {"PATH": "/usr/bin:/bin", "OO_DATA_DIR": str(sim_settings.data_dir), "OO_API_KEYS": "k"}
    done = subprocess.run(
        [sys.executable, "-m", "openoutreach_server", "login", "nobody", "--headed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no display" in done.stderr
    assert "/checkpoint" in done.stderr
