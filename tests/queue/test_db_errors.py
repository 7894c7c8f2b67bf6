"""A database error while the executor records outcomes (a dropped connection to a remote
PostgreSQL, say) loses no outcome: the runs that ended are recorded on the next round."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from openoutreach_server.config import Settings
from openoutreach_server.dispatch.executor import Executor
from openoutreach_server.store import Store
from openoutreach_server.store.records import Claimed
from tests.support.store import add_accounts, add_run, run_row, statuses


@pytest.fixture
def db(database: Store) -> Store:
    return database


async def test_outcomes_survive_a_failed_transaction(
    db: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_accounts(db, ["a", "b"])
    connect = add_run(db, "a", type_="connect")
    visit = add_run(db, "b", type_="visit")
    executed: list[int] = []
    real = db.runs.finish_and_claim
    failures = []

    def flaky(outcomes: Any, **kwargs: Any) -> Any:
        if outcomes and not failures:
            failures.append(len(outcomes))
            raise ConnectionError("server closed the connection unexpectedly")
        return real(outcomes, **kwargs)

    monkeypatch.setattr(db.runs, "finish_and_claim", flaky)

    async def fake(run: Claimed) -> dict[str, Any]:
        executed.append(run.id)
        return {"done": run.id}

    executor = Executor(db, settings, fake)
    await executor.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while set(statuses(db).values()) != {"completed"}:
            assert loop.time() < deadline, statuses(db)
            await asyncio.sleep(0.01)
    finally:
        await executor.stop()
    assert failures, "the first recording round should have failed"
    assert sorted(executed) == sorted([connect, visit])  # each ran once
    for run_id in (connect, visit):
        assert run_row(db, run_id, "result", "attempt") == (f'{{"done":{run_id}}}', 1)
