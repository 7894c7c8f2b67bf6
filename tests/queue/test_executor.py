"""The executor in-process with fake touchpoints: dispatch, retries, errors, stop."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import pytest

from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from openoutreach_server.artifacts import ArtifactStore
from openoutreach_server.config import Settings
from openoutreach_server.dispatch.executor import Executor
from openoutreach_server.store import Store
from openoutreach_server.store.notifier import RUNS
from openoutreach_server.store.records import Claimed
from tests.support.store import add_accounts, add_run, statuses
from tests.support.store import run_row as _row


@pytest.fixture
def db(database: Store) -> Store:
    return database


async def _until(predicate: Any, limit_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


async def test_runs_of_different_accounts_run_in_parallel_one_per_account(
    db: Store, settings: Settings
) -> None:
    settings.max_sessions = 3
    handles = ["a", "b", "c", "d", "e"]
    add_accounts(db, handles)
    for handle in handles:
        for _ in range(4):
            add_run(db, handle)
    active: dict[str, int] = defaultdict(int)
    peak_total = 0
    peak_per_account = 0

    async def fake(run: Claimed) -> dict[str, Any]:
        nonlocal peak_total, peak_per_account
        active[run.handle] += 1
        peak_per_account = max(peak_per_account, active[run.handle])
        peak_total = max(peak_total, sum(active.values()))
        await asyncio.sleep(0.02)
        active[run.handle] -= 1
        return {"ok": run.id}

    executor = Executor(db, settings, fake)
    await executor.start()
    await _until(lambda: set(statuses(db).values()) == {"completed"})
    await executor.stop()
    assert peak_per_account == 1
    assert peak_total == 3  # bounded by OO_MAX_SESSIONS, and reached it
    assert len(statuses(db)) == 20


async def test_enqueue_wakes_an_idle_executor_without_polling(
    db: Store, settings: Settings
) -> None:
    add_accounts(db, ["a"])
    done = asyncio.Event()

    async def fake(run: Claimed) -> dict[str, Any]:
        done.set()
        return {}

    executor = Executor(db, settings, fake)
    await executor.start()
    await asyncio.wait_for(executor.idle.wait(), 5)
    add_run(db, "a")
    db.notifier.notify(RUNS)  # what POST /runs does after its commit (another process)
    # The safety wake-up is 30 s away: finishing well inside it proves the poke woke us.
    await asyncio.wait_for(done.wait(), 5)
    await executor.stop()


async def test_retryable_failure_is_retried_then_completes(db: Store, settings: Settings) -> None:
    add_accounts(db, ["a"])
    run_id = add_run(db, "a", max_attempts=3)
    calls = 0

    async def flaky(run: Claimed) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise TouchpointError(ErrorCode.NAVIGATION_TIMEOUT, "slow page")
        return {"attempt": run.attempt}

    executor = Executor(db, settings, flaky)
    await executor.start()
    await _until(lambda: _row(db, run_id, "status")[0] == "completed")
    await executor.stop()
    status, attempt, result = _row(db, run_id, "status", "attempt", "result")
    assert (status, attempt, calls) == ("completed", 2, 2)
    assert '"attempt": 2' in result or '"attempt":2' in result


async def test_account_level_error_stops_the_account(db: Store, settings: Settings) -> None:
    add_accounts(db, ["a", "b"])
    first = add_run(db, "a")
    second = add_run(db, "a")
    other = add_run(db, "b")

    async def checkpoint(run: Claimed) -> dict[str, Any]:
        if run.handle == "a":
            raise TouchpointError(ErrorCode.CHECKPOINT, "verification asked")
        return {}

    executor = Executor(db, settings, checkpoint)
    await executor.start()
    await _until(lambda: _row(db, other, "status")[0] == "completed")
    await _until(lambda: _row(db, first, "status")[0] == "failed")
    await asyncio.sleep(0.1)
    await executor.stop()
    assert _row(db, first, "error_code")[0] == "CHECKPOINT"
    assert _row(db, second, "status")[0] == "pending"  # held, not executed
    assert db.accounts.require("a").status == "checkpoint"


async def test_unexpected_exception_fails_with_traceback_and_executor_goes_on(
    db: Store, settings: Settings
) -> None:
    add_accounts(db, ["a"])
    bad = add_run(db, "a")
    good = add_run(db, "a")

    async def buggy(run: Claimed) -> dict[str, Any]:
        if run.id == bad:
            raise KeyError("boom")
        return {}

    store = ArtifactStore(settings.artifacts_dir)
    executor = Executor(db, settings, buggy, artifacts=store)
    await executor.start()
    await _until(lambda: _row(db, good, "status")[0] == "completed")
    await executor.stop()
    status, code, artifacts = _row(db, bad, "status", "error_code", "artifacts")
    assert (status, code) == ("failed", "INTERNAL_ERROR")
    assert "traceback.txt" in artifacts
    assert "KeyError" in (settings.artifacts_dir / str(bad) / "traceback.txt").read_text()


async def test_stop_interrupts_side_effects_and_requeues_reads(
    db: Store, settings: Settings
) -> None:
    add_accounts(db, ["a", "b"])
    connect = add_run(db, "a", type_="connect")
    visit = add_run(db, "b", type_="visit")
    started = asyncio.Event()
    count = 0

    async def hang(run: Claimed) -> dict[str, Any]:
        nonlocal count
        count += 1
        if count == 2:
            started.set()
        await asyncio.sleep(3600)
        return {}

    executor = Executor(db, settings, hang)
    await executor.start()
    await asyncio.wait_for(started.wait(), 5)
    await executor.stop(grace_s=0.05)
    assert _row(db, connect, "status", "error_code") == ("interrupted", "INTERRUPTED")
    assert _row(db, visit, "status")[0] == "pending"


async def test_an_accounts_change_in_another_process_reaches_the_worker(
    db: Store, settings: Settings
) -> None:
    from openoutreach_server.runtime import build_context

    async def fake(run: Claimed) -> dict[str, Any]:
        return {}

    executor = Executor(db, settings, fake)
    told = asyncio.Event()

    async def on_change() -> None:
        told.set()

    executor.on_accounts_changed = on_change
    await executor.start()
    try:
        api_only = build_context(settings)  # no executor of its own: like `serve --no-worker`
        assert api_only.executor is None
        api_only.accounts_changed()  # a datagram to every worker socket
        async with asyncio.timeout(5):
            await told.wait()
    finally:
        await executor.stop()
