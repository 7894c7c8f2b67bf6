"""GET /accounts/{handle}/usage and safety waiting reasons over real HTTP."""

from __future__ import annotations

import time

import httpx

from openoutreach_server.config import Settings
from openoutreach_server.store import open_store
from openoutreach_server.store.records import Outcome

PROFILE = "https://www.linkedin.com/in/john-smith/"


def _connect(api: httpx.Client) -> int:
    body = {"handle": "jane", "touchpoint": {"type": "connect", "profile_url": PROFILE}}
    return int(api.post("/runs", json=body).json()["run_id"])


def test_usage_and_waiting_reason_follow_the_caps(api: httpx.Client, settings: Settings) -> None:
    created = api.post(
        "/accounts", json={"handle": "jane", "li_at": "x", "quotas": {"connect": {"hour": 2}}}
    )
    assert created.status_code == 201
    db = open_store(settings)
    with db.db.write() as conn:  # as if logged in a month ago (warm-up over)
        conn.execute(
            "UPDATE accounts SET status = 'active', created_at = ? WHERE handle = 'jane'",
            (time.time() - 30 * 86400,),
        )
    ids = [_connect(api) for _ in range(3)]
    rules = settings.safety()
    for _ in range(2):
        (claimed,) = db.runs.claim(now=time.time(), limit=1, worker_id="w", lease_s=60, rules=rules)
        outcome = Outcome(claimed.id, result={"status": "sent"})
        db.runs.finish([outcome], now=time.time(), worker_id="w", rules=rules)

    usage = api.get("/accounts/jane/usage").json()
    hour = usage["touchpoints"]["connect"]["windows"]["hour"]
    assert (hour["cap"], hour["used"], hour["remaining"]) == (2, 2, 0)
    assert hour["next_reset"] is not None
    assert usage["touchpoints"]["connect"]["windows"]["week"]["cap"] == 150
    assert usage["touchpoints"]["visit"]["windows"]["hour"] == {
        "cap": 100,
        "used": 0,
        "remaining": 100,
        "next_reset": None,
    }
    assert usage["warmup_factor"] == 1.0

    waiting = api.get(f"/runs/{ids[2]}").json()
    assert waiting["status"] == "pending"
    assert waiting["waiting_reason"].startswith("quota window: connect 2/2 per hour")
    assert "expected to start at" in waiting["waiting_reason"]
    assert api.get("/accounts/nobody/usage").status_code == 404


def test_resume_after_the_breaker_starts_counting_afresh(
    api: httpx.Client, settings: Settings
) -> None:
    api.post("/accounts", json={"handle": "jane", "li_at": "x"})
    db = open_store(settings)
    with db.db.write() as conn:
        conn.execute(
            "UPDATE accounts SET status = 'paused', consecutive_failures = 3,"
            " paused_from = 'active', status_reason = 'circuit breaker: 3 failures in a row'"
            " WHERE handle = 'jane'"
        )
    resumed = api.post("/accounts/jane/resume")
    assert resumed.json()["status"] == "active"
    with db.db.read() as conn:
        row = conn.execute(
            "SELECT status, status_reason, consecutive_failures FROM accounts"
        ).fetchone()
    assert (row["status"], row["status_reason"], row["consecutive_failures"]) == ("active", None, 0)
