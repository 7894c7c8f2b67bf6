"""The metrics port on both backends: every figure of GET /metrics counted from the rows that
the other ports wrote (runs moved by claim, finish, release and cancel; workers by their
heartbeats), with exact histogram buckets."""

from __future__ import annotations

import pytest

from linkedin.touchpoints.errors import ErrorCode
from openoutreach_server.store import Store
from openoutreach_server.store.records import Outcome
from openoutreach_server.store.sql.metrics import (
    FANOUT_CURSOR_KEY,
    Histogram,
    HostLoad,
    MetricsSnapshot,
)
from tests.support.store import add_accounts, add_run, execute

T0 = 1_800_000_000.0
DURATION_BOUNDS = (2.0, 10.0, 60.0)
WAIT_BOUNDS = (5.0, 60.0)


@pytest.fixture
def db(database: Store) -> Store:
    add_accounts(database, ["a", "b", "c", "f", "g"], now=T0 - 30 * 86400)
    add_accounts(database, ["d"], now=T0 - 30 * 86400, status="paused")
    add_accounts(database, ["e"], now=T0 - 30 * 86400, status="checkpoint")
    return database


def _claim(db: Store, now: float) -> list[int]:
    return [c.id for c in db.runs.claim(now=now, limit=8, worker_id="w", lease_s=3600)]


def _snapshot(db: Store, now: float = T0 + 1000, stale_s: float = 60.0) -> MetricsSnapshot:
    return db.metrics.snapshot(now, stale_s, DURATION_BOUNDS, WAIT_BOUNDS)


def _story(db: Store) -> dict[str, int]:
    """Runs through every status, at known times (each run on its own account)."""
    ids = {
        "r1": add_run(db, "a", "visit", now=T0),
        "r2": add_run(
            db, "b", "connect", now=T0, not_before=T0 + 100, callback_url="https://x.test/cb"
        ),
        "r3": add_run(db, "c", "connect", now=T0),
        "r7": add_run(db, "f", "enrich", now=T0),
    }
    assert _claim(db, T0 + 4) == [ids["r1"], ids["r3"], ids["r7"]]
    # 2 s exactly: a bucket's bound is inclusive (le).
    db.runs.finish([Outcome(ids["r1"], result={})], now=T0 + 6, worker_id="w")
    # A retryable failure: due again at T0 + 6 + 50, where its queue wait starts anew.
    retry = Outcome(ids["r7"], code=ErrorCode.UI_CHANGED, message="x", retryable=True)
    assert db.runs.finish([retry], now=T0 + 6, worker_id="w", retry_base_s=50) == ["pending"]
    ids["r4"] = add_run(db, "g", "visit", now=T0 + 10)
    db.runs.cancel(ids["r4"], T0 + 20)
    assert _claim(db, T0 + 58) == [ids["r7"]]
    db.runs.finish([Outcome(ids["r7"], result={})], now=T0 + 66, worker_id="w")
    assert _claim(db, T0 + 130) == [ids["r2"]]
    gone = Outcome(ids["r2"], code=ErrorCode.PROFILE_NOT_FOUND, message="no such profile")
    assert db.runs.finish([gone], now=T0 + 175, worker_id="w") == ["failed"]
    ids["r6"] = add_run(db, "a", "visit", now=T0 + 300)
    assert _claim(db, T0 + 360) == [ids["r6"]]  # stays running
    assert db.runs.release(ids["r3"], "w", T0 + 704, "stopped") == "interrupted"
    ids["r5"] = add_run(db, "g", "visit", now=T0 + 400, not_before=T0 + 99_999)
    ids["r8"] = add_run(db, "d", "message", now=T0 + 400)  # its account is paused
    return ids


def test_runs_by_type_and_status_and_both_histograms(db: Store) -> None:
    _story(db)
    snap = _snapshot(db)
    assert snap.runs == {
        ("visit", "completed"): 1,
        ("visit", "canceled"): 1,
        ("visit", "running"): 1,
        ("visit", "pending"): 1,
        ("enrich", "completed"): 1,
        ("connect", "failed"): 1,
        ("connect", "interrupted"): 1,
        ("message", "pending"): 1,
    }
    # durations: visit 2; enrich 8 (its last attempt); connect 45 and 700
    assert snap.durations == {
        "visit": Histogram((1, 1, 1), 1, 2.0),
        "enrich": Histogram((0, 1, 1), 1, 8.0),
        "connect": Histogram((0, 0, 1), 2, 745.0),
    }
    # waits from the due time: visit 4; enrich 2 (from its retry time); connect 30
    # (from not_before) and 4
    assert snap.waits == {
        "visit": Histogram((1, 1), 1, 4.0),
        "enrich": Histogram((1, 1), 1, 2.0),
        "connect": Histogram((1, 2), 2, 34.0),
    }


def test_accounts_by_status(db: Store) -> None:
    assert _snapshot(db).accounts == {"active": 5, "paused": 1, "checkpoint": 1}


def test_live_workers_by_host_from_their_heartbeats(db: Store) -> None:
    now = T0 + 1000
    workers = db.workers
    for worker_id, host in (("w1", "h1"), ("w2", "h1"), ("w3", "h2"), ("old", "h3"), ("off", "h2")):
        workers.register(worker_id, host, 4242, 8, now - 500)
    workers.heartbeat("w1", now - 5, running=2, open_sessions=2, memory_bytes=300_000_000)
    workers.heartbeat("w2", now - 50, running=1, open_sessions=1, memory_bytes=100_000_000)
    workers.heartbeat("w3", now - 1, running=0, open_sessions=0)
    workers.heartbeat("old", now - 61, running=1, open_sessions=3, memory_bytes=7)  # stale
    workers.heartbeat("off", now - 1, running=1, open_sessions=1, memory_bytes=9)
    workers.stopped("off", now)
    assert _snapshot(db, now=now, stale_s=60).hosts == {
        "h1": HostLoad(workers=2, open_sessions=3, memory_bytes=400_000_000),
        "h2": HostLoad(workers=1, open_sessions=0, memory_bytes=0),
    }
    with db.db.read() as conn:
        row = conn.execute("SELECT memory_bytes FROM workers WHERE id = 'off'").fetchone()
    assert row["memory_bytes"] == 0  # a stopped worker holds no browser


def _delivery(db: Store, event_id: int, status: str) -> None:
    execute(
        db,
        "INSERT INTO deliveries (event_id, webhook_id, url, status, attempts, next_attempt_at,"
        " created_at) VALUES (?, NULL, 'https://x.test/cb', ?, 1, ?, ?)",
        (event_id, status, T0, T0),
    )


def test_deliveries_by_outcome_and_what_is_left_to_deliver(db: Store) -> None:
    ids = _story(db)
    events = db.events.after(0, limit=100)
    # r1 completed, r4 canceled, r7 completed, r2 failed, r3 interrupted, in that order
    assert [e.type for e in events] == [
        "run.completed",
        "run.canceled",
        "run.completed",
        "run.failed",
        "run.interrupted",
    ]
    for status in ("delivered", "delivered", "failed", "canceled", "pending", "pending"):
        _delivery(db, events[0].id, status)
    snap = _snapshot(db)
    assert snap.deliveries == {"delivered": 2, "failed": 1, "canceled": 1, "pending": 2}
    # No webhook: of the events not fanned out yet, only r2's has somewhere to go (its
    # callback_url).
    assert snap.events_undelivered == 2 + 1
    failed = next(e for e in events if e.data["run_id"] == ids["r2"])
    execute(db, "INSERT INTO meta (key, value) VALUES (?, ?)", (FANOUT_CURSOR_KEY, str(failed.id)))
    assert _snapshot(db).events_undelivered == 2
    execute(
        db,
        "INSERT INTO webhooks (url, enabled, secret_enc, created_at, updated_at)"
        " VALUES ('https://x.test/hook', ?, ?, ?, ?)",
        (False, b"sealed", T0, T0),
    )
    assert _snapshot(db).events_undelivered == 2  # a disabled webhook receives nothing
    execute(db, "UPDATE webhooks SET enabled = ?", (True,))
    # Every event above the cursor goes to the webhook: r3's interrupted one.
    assert _snapshot(db).events_undelivered == 2 + 1
    execute(db, "UPDATE meta SET value = '0' WHERE key = ?", (FANOUT_CURSOR_KEY,))
    assert _snapshot(db).events_undelivered == 2 + 5


def test_schedules_by_active(db: Store) -> None:
    for active in (True, True, False):
        execute(
            db,
            "INSERT INTO schedules (handle, type, touchpoint, cron, active, created_at,"
            " updated_at) VALUES ('a', 'visit', '{}', '0 9 * * *', ?, ?, ?)",
            (active, T0, T0),
        )
    assert _snapshot(db).schedules == {True: 2, False: 1}


def test_an_empty_database_counts_nothing(db: Store) -> None:
    snap = _snapshot(db)
    assert (snap.runs, snap.durations, snap.waits, snap.hosts) == ({}, {}, {}, {})
    assert (snap.deliveries, snap.events_undelivered, snap.schedules) == ({}, 0, {})
