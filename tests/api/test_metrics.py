"""GET /metrics over real HTTP: behind the key (X-API-Key or a bearer token), and every figure
counted from the database that another process (here: a second connection and an executor
with a fake touchpoint and a fake clock) wrote."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from openoutreach_server.clock import FakeClock
from openoutreach_server.config import Settings
from openoutreach_server.dispatch.executor import Executor
from openoutreach_server.store import Store, open_store
from openoutreach_server.store.records import Claimed
from tests.conftest import API_KEY
from tests.support.store import add_accounts, add_run, execute, statuses

T0 = 1_800_000_000.0
PROFILE = "https://www.linkedin.com/in/john-smith/"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
Step = tuple[float, ErrorCode | None]  # seconds a run takes, and how it ends


@pytest.fixture
def store(settings: Settings, api: httpx.Client) -> Iterator[Store]:
    """The API's database through a connection of its own, as another process sees it."""
    opened = open_store(settings)
    yield opened
    opened.dispose()


def _scrape(api: httpx.Client) -> Samples:
    response = api.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    out: Samples = {}
    for family in text_string_to_metric_families(response.text):
        assert family.name.startswith("openoutreach_")
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _get(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def _labels(samples: Samples, name: str, label: str) -> set[str]:
    return {dict(labels)[label] for sample, labels in samples if sample == name}


def test_metrics_need_the_key_as_a_header_or_a_bearer_token(api: httpx.Client) -> None:
    anonymous = httpx.Client(base_url=str(api.base_url))
    for headers in (
        {},
        {"X-API-Key": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Token {API_KEY}"},
        {"Authorization": "Bearer"},
        # HTTP Basic opens the interactive docs only.
        {"Authorization": "Basic " + base64.b64encode(f"u:{API_KEY}".encode()).decode()},
    ):
        refused = anonymous.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "openoutreach_" not in refused.text
    bearer = anonymous.get("/metrics", headers={"Authorization": f"Bearer {API_KEY}"})
    assert bearer.status_code == 200
    assert "# TYPE openoutreach_runs_total counter" in bearer.text
    # The bearer token is the API key on every endpoint, not only /metrics.
    listed = anonymous.get("/accounts", headers={"Authorization": f"bearer {API_KEY}"})
    assert listed.status_code == 200 and listed.json() == []
    # OpenMetrics when the scraper asks for it (Prometheus does).
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    open_metrics = api.get("/metrics", headers={"Accept": accept})
    assert open_metrics.headers["content-type"].startswith("application/openmetrics-text")
    assert open_metrics.text.endswith("# EOF\n")


async def _execute(store: Store, settings: Settings, plan: dict[int, Step], start: float) -> None:
    """The real executor with a fake touchpoint: each run takes the clock forward by its
    time and ends as planned."""
    clock = FakeClock(start)

    async def fake(run: Claimed) -> dict[str, Any]:
        took, error = plan[run.id]
        clock.advance(took)
        if error is not None:
            raise TouchpointError(error, "no such profile")
        return {}

    # The fake clock jumps minutes inside a run: no lease may lapse meanwhile.
    long_leases = settings.model_copy(update={"lease_s": 100_000.0})
    executor = Executor(store, long_leases, fake, clock=clock)
    await executor.start()
    deadline = asyncio.get_running_loop().time() + 20
    while any(statuses(store)[run_id] in ("pending", "running") for run_id in plan):
        assert asyncio.get_running_loop().time() < deadline, statuses(store)
        await asyncio.sleep(0.01)
    await executor.stop()


def test_every_figure_comes_from_the_database(
    api: httpx.Client, settings: Settings, store: Store
) -> None:
    api.post("/accounts", json={"handle": "jane", "li_at": "cookie"}).raise_for_status()
    add_accounts(store, ["a", "b"])
    add_accounts(store, ["p"], status="paused")

    # One account: its runs go one after the other, each claimed when the last one is
    # recorded (one transaction, one clock reading), so every time below is exact.
    plan: dict[int, Step] = {
        add_run(store, "a", "visit", now=T0): (1.5, None),
        add_run(store, "a", "connect", now=T0): (12.0, ErrorCode.PROFILE_NOT_FOUND),
        add_run(store, "a", "enrich", now=T0): (400.0, None),
        add_run(store, "a", "visit", now=T0): (0.25, None),
    }
    asyncio.run(_execute(store, settings, plan, start=T0 + 3))
    assert [statuses(store)[run_id] for run_id in plan] == [
        "completed",
        "failed",
        "completed",
        "completed",
    ]

    # Through the API: one run canceled, one waiting for jane's login.
    for _ in range(2):
        body = {"handle": "jane", "touchpoint": {"type": "visit", "profile_url": PROFILE}}
        api.post("/runs", json=body).raise_for_status()
    first = api.get("/runs", params={"handle": "jane"}).json()["items"][-1]["run_id"]
    api.post(f"/runs/{first}/cancel").raise_for_status()
    # A run another worker is executing now.
    busy = add_run(store, "b", "message", now=time.time())
    assert [
        c.id for c in store.runs.claim(now=time.time(), limit=8, worker_id="x", lease_s=600)
    ] == [busy]

    now = time.time()
    for worker_id, host, sessions, memory in (
        ("w1", "host-a", 2, 123_456_789),
        ("w2", "host-a", 1, 1_000_000),
        ("w3", "host-b", 0, 0),
    ):
        store.workers.register(worker_id, host, 4242, 8, now)
        store.workers.heartbeat(worker_id, now, 0, sessions, memory)
    store.workers.register("gone", "host-c", 4242, 8, now - 3600)  # no heartbeat since

    event_id = store.events.after(0, limit=1)[0].id
    for status in ("delivered", "delivered", "failed", "pending"):
        execute(
            store,
            "INSERT INTO deliveries (event_id, url, status, next_attempt_at, created_at)"
            " VALUES (?, 'https://x.test/hook', ?, ?, ?)",
            (event_id, status, now, now),
        )

    m = _scrape(api)

    runs = "openoutreach_runs_total"
    assert _get(m, runs, type="visit", status="completed") == 2
    assert _get(m, runs, type="connect", status="failed") == 1
    assert _get(m, runs, type="enrich", status="completed") == 1
    assert _get(m, runs, type="visit", status="canceled") == 1
    assert _get(m, runs, type="inmail", status="interrupted") == 0  # every series, zeros too
    assert sum(v for (name, _), v in m.items() if name == runs) == 5
    assert len([1 for name, _ in m if name == runs]) == 13 * 4  # 12 touchpoints + login
    assert _get(m, "openoutreach_runs_pending", type="visit") == 1
    assert _get(m, "openoutreach_runs_pending", type="login") == 0
    assert _get(m, "openoutreach_runs_running", type="message") == 1
    assert sum(v for (name, _), v in m.items() if name == "openoutreach_runs_running") == 1

    # Durations: visit 1.5 and 0.25, connect 12, enrich 400.
    duration = "openoutreach_run_duration_seconds"
    visit = [_get(m, duration + "_bucket", type="visit", le=le) for le in ("1.0", "2.0", "+Inf")]
    assert visit == [1, 2, 2]
    assert _get(m, duration + "_count", type="visit") == 2
    assert _get(m, duration + "_sum", type="visit") == 1.75
    assert _get(m, duration + "_bucket", type="connect", le="10.0") == 0
    assert _get(m, duration + "_bucket", type="connect", le="20.0") == 1
    assert _get(m, duration + "_bucket", type="enrich", le="300.0") == 0
    assert _get(m, duration + "_bucket", type="enrich", le="600.0") == 1
    assert _get(m, duration + "_sum", type="enrich") == 400
    assert _get(m, duration + "_count", type="inmail") == 0
    assert _get(m, duration + "_bucket", type="inmail", le="+Inf") == 0
    # Waits from the due time (all created at T0): visit 3 and 416.5, connect 4.5, enrich 16.5.
    wait = "openoutreach_run_queue_wait_seconds"
    assert [
        _get(m, wait + "_bucket", type="visit", le=le)
        for le in ("1.0", "5.0", "60.0", "180.0", "600.0", "86400.0", "+Inf")
    ] == [0, 1, 1, 1, 2, 2, 2]
    assert _get(m, wait + "_sum", type="visit") == 419.5
    assert _get(m, wait + "_bucket", type="connect", le="5.0") == 1
    assert _get(m, wait + "_bucket", type="enrich", le="15.0") == 0
    assert _get(m, wait + "_bucket", type="enrich", le="60.0") == 1
    # Canceled and still-running runs are not observed by either histogram.
    assert _get(m, wait + "_count", type="message") == 0

    accounts = {
        s: _get(m, "openoutreach_accounts", status=s)
        for s in _labels(m, "openoutreach_accounts", "status")
    }
    assert accounts == {
        "active": 2,
        "needs_login": 1,
        "paused": 1,
        "checkpoint": 0,
        "restricted": 0,
        "disabled": 0,
    }

    # Live workers only (the executor above stopped; host-c's worker went silent).
    assert _labels(m, "openoutreach_workers", "host") == {"host-a", "host-b"}
    assert _get(m, "openoutreach_workers", host="host-a") == 2
    assert _get(m, "openoutreach_browser_sessions", host="host-a") == 3
    assert _get(m, "openoutreach_browser_sessions", host="host-b") == 0
    assert _get(m, "openoutreach_browser_memory_bytes", host="host-a") == 124_456_789

    deliveries = "openoutreach_webhook_deliveries_total"
    assert _get(m, deliveries, outcome="delivered") == 2
    assert _get(m, deliveries, outcome="failed") == 1
    assert _get(m, deliveries, outcome="canceled") == 0
    assert _get(m, "openoutreach_events_undelivered") == 1  # no webhook, no callback_url
    assert _get(m, "openoutreach_schedules", active="true") == 0
