"""A worker on a host whose clock is an hour off still writes database time (PostgreSQL), and
another host with a correct clock never takes its leases for lapsed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from openoutreach_server.clock import DatabaseClock
from openoutreach_server.config import Settings
from openoutreach_server.dispatch.executor import Executor
from openoutreach_server.store import Store
from openoutreach_server.store.notifier import RUNS
from openoutreach_server.store.records import Claimed
from tests.support.noop_worker import read_events
from tests.support.store import add_accounts, add_run, run_row, statuses

ROOT = Path(__file__).resolve().parents[2]
HOUR = 3600.0
# Transactions, thread hops and a loaded machine: far below the skew the tests are about.
SLACK_S = 5.0
PROCESS_LEASE_S = 5.0

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
def db(database: Store) -> Store:
    return database


def _db_now(db: Store) -> float:
    now = db.db.db_time()
    assert now is not None
    return now


async def _until(predicate: Any, limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("skew", [-HOUR, HOUR])
async def test_a_skewed_worker_writes_leases_and_starts_in_database_time(
    db: Store, settings: Settings, skew: float
) -> None:
    settings.lease_s = 3.0
    add_accounts(db, ["a"])
    run_id = add_run(db, "a", type_="connect", now=_db_now(db))
    release = asyncio.Event()

    async def held(run: Claimed) -> dict[str, Any]:
        await release.wait()
        return {}

    skewed = DatabaseClock(db.db.db_time, local=lambda: time.time() + skew)
    assert abs(skewed.now() - _db_now(db)) < SLACK_S
    executor = Executor(db, settings, held, clock=skewed)
    await executor.start()
    try:
        await _until(lambda: statuses(db)[run_id] == "running")
        started, lease = run_row(db, run_id, "started_at", "lease_expires_at")
        now = _db_now(db)
        assert abs(started - now) < SLACK_S
        assert now < lease <= now + settings.lease_s + SLACK_S
        # A host with a correct clock reaps nothing, through two lease periods (heartbeats
        # renew the lease in database time).
        correct = DatabaseClock(db.db.db_time)
        for _ in range(4):
            await asyncio.sleep(settings.lease_s / 2)
            assert db.runs.reap_expired(correct.now()) == []
        release.set()
        await _until(lambda: statuses(db)[run_id] == "completed")
    finally:
        release.set()
        await executor.stop()
    completed, attempt = run_row(db, run_id, "completed_at", "attempt")
    assert abs(completed - _db_now(db)) < SLACK_S
    assert attempt == 1


def _worker(settings: Settings, log: Path, host: str, **env: str) -> subprocess.Popen[bytes]:
    assert settings.database_url is not None
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OO_", "NOOP_"))},
        "OO_DATA_DIR": str(settings.data_dir),
        "OO_DATABASE_URL": settings.database_url,
        "OO_API_KEYS": "k",
        "OO_WORKER_HOST": host,
        # Long enough that a worker starved by a loaded machine still renews its lease.
        "OO_LEASE_S": str(PROCESS_LEASE_S),
        "OO_MAX_SESSIONS": "4",
        "OO_SHUTDOWN_GRACE_S": "5",
        "OO_PACE": "fast",
        "OO_LOG_LEVEL": "WARNING",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.noop_worker", str(log)], cwd=ROOT, env=environment
    )


def test_a_worker_process_an_hour_behind_keeps_its_run(
    db: Store, settings: Settings, tmp_path: Path
) -> None:
    """A real worker process whose clock is an hour late runs a side-effecting run for more
    than two lease periods while a worker on a host with a correct clock loops beside it: the
    run is stamped in database time, never reaped, and completes once."""
    add_accounts(db, ["late"], home_host="late-host")
    add_accounts(db, ["ok"], home_host="ok-host")
    log = tmp_path / "events.log"
    late = _worker(settings, log, "late-host", NOOP_CLOCK_SKEW_S=str(-HOUR), NOOP_DELAY_S="12")
    correct = _worker(settings, log, "ok-host", NOOP_DELAY_S="0.01")
    try:
        # Both up (a loaded machine starts them slowly) before the run: the correct host
        # loops, and would reap a lapsed lease, all the time the late one holds it.
        deadline = time.monotonic() + 60
        while {h.host for h in db.workers.hosts(_db_now(db), 60) if h.workers} != {
            "late-host",
            "ok-host",
        }:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        run_id = add_run(db, "late", type_="connect", now=_db_now(db))
        db.notifier.notify(RUNS)  # as POST /runs does: no waiting for a worker's safety wake
        deadline = time.monotonic() + 30
        while statuses(db)[run_id] != "running":
            assert time.monotonic() < deadline, "the late worker did not claim the run"
            time.sleep(0.05)
        started, lease = run_row(db, run_id, "started_at", "lease_expires_at")
        now = _db_now(db)
        assert abs(started - now) < SLACK_S
        assert now < lease <= now + PROCESS_LEASE_S + SLACK_S
        # The correct host keeps working (and would reap a lapsed lease) meanwhile.
        others = [add_run(db, "ok", now=_db_now(db)) for _ in range(5)]
        db.notifier.notify(RUNS)
        while statuses(db)[run_id] == "running":
            assert time.monotonic() < deadline + 30, "the run never ended"
            time.sleep(0.1)
        assert statuses(db)[run_id] == "completed"
        while not all(statuses(db)[other] == "completed" for other in others):
            assert time.monotonic() < deadline + 60, "the correct host's runs never ended"
            time.sleep(0.05)
    finally:
        for proc in (late, correct):
            proc.send_signal(signal.SIGTERM)
        for proc in (late, correct):
            assert proc.wait(timeout=30) == 0
    completed, attempt = run_row(db, run_id, "completed_at", "attempt")
    assert started < completed < _db_now(db) + SLACK_S
    assert attempt == 1
    events = read_events(log)
    starts = Counter(e.run_id for e in events if e.kind == "start")
    assert starts[run_id] == 1
    # The late process's own clock really was an hour behind (its log lines say so).
    late_start = next(e for e in events if e.run_id == run_id and e.kind == "start")
    assert abs(late_start.at - (started - HOUR)) < SLACK_S
