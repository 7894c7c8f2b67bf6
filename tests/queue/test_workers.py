"""Several real worker processes on one SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from openoutreach_server.config import Settings
from openoutreach_server.store import Store
from openoutreach_server.store.notifier import RUNS
from tests.support.noop_worker import read_events
from tests.support.store import add_accounts, add_run, execute, statuses

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(settings: Settings, log: Path, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "OO_DATA_DIR": str(settings.data_dir),
        "OO_API_KEYS": "k",
        "OO_LEASE_S": str(settings.lease_s),
        "OO_MAX_SESSIONS": "4",
        "OO_SHUTDOWN_GRACE_S": "5",
        "OO_PACE": "fast",  # no pacing gap between an account's actions
        "OO_LOG_LEVEL": "WARNING",
        # The conformance backend: the same PostgreSQL database, or the data dir's file.
        **({"OO_DATABASE_URL": settings.database_url} if settings.database_url else {}),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.noop_worker", str(log)],
        cwd=ROOT,
        env=environment,
    )


def _wait(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def _events(log: Path) -> list[tuple[str, int, str, int, float]]:
    return [(e.kind, e.run_id, e.handle, e.pid, e.at) for e in read_events(log)]


def _live_workers(db: Store) -> list[str]:
    return [w.id for host in db.workers.hosts(time.time(), 60) for w in host.workers]


@pytest.fixture
def db(database: Store) -> Store:
    return database


def test_two_workers_never_share_a_run_or_an_account(
    settings: Settings, db: Store, tmp_path: Path
) -> None:
    handles = [f"acct{i}" for i in range(6)]
    add_accounts(db, handles, status="paused")  # the work appears all at once, below
    ids = [add_run(db, handles[i % 6], now=time.time()) for i in range(240)]
    log = tmp_path / "events.log"
    workers = [_start_worker(settings, log, NOOP_DELAY_S="0.005") for _ in range(2)]
    # Both up before the work arrives, so that both get some of it.
    _wait(lambda: len(_live_workers(db)) == 2)
    execute(db, "UPDATE accounts SET status = 'active'")
    db.notifier.notify(RUNS)
    try:
        _wait(lambda: set(statuses(db).values()) == {"completed"})
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            assert proc.wait(timeout=30) == 0
    events = _events(log)
    starts = Counter(run_id for kind, run_id, *_ in events if kind == "start")
    assert sorted(starts) == sorted(ids)
    assert set(starts.values()) == {1}, "a run was executed twice"
    assert len({pid for *_, pid, _ in events}) == 2, "both workers should have worked"
    # Per account, no run starts before the previous one ended.
    timeline: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for kind, _, handle, _, at in events:
        timeline[handle].append((at, kind))
    for handle, items in timeline.items():
        depth = 0
        for _, kind in sorted(items, key=lambda item: (item[0], item[1] == "start")):
            depth += 1 if kind == "start" else -1
            assert depth <= 1, f"two runs at once on {handle}"


def test_sigkilled_worker_side_effect_interrupted_read_requeued(
    settings: Settings, db: Store, tmp_path: Path
) -> None:
    add_accounts(db, ["a", "b"])
    now = time.time()
    connect = add_run(db, "a", type_="connect", now=now)
    visit = add_run(db, "b", type_="visit", now=now)
    log = tmp_path / "events.log"
    victim = _start_worker(settings, log, NOOP_DELAY_S="3600")
    try:
        _wait(lambda: list(statuses(db).values()).count("running") == 2)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
    survivor = _start_worker(settings, log, NOOP_DELAY_S="0.01")
    try:
        _wait(lambda: statuses(db)[visit] == "completed")
        _wait(lambda: statuses(db)[connect] == "interrupted")
    finally:
        survivor.send_signal(signal.SIGTERM)
        assert survivor.wait(timeout=30) == 0
    starts = Counter(run_id for kind, run_id, *_ in _events(log) if kind == "start")
    assert starts[connect] == 1, "the side-effecting run must never run a second time"
    assert starts[visit] == 2
