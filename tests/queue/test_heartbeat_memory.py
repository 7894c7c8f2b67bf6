"""The worker heartbeat carries the browser's memory, and a failing measurement never costs
the worker its leases."""

from __future__ import annotations

import asyncio
from typing import Any

from openoutreach_server.config import Settings
from openoutreach_server.dispatch.executor import Executor
from openoutreach_server.store import Store
from openoutreach_server.store.records import Claimed
from tests.support.store import add_accounts, add_run, run_row


def _worker(db: Store, worker_id: str) -> tuple[float, int]:
    with db.db.read() as conn:
        row = conn.execute(
            "SELECT heartbeat_at, memory_bytes FROM workers WHERE id = ?", (worker_id,)
        ).fetchone()
    return float(row["heartbeat_at"]), int(row["memory_bytes"])


async def _until(predicate: Any, limit_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def _hold(run: Claimed) -> dict[str, Any]:
    await asyncio.sleep(3600)  # released by stop()
    return {}


async def test_the_heartbeat_writes_the_measured_memory(
    database: Store, settings: Settings
) -> None:
    executor = Executor(database, settings, _hold, worker_id="w-mem")
    executor.browser_memory = lambda: 123_456_789
    await executor.start()
    assert _worker(database, "w-mem")[1] == 0  # registered before any heartbeat
    await _until(lambda: _worker(database, "w-mem")[1] == 123_456_789)
    await executor.stop()
    assert _worker(database, "w-mem")[1] == 0  # a stopped worker holds no browser


async def test_a_failing_measurement_keeps_the_leases(database: Store, settings: Settings) -> None:
    add_accounts(database, ["a"])
    run_id = add_run(database, "a")

    def broken() -> int:
        raise RuntimeError("no /proc here")

    executor = Executor(database, settings, _hold, worker_id="w-broken")
    executor.browser_memory = broken
    await executor.start()
    await _until(lambda: run_row(database, run_id, "status")[0] == "running")
    first_lease = run_row(database, run_id, "lease_expires_at")[0]
    first_beat = _worker(database, "w-broken")[0]
    # Leases are renewed every lease/3 (settings.lease_s is 2 s in tests).
    await _until(lambda: run_row(database, run_id, "lease_expires_at")[0] > first_lease)
    assert _worker(database, "w-broken")[0] > first_beat
    assert _worker(database, "w-broken")[1] == 0
    await executor.stop(grace_s=0)
