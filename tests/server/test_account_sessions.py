"""A browser session belongs to one account for ever: deleting the account, or changing its
credentials, ends it (in every worker) and never hands it to a successor."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx

from linkedin_sim import SimServer
from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.conftest import API_KEY
from tests.server.conftest import login, wait_run
from tests.support.live import LiveServer


def _db(settings: Settings) -> sqlite3.Connection:
    return sqlite3.connect(settings.data_dir / "openoutreach.db")


def _open_sessions(app: object) -> int:
    pool = app.state.runtime.pool  # type: ignore[attr-defined]
    return 0 if pool is None else int(pool.open_sessions)


def _until(check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_recreated_handle_never_inherits_the_deleted_accounts_session(
    sim_settings: Settings, sim: SimServer
) -> None:
    app = create_app(sim_settings)
    with (
        LiveServer(app) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=60) as client,
    ):
        out = login(client, "demo", username="demo@example.com", password="demo-password")
        assert out["account"]["status"] == "active"
        _until(lambda: _open_sessions(app) == 1)
        with _db(sim_settings) as conn:
            old_uid = conn.execute("SELECT uid FROM accounts").fetchone()[0]

        assert client.delete("/accounts/demo").status_code == 204
        _until(lambda: _open_sessions(app) == 0)  # its warm context was closed

        # Same handle, another (wrong) password: the old LinkedIn session must not log it in.
        created = client.post(
            "/accounts",
            json={"handle": "demo", "username": "demo@example.com", "password": "wrong"},
        )
        assert created.status_code == 201
        response = client.post("/accounts/demo/login", params={"wait": 60})
        assert response.json()["run"]["error_code"] == "AUTH_FAILED", response.text
        assert response.json()["account"]["status"] == "needs_login"
        assert [(x["method"], x["ok"]) for x in sim.logins()] == [
            ("password", True),
            ("password", False),
        ]
        with _db(sim_settings) as conn:
            new_uid = conn.execute("SELECT uid FROM accounts").fetchone()[0]
        assert new_uid and new_uid != old_uid


def test_new_credentials_drop_the_stored_session(
    server: httpx.Client, sim: SimServer, sim_settings: Settings
) -> None:
    login(server, "demo", username="demo@example.com", password="demo-password")

    def saved() -> bool:  # the session is saved just after the run's outcome
        with _db(sim_settings) as conn:
            return bool(conn.execute("SELECT storage_state_enc FROM accounts").fetchone()[0])

    _until(saved)
    patched = server.patch("/accounts/demo", json={"password": "not-the-password"})
    assert patched.status_code == 200
    assert patched.json()["status"] == "needs_login"
    assert patched.json()["has_session"] is False
    with _db(sim_settings) as conn:
        state, li_at = conn.execute("SELECT storage_state_enc, li_at_enc FROM accounts").fetchone()
    assert state is None and li_at is None
    # The warm context of the old session is not reused: the new password is really tried.
    response = server.post("/accounts/demo/login", params={"wait": 60})
    assert response.json()["run"]["error_code"] == "AUTH_FAILED", response.text
    assert [x["ok"] for x in sim.logins()] == [True, False]


def test_deleting_an_account_deletes_its_artifacts(
    server: httpx.Client, sim: SimServer, sim_settings: Settings
) -> None:
    login(server, "demo", li_at="sim-li-at-demo")
    response = server.post(
        "/runs",
        json={
            "handle": "demo",
            "touchpoint": {"type": "visit", "profile_url": sim.profile_url("nobody-here")},
        },
    )
    run = wait_run(server, response.json()["run_id"])
    assert run["status"] == "failed" and run["artifacts"], run
    folder: Path = sim_settings.artifacts_dir / str(run["run_id"])
    assert folder.is_dir()
    assert server.delete("/accounts/demo").status_code == 204
    assert not folder.exists()
    kept = server.get(f"/runs/{run['run_id']}").json()
    assert kept["status"] == "failed" and kept["artifacts"] == []


def test_a_failed_login_reports_no_session(
    server: httpx.Client, sim: SimServer, sim_settings: Settings
) -> None:
    created = server.post(
        "/accounts", json={"handle": "demo", "username": "demo@example.com", "password": "nope"}
    )
    assert created.json()["has_session"] is False
    response = server.post("/accounts/demo/login", params={"wait": 60})
    assert response.json()["run"]["error_code"] == "AUTH_FAILED"

    def saved() -> bool:  # the signed-out browser state is saved after the outcome
        with _db(sim_settings) as conn:
            row = conn.execute("SELECT storage_state_enc, session_cookie FROM accounts").fetchone()
        return row[0] is not None

    _until(saved)
    with _db(sim_settings) as conn:
        assert conn.execute("SELECT session_cookie FROM accounts").fetchone() == (0,)
    assert server.get("/accounts/demo").json()["has_session"] is False  # was True before


def test_a_login_while_paused_keeps_the_pause_and_resume_then_makes_it_active(
    server: httpx.Client, sim: SimServer
) -> None:
    server.post("/accounts", json={"handle": "demo", "li_at": "sim-li-at-demo"}).raise_for_status()
    assert server.post("/accounts/demo/pause").json()["paused_from"] == "needs_login"
    response = server.post("/accounts/demo/login", params={"wait": 60}).json()
    assert response["run"]["status"] == "completed"
    assert (response["account"]["status"], response["account"]["paused_from"]) == (
        "paused",
        "active",
    )
    assert response["account"]["has_session"] is True
    assert server.post("/accounts/demo/resume").json()["status"] == "active"
