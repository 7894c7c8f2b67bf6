"""Operator tools over real HTTP: bulk cancel, schedule deletion with its runs, cool-downs,
long-poll, pause/resume by the status machine."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx

PROFILE = "https://www.linkedin.com/in/john-smith/"


def _db(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "openoutreach.db")


def _run(api: httpx.Client, handle: str, type_: str = "visit", **extra: Any) -> int:
    touchpoint: dict[str, Any] = {"type": type_, "profile_url": PROFILE}
    response = api.post("/runs", json={"handle": handle, "touchpoint": touchpoint, **extra})
    assert response.status_code == 201, response.text
    return int(response.json()["run_id"])


def _statuses(data_dir: Path) -> dict[int, str]:
    with _db(data_dir) as conn:
        return dict(conn.execute("SELECT id, status FROM runs").fetchall())


def test_bulk_cancel_by_tag_handle_and_type_in_one_transaction(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    api.post("/accounts", json={"handle": "sam", "li_at": "x"}).raise_for_status()
    tagged = [_run(api, "jane", tags=["campaign-7"]) for _ in range(3)]
    other_tag = _run(api, "jane", tags=["campaign-8"])
    sams = [_run(api, "sam", tags=["campaign-7"]), _run(api, "sam", "connect")]
    with _db(data_dir) as conn:  # a finished run is never touched
        conn.execute("UPDATE runs SET status = 'completed' WHERE id = ?", (tagged[0],))

    response = api.post("/runs/cancel", json={"tag": "campaign-7", "handle": "jane"})
    assert response.status_code == 200, response.text
    assert response.json() == {"canceled": 2, "run_ids": tagged[1:]}
    statuses = _statuses(data_dir)
    assert [statuses[i] for i in tagged] == ["completed", "canceled", "canceled"]
    assert statuses[other_tag] == "pending" and statuses[sams[0]] == "pending"

    by_type = api.post("/runs/cancel", json={"handle": "sam", "type": "connect"}).json()
    assert by_type == {"canceled": 1, "run_ids": [sams[1]]}
    with _db(data_dir) as conn:
        error = conn.execute("SELECT error_code FROM runs WHERE id = ?", (sams[1],)).fetchone()
    assert error == ("CANCELED",)

    for bad, field in (({}, "body"), ({"type": "teleport"}, "type"), ({"tag": ""}, "tag")):
        refused = api.post("/runs/cancel", json=bad)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == field
    assert _statuses(data_dir)[other_tag] == "pending"


def test_deleting_a_schedule_can_cancel_its_pending_runs(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    body = {
        "handle": "jane",
        "touchpoint": {"type": "visit", "profile_url": PROFILE},
        "cron": "0 9 * * *",
    }
    kept = api.post("/schedules", json=body).json()["schedule_id"]
    dropped = api.post("/schedules", json=body).json()["schedule_id"]
    with _db(data_dir) as conn:  # runs its fires queued (the poller would do this)
        for sid in (kept, dropped):
            for fire in (1.0, 2.0):
                conn.execute(
                    "INSERT INTO runs (handle, type, touchpoint, side_effecting, status,"
                    " not_before, created_at, schedule_id, fire_time) VALUES"
                    " ('jane', 'visit', '{}', 0, 'pending', 0, 0, ?, ?)",
                    (sid, fire),
                )
    assert api.delete(f"/schedules/{kept}").status_code == 204
    assert api.delete(f"/schedules/{dropped}", params={"cancel_pending": True}).status_code == 204
    with _db(data_dir) as conn:
        rows = conn.execute("SELECT schedule_id, status FROM runs ORDER BY id").fetchall()
    assert rows == [
        (kept, "pending"),
        (kept, "pending"),
        (dropped, "canceled"),
        (dropped, "canceled"),
    ]


def test_cool_downs_are_shown_and_can_be_ended_early(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    future = time.time() + 3600
    with _db(data_dir) as conn:
        conn.execute(
            "UPDATE accounts SET cooldowns = ? WHERE handle = 'jane'",
            (f'{{"connect": {future}, "*": {future}, "visit": 1}}',),  # visit's has ended
        )
    shown = api.get("/accounts/jane").json()["cooldowns"]
    assert set(shown) == {"connect", "*"}
    one = api.delete("/accounts/jane/cooldowns/connect")
    assert one.status_code == 200 and set(one.json()["cooldowns"]) == {"*"}
    assert api.delete("/accounts/jane/cooldowns/connect").status_code == 404
    assert api.delete("/accounts/jane/cooldowns/Bad!").status_code == 422
    everything = api.delete("/accounts/jane/cooldowns")
    assert everything.status_code == 200 and everything.json()["cooldowns"] == {}
    with _db(data_dir) as conn:
        assert conn.execute("SELECT cooldowns FROM accounts").fetchone() == (None,)


def test_get_run_long_polls_until_the_run_ends(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    run_id = _run(api, "jane")

    def finish_later() -> None:
        time.sleep(1.0)
        with _db(data_dir) as conn:
            conn.execute("UPDATE runs SET status = 'completed' WHERE id = ?", (run_id,))

    threading.Thread(target=finish_later).start()
    started = time.monotonic()
    run = api.get(f"/runs/{run_id}", params={"wait": 20}).json()
    waited = time.monotonic() - started
    assert run["status"] == "completed"
    assert 0.9 < waited < 10  # answered when it ended, not after the 20 s
    still = api.get(f"/runs/{_run(api, 'jane')}", params={"wait": 0.3}).json()
    assert still["status"] == "pending" and still["waiting_reason"]
    assert api.get(f"/runs/{run_id}", params={"wait": 301}).status_code == 422


def test_pause_and_resume_follow_the_status_machine(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    paused = api.post("/accounts/jane/pause", json={"reason": "holiday"}).json()
    assert (paused["status"], paused["paused_from"]) == ("paused", "needs_login")
    resumed = api.post("/accounts/jane/resume").json()
    assert (resumed["status"], resumed["paused_from"]) == ("needs_login", None)
    assert api.post("/accounts/jane/resume").status_code == 409
    with _db(data_dir) as conn:  # as a successful login would have left it
        conn.execute("UPDATE accounts SET status = 'active', status_reason = NULL")
    api.post("/accounts/jane/pause").raise_for_status()
    # New credentials while paused: resume must not lift it back to active.
    api.patch("/accounts/jane", json={"li_at": "another-cookie"}).raise_for_status()
    assert api.get("/accounts/jane").json()["paused_from"] == "needs_login"
    assert api.post("/accounts/jane/resume").json()["status"] == "needs_login"
    with _db(data_dir) as conn:
        assert conn.execute("SELECT status, paused_from FROM accounts").fetchone() == (
            "needs_login",
            None,
        )
