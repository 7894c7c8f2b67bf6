"""Client-visible behaviour of the whole server, asserted on what the simulator received."""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
import zipfile

import httpx

from linkedin_sim import SimServer
from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.conftest import API_KEY
from tests.server.conftest import login, wait_run
from tests.support.live import LiveServer


def _run(client: httpx.Client, handle: str, touchpoint: dict[str, object], **extra: object) -> int:
    response = client.post("/runs", json={"handle": handle, "touchpoint": touchpoint, **extra})
    assert response.status_code == 201, response.text
    return int(response.json()["run_id"])


def test_password_login_then_connect_with_exact_note(
    server: httpx.Client, sim: SimServer, sim_settings: Settings
) -> None:
    out = login(server, "demo", username="demo@example.com", password="demo-password")
    assert out["account"]["status"] == "active"
    assert out["run"]["status"] == "completed"
    assert out["run"]["result"]["method"] == "password"
    assert [(x["account"], x["ok"]) for x in sim.logins()] == [("demo@example.com", True)]

    note = "  Hi Jane,\n\nloved your talk 🚀 — café  \n"
    run_id = _run(
        server,
        "demo",
        {"type": "connect", "profile_url": sim.profile_url("jane-doe"), "note": note},
    )
    run = wait_run(server, run_id)
    assert run["status"] == "completed", run
    assert run["result"]["status"] == "sent"
    assert run["result"]["note_sent"] is True
    assert [(i["account"], i["public_id"], i["note"]) for i in sim.invitations()] == [
        ("demo@example.com", "jane-doe", note)
    ]
    # Checks before acting: a second connect finds the invitation pending and sends nothing.
    again = wait_run(
        server,
        _run(server, "demo", {"type": "connect", "profile_url": sim.profile_url("jane-doe")}),
    )
    assert again["result"]["status"] == "already_pending"
    assert len(sim.invitations()) == 1
    # The session was saved, encrypted: the cookie value never appears in the database file.
    db = sim_settings.data_dir / "openoutreach.db"
    with sqlite3.connect(db) as conn:
        sealed = conn.execute("SELECT storage_state_enc FROM accounts").fetchone()[0]
    assert sealed and b"li_at" not in sealed


def test_imported_cookie_visit_redirect_and_reuse_after_restart(
    sim_settings: Settings, sim: SimServer
) -> None:
    with (
        LiveServer(create_app(sim_settings)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=60) as client,
    ):
        out = login(client, "demo", li_at="sim-li-at-demo")
        assert out["run"]["result"]["method"] == "session"
        run = wait_run(
            client,
            _run(
                client, "demo", {"type": "visit", "profile_url": sim.profile_url("rita-old-slug")}
            ),
        )
        assert run["status"] == "completed", run
        assert run["result"]["final_url"] == sim.profile_url("rita-renamed")
    # The session was saved; the imported cookie is dropped so that the next server can
    # only act through that saved session.
    with sqlite3.connect(sim_settings.data_dir / "openoutreach.db") as conn:
        saved = conn.execute("SELECT storage_state_enc FROM accounts").fetchone()[0]
        conn.execute("UPDATE accounts SET li_at_enc = NULL WHERE handle = 'demo'")
    assert saved is not None
    # A new server process reuses the stored session: no new login at the simulator.
    with (
        LiveServer(create_app(sim_settings)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=60) as client,
    ):
        run = wait_run(
            client,
            _run(client, "demo", {"type": "visit", "profile_url": sim.profile_url("john-smith")}),
        )
        assert run["status"] == "completed", run
        assert run["result"]["degree"] == "3rd"
    assert sim.logins() == []
    assert [v["public_id"] for v in sim.visits()] == ["rita-renamed", "john-smith"]


def test_dry_run_sends_nothing(server: httpx.Client, sim: SimServer) -> None:
    login(server, "demo", li_at="sim-li-at-demo")
    run = wait_run(
        server,
        _run(
            server,
            "demo",
            {"type": "connect", "profile_url": sim.profile_url("jane-doe"), "note": "hello"},
            dry_run=True,
        ),
    )
    assert run["status"] == "completed"
    assert run["dry_run"] is True
    assert run["result"]["status"] == "would_send"
    assert sim.invitations() == []


def test_unknown_profile_fails_with_downloadable_artifacts(
    server: httpx.Client, sim: SimServer
) -> None:
    login(server, "demo", li_at="sim-li-at-demo")
    run = wait_run(
        server,
        _run(server, "demo", {"type": "visit", "profile_url": sim.profile_url("nobody-here")}),
    )
    assert run["status"] == "failed"
    assert run["error_code"] == "PROFILE_NOT_FOUND"
    assert run["retryable"] is False
    assert set(run["artifacts"]) == {"screenshot.png", "page.html", "trace.zip"}
    shot = server.get(f"/runs/{run['run_id']}/artifacts/screenshot.png")
    assert shot.status_code == 200 and shot.content.startswith(b"\x89PNG")
    html = server.get(f"/runs/{run['run_id']}/artifacts/page.html")
    assert html.status_code == 200 and b"<html" in html.content.lower()
    assert server.get(f"/runs/{run['run_id']}/artifacts/other.txt").status_code == 404
    # The trace holds this run only, and no session secret: the cookie jar is read between
    # chunks (never inside one), and whatever cookie a chunk shows is redacted.
    trace = server.get(f"/runs/{run['run_id']}/artifacts/trace.zip")
    assert trace.status_code == 200
    texts = [html.text]
    with zipfile.ZipFile(io.BytesIO(trace.content)) as archive:
        for name in archive.namelist():
            with contextlib.suppress(UnicodeDecodeError):
                texts.append(archive.read(name).decode())
        methods = {
            json.loads(line).get("method")
            for line in archive.read("trace.trace").split(b"\n")
            if line
        }
    everything = "\n".join(texts)
    assert "nobody-here" in everything
    assert "goto" in methods and "storageState" not in methods
    assert "sim-li-at-demo" not in everything
    assert not re.search(r"ajax(:|%3A)\d{6,}", everything)


def test_weekly_limit_cools_down_connect_only(server: httpx.Client, sim: SimServer) -> None:
    login(server, "demo", li_at="sim-li-at-demo")
    failed = wait_run(
        server,
        _run(server, "demo", {"type": "connect", "profile_url": sim.profile_url("wendy-weekly")}),
    )
    assert failed["error_code"] == "WEEKLY_INVITE_LIMIT"
    assert failed["retryable"] is False
    # The limit holds invitations back for the cool-down; the account stays active.
    held_id = _run(server, "demo", {"type": "connect", "profile_url": sim.profile_url("jane-doe")})
    visit_id = _run(server, "demo", {"type": "visit", "profile_url": sim.profile_url("john-smith")})
    assert wait_run(server, visit_id)["status"] == "completed"
    held = server.get(f"/runs/{held_id}").json()
    assert held["status"] == "pending"
    assert held["waiting_reason"].startswith("cool-down of connect")
    assert "expected to start at" in held["waiting_reason"]
    assert server.get("/accounts/demo").json()["status"] == "active"
    assert sim.invitations() == []


def test_login_failures_set_the_account_status(
    server: httpx.Client, sim: SimServer, sim_settings: Settings
) -> None:
    wrong = login(server, "wrong", username="demo@example.com", password="not-it")
    assert wrong["run"]["error_code"] == "AUTH_FAILED"
    assert wrong["account"]["status"] == "needs_login"
    assert "not-it" not in str(wrong)
    assert [(e["account"], e["ok"]) for e in sim.logins()] == [("demo@example.com", False)]
    gated = login(
        server, "gated", username="checkpoint@example.com", password="checkpoint-password"
    )
    assert gated["run"]["error_code"] == "CHECKPOINT"
    assert gated["account"]["status"] == "checkpoint"
    # Logging in again never re-submits the password to a checkpoint: it only looks.
    before = len(sim.logins())
    again = server.post("/accounts/gated/login", params={"wait": 60}).json()
    assert again["run"]["error_code"] == "CHECKPOINT"
    assert len(sim.logins()) == before
    with sqlite3.connect(sim_settings.data_dir / "openoutreach.db") as conn:
        stored = dict(conn.execute("SELECT handle, status FROM accounts").fetchall())
    assert stored == {"wrong": "needs_login", "gated": "checkpoint"}


def test_checkpoint_code_answers_the_challenge_once(server: httpx.Client, sim: SimServer) -> None:
    gated = login(
        server, "gated", username="checkpoint@example.com", password="checkpoint-password"
    )
    assert gated["account"]["status"] == "checkpoint"
    bad = server.post("/accounts/gated/checkpoint", json={"code": "12"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"
    wrong = server.post("/accounts/gated/checkpoint", json={"code": "987654"}, params={"wait": 60})
    assert wrong.status_code == 200
    failed = wrong.json()["run"]
    assert failed["error_code"] == "CHECKPOINT"
    assert wrong.json()["account"]["status"] == "checkpoint"
    assert "987654" not in wrong.text
    # A login records no trace (the code is typed there); the page HTML holds no code.
    assert set(failed["artifacts"]) == {"screenshot.png", "page.html"}
    html = server.get(f"/runs/{failed['run_id']}/artifacts/page.html").content
    assert b"<html" in html.lower() and b"987654" not in html
    right = server.post("/accounts/gated/checkpoint", json={"code": "123456"}, params={"wait": 60})
    assert right.json()["run"]["status"] == "completed", right.text
    assert right.json()["run"]["result"]["method"] == "verification_code"
    assert right.json()["account"]["status"] == "active"
    assert "123456" not in right.text
    # Not in checkpoint any more: a code is refused without touching the browser.
    assert server.post("/accounts/gated/checkpoint", json={"code": "123456"}).status_code == 409
    run = wait_run(
        server,
        _run(server, "gated", {"type": "visit", "profile_url": sim.profile_url("john-smith")}),
    )
    assert run["status"] == "completed"
    assert ("checkpoint@example.com", "john-smith") in {
        (v["account"], v["public_id"]) for v in sim.visits()
    }
