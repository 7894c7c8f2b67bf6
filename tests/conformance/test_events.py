"""The outbox, on both backends: every state change a client cares about writes its event in
the same transaction, with a stable, increasing id."""

from __future__ import annotations

from typing import Any

import pytest

from linkedin.touchpoints.errors import ErrorCode
from openoutreach_server.store import Store
from openoutreach_server.store.records import Outcome, RunFilter
from tests.support.store import add_accounts, add_run, execute

T0 = 1_800_000_000.0


@pytest.fixture
def db(database: Store) -> Store:
    add_accounts(database, ["a", "b"], now=T0 - 30 * 86400)
    return database


def _events(db: Store, **filters: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(e.type, e.data) for e in db.events.after(0, limit=500, **filters)]


def _claim(db: Store, now: float) -> list[int]:
    return [c.id for c in db.runs.claim(now=now, limit=8, worker_id="w", lease_s=60)]


def test_run_outcomes_write_their_events(db: Store) -> None:
    done, failed, retried = (add_run(db, "a", now=T0) for _ in range(3))
    other = add_run(db, "b", type_="connect", now=T0, tags=["t1"])
    assert _claim(db, T0) == [done, other]
    db.runs.finish(
        [
            Outcome(done, result={"final_url": "x"}),
            Outcome(other, code=ErrorCode.PROFILE_NOT_FOUND, message="no such profile"),
        ],
        now=T0 + 1,
        worker_id="w",
    )
    assert _claim(db, T0 + 2) == [failed]
    db.runs.finish(
        [Outcome(failed, code=ErrorCode.UI_CHANGED, message="gone", retryable=True)],
        now=T0 + 3,
        worker_id="w",
        retry_base_s=0,
    )
    events = _events(db)
    # A retryable failure that will be tried again is not an outcome yet: no event.
    assert [(t, d["run_id"]) for t, d in events] == [
        ("run.completed", done),
        ("run.failed", other),
    ]
    completed, failure = events[0][1], events[1][1]
    assert completed["result"] == {"final_url": "x"} and completed["status"] == "completed"
    assert completed["input"]["profile_url"] == "https://www.linkedin.com/in/x/"
    assert failure["error_code"] == "PROFILE_NOT_FOUND" and failure["retryable"] is False
    assert failure["tags"] == ["t1"] and failure["touchpoint"] == "connect"
    assert retried not in [d["run_id"] for _, d in events]


def test_cancel_interrupt_and_quota_write_their_events(db: Store) -> None:
    one, two, three = (add_run(db, "a", type_="connect", now=T0, tags=["c7"]) for _ in range(3))
    visit = add_run(db, "b", now=T0)
    db.runs.cancel(one, T0)
    assert db.runs.cancel_many(RunFilter(tag="c7"), T0, "bulk") == [two, three]
    assert _claim(db, T0) == [visit]
    db.runs.reap_expired(T0 + 3600)  # its worker died: read-only, so re-queued, no event
    assert _claim(db, T0 + 3601) == [visit]
    connect = add_run(db, "a", type_="connect", now=T0 + 3601)
    assert _claim(db, T0 + 3601) == [connect]
    db.runs.release(connect, "w", T0 + 3602, "stopped")  # side-effecting: interrupted
    db.accounts.update("a", lambda _: {"quotas": {"connect": {"hour": 0}}})
    eager = add_run(db, "a", type_="connect", now=T0 + 3603, on_quota="fail")
    _claim(db, T0 + 3603)
    assert [(t, d["run_id"]) for t, d in _events(db)] == [
        ("run.canceled", one),
        ("run.canceled", two),
        ("run.canceled", three),
        ("run.interrupted", connect),
        ("run.failed", eager),
    ]
    assert _events(db, types=["run.failed"])[0][1]["error_code"] == "QUOTA_EXCEEDED"


def test_account_changes_write_their_events(db: Store) -> None:
    run = add_run(db, "a", now=T0)
    assert _claim(db, T0) == [run]
    db.runs.finish(
        [Outcome(run, code=ErrorCode.RATE_LIMITED, message="too many")], now=T0 + 1, worker_id="w"
    )
    second = add_run(db, "b", now=T0)
    assert _claim(db, T0 + 2) == [second]
    db.runs.finish(
        [Outcome(second, code=ErrorCode.CHECKPOINT, message="verify")], now=T0 + 3, worker_id="w"
    )
    db.accounts.update("b", lambda _: {"status": "paused", "updated_at": T0 + 4})
    db.accounts.update("b", lambda _: {"home_host": "h1", "updated_at": T0 + 5})
    pending = add_run(db, "b", now=T0)
    db.accounts.delete("b", T0 + 6)
    kinds = [(t, d.get("status") or d.get("scope") or d.get("home_host")) for t, d in _events(db)]
    assert kinds == [
        ("account.cooldown_started", "*"),
        ("run.failed", "failed"),
        ("account.status_changed", "checkpoint"),
        ("run.failed", "failed"),
        ("account.status_changed", "paused"),
        ("account.home_host_changed", "h1"),
        ("run.canceled", "canceled"),
    ]
    assert _events(db, types=["run.canceled"])[0][1]["run_id"] == pending
    assert [t for t, _ in _events(db, handle="a")] == ["account.cooldown_started", "run.failed"]


def test_event_ids_increase_and_the_cursor_pages(db: Store) -> None:
    for _ in range(5):
        db.runs.cancel(add_run(db, "a", now=T0), T0)
    first = db.events.after(0, limit=2)
    rest = db.events.after(first[-1].id, limit=10)
    ids = [e.id for e in first + rest]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert db.events.last_id() == ids[-1]
    assert db.events.after(ids[-1]) == []


def test_an_event_is_written_with_its_change_or_not_at_all(db: Store) -> None:
    run = add_run(db, "a", now=T0)
    # A transaction that fails after the status changed leaves neither behind.
    with pytest.raises(RuntimeError), db.db.write() as conn:
        conn.execute("UPDATE runs SET status = 'canceled' WHERE id = ?", (run,))
        from openoutreach_server.store.sql.events import run_events

        run_events(conn, [run], T0)
        raise RuntimeError("crash before commit")
    assert _events(db) == []
    execute(db, "SELECT 1")
    assert db.runs.get(run).status == "pending"  # type: ignore[union-attr]
