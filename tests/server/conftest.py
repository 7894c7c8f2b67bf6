"""The whole server (API + executor + real Chromium) against the LinkedIn simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from linkedin_sim import SimServer
from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.conftest import API_KEY
from tests.support.live import LiveServer


@pytest.fixture
def sim_settings(settings: Settings, sim: SimServer) -> Settings:
    """Settings pointed at the simulator."""
    settings.linkedin_base_url = sim.base_url
    settings.max_sessions = 2
    return settings


@pytest.fixture
def server(sim_settings: Settings) -> Iterator[httpx.Client]:
    """API and executor in one process, real browser pool."""
    with (
        LiveServer(create_app(sim_settings)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=60) as client,
    ):
        yield client


def wait_run(client: httpx.Client, run_id: int, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a run until it leaves pending/running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/runs/{run_id}").json()
        if run["status"] not in ("pending", "running"):
            return dict(run)
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish: {run}")


def login(client: httpx.Client, handle: str, **account: Any) -> dict[str, Any]:
    """Create an account and log it in; returns the login response."""
    created = client.post("/accounts", json={"handle": handle, **account})
    assert created.status_code == 201, created.text
    response = client.post(f"/accounts/{handle}/login", params={"wait": 60})
    assert response.status_code == 200, response.text
    return dict(response.json())
