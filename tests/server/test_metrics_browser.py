"""A worker's heartbeat carries its real Chromium's memory and sessions to GET /metrics."""

from __future__ import annotations

import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from openoutreach_server.config import Settings
from tests.server.conftest import login


def _browser_figures(client: httpx.Client, host: str) -> tuple[float, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    found = {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.labels.get("host") == host
    }
    return (
        found.get("openoutreach_browser_memory_bytes", 0.0),
        found.get("openoutreach_browser_sessions", 0.0),
    )


def test_the_heartbeat_reports_the_browser_of_a_logged_in_account(
    server: httpx.Client, sim_settings: Settings
) -> None:
    host = sim_settings.worker_host
    # Before any run nothing launched Chromium: the worker reports no browser memory.
    assert _browser_figures(server, host) == (0.0, 0.0)
    login(server, "demo", li_at="sim-li-at-demo")  # a run in a real browser context
    deadline = time.monotonic() + 30
    memory, sessions = _browser_figures(server, host)
    # A heartbeat (every lease/3) taken while the run was starting may carry Chromium but
    # not yet its context: wait for one taken after the run.
    while memory == 0.0 or sessions == 0.0:
        assert time.monotonic() < deadline, f"no heartbeat reported the browser: {sessions}"
        time.sleep(0.1)
        memory, sessions = _browser_figures(server, host)
    assert sessions == 1  # the account's context stays warm
    assert 20 * 2**20 < memory < 64 * 2**30  # a running Chromium: tens of MB, not nonsense
