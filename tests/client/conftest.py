"""Fixtures for the client suite: the typed client against a real server over real HTTP."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from linkedin.touchpoints.models import ConnectResult
from openoutreach_client import Client
from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from openoutreach_server.store.records import Claimed
from tests.conftest import API_KEY
from tests.support.live import LiveServer

PROFILE = "https://www.linkedin.com/in/john-smith/"
WORKER_HOST = "client-h1"


@pytest.fixture
def oo(api: httpx.Client) -> Iterator[Client]:
    """The sync client against an API-only server (no worker: runs stay pending)."""
    with Client(str(api.base_url), API_KEY) as client:
        yield client


class Requests:
    """Every request an httpx client sent, recorded by an event hook."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> None:
        self.sent.append((request.method, request.url.path))

    def count(self, method: str, path: str) -> int:
        """How many requests of this method went to this path."""
        return self.sent.count((method, path))


def rows(data_dir: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    """Rows of a query on the server's SQLite file, as dicts."""
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params).fetchall()]


def execute(data_dir: Path, sql: str, *params: Any) -> None:
    """Change the server's SQLite file behind its back (state the API cannot produce)."""
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        conn.execute(sql, params)


@pytest.fixture
def api_requests(api: httpx.Client) -> Iterator[tuple[Client, Requests]]:
    """The sync client, with every request it sends recorded."""
    sent = Requests()
    with (
        httpx.Client(event_hooks={"request": [sent]}) as http,
        Client(str(api.base_url), API_KEY, http_client=http) as client,
    ):
        yield client, sent


async def fake_touchpoint(run: Claimed) -> dict[str, Any]:
    """Completes at once without a browser; a connect reports an invitation sent."""
    if run.type == "connect":
        url = str(run.touchpoint["profile_url"])
        sent = ConnectResult(status="sent", final_url=url, public_identifier="john-smith")
        return sent.model_dump()
    return {}


@pytest.fixture
def worker(settings: Settings) -> Iterator[Client]:
    """The sync client against API + a worker on host `client-h1` running fake touchpoints;
    webhooks may target 127.0.0.1 (local receivers)."""
    settings.worker_host = WORKER_HOST
    settings.webhook_allow_private = True
    settings.detection = False
    with (
        LiveServer(create_app(settings, run_fn=fake_touchpoint)) as live,
        Client(live.url, API_KEY) as client,
    ):
        yield client


def wait_until(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll `check` until it returns something truthy (AssertionError after `timeout`)."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
    return found
