"""At-least-once across a crash: a worker killed with SIGKILL while its deliveries are in
flight, and events committed while no worker runs; after a restart every event arrives,
with the webhook-id it had before. On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from openoutreach_server.store import Store
from tests.conftest import API_KEY
from tests.support.live import LiveServer
from tests.support.receiver import Receiver
from tests.support.store import add_accounts
from tests.webhooks.conftest import register, run, wait_until

ROOT = Path(__file__).resolve().parents[2]


def _worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OO_DATA_DIR": str(settings.data_dir),
        "OO_API_KEYS": API_KEY,
        "OO_PACE": "fast",
        "OO_LOG_LEVEL": "INFO",
        "OO_DETECTION": "false",
        "OO_WEBHOOK_ALLOW_PRIVATE": "true",
        # Short, so that a delivery left locked by the killed worker is retried soon.
        "OO_WEBHOOK_TIMEOUT_S": "3",
        **({"OO_DATABASE_URL": settings.database_url} if settings.database_url else {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.noop_worker", str(log)],
        cwd=ROOT,
        env=env,
        stderr=(log.parent / f"worker-{log.name}.err").open("wb"),
    )


@pytest.fixture
def api(settings: Settings, database: Store) -> Iterator[httpx.Client]:
    """The API alone (no worker in this process), on the conformance backend."""
    settings.webhook_allow_private = True
    add_accounts(database, ["jane"])
    with (
        LiveServer(create_app(settings, worker=False)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=30) as client,
    ):
        yield client


def test_sigkill_mid_delivery_then_restart_delivers_every_event_with_its_id(
    api: httpx.Client, settings: Settings, database: Store, tmp_path: Path
) -> None:
    with Receiver() as receiver:
        hang = threading.Event()
        receiver.behaviour.hang = hang  # takes the requests, never answers
        hook = register(api, receiver.url)
        first = _worker(settings, tmp_path / "first.log")
        try:
            finished = [run(api) for _ in range(3)]
            in_flight = receiver.wait_for(3, timeout=60)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        receiver.behaviour.hang = None
        hang.set()
        # Committed while no worker runs: nothing can deliver them yet.
        pending = [run(api) for _ in range(2)]
        for run_id in pending:
            api.post(f"/runs/{run_id}/cancel").raise_for_status()
        second = _worker(settings, tmp_path / "second.log")
        try:
            got = receiver.wait_for(3 + 3 + 2, timeout=60)

            # Recorded once the answer is back: wait for that too.
            def all_delivered() -> list[dict[str, Any]]:
                found = api.get(f"/webhooks/{hook['id']}/deliveries").json()["items"]
                done = [d for d in found if d["status"] == "delivered"]
                return done if len(done) == 5 else []

            deliveries = wait_until(all_delivered)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    ids = Counter(r.headers["webhook-id"] for r in got)
    before = {r.headers["webhook-id"] for r in in_flight}
    assert all(ids[event_id] == 2 for event_id in before)  # sent again, same id
    payloads = [r.verify(hook["secret"]) for r in got]
    by_run = {p["data"]["run_id"]: p["type"] for p in payloads}
    assert by_run == {
        **{r: "run.completed" for r in finished},
        **{r: "run.canceled" for r in pending},
    }
    assert sorted(d["attempts"] for d in deliveries) == [1, 1, 2, 2, 2]
    with database.db.read() as conn:
        undelivered = conn.execute(
            "SELECT count(*) AS n FROM deliveries WHERE status <> 'delivered'"
        ).fetchone()
    assert undelivered["n"] == 0
