"""A server whose worker runs fake touchpoints (no browser), and webhook receivers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from openoutreach_server.store import open_store
from openoutreach_server.store.records import Claimed
from tests.conftest import API_KEY
from tests.support.live import LiveServer
from tests.support.receiver import Receiver
from tests.support.store import add_accounts

PROFILE = "https://www.linkedin.com/in/john-smith/"
MISSING = "https://www.linkedin.com/in/nobody-here/"


async def fake_touchpoint(run: Claimed) -> dict[str, Any]:
    """Completes at once, or fails PROFILE_NOT_FOUND for MISSING."""
    if run.touchpoint.get("profile_url") == MISSING:
        raise TouchpointError(ErrorCode.PROFILE_NOT_FOUND, "no such profile")
    return {"visited": run.touchpoint.get("profile_url")}


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    """Settings of a local test: the receivers listen on 127.0.0.1."""
    settings.webhook_allow_private = True
    settings.detection = False
    return settings


@pytest.fixture
def start_server(hook_settings: Settings) -> Iterator[Callable[..., httpx.Client]]:
    """Start the server (API and a worker with fake touchpoints); call again after changing
    settings to restart it on the same database."""
    stack: list[tuple[LiveServer, httpx.Client]] = []
    store = open_store(hook_settings)
    add_accounts(store, ["jane", "joe"])
    store.dispose()

    def start(**changes: Any) -> httpx.Client:
        for live, client in stack:
            client.close()
            live.__exit__(None, None, None)
        stack.clear()
        settings = hook_settings.model_copy(update=changes)
        live = LiveServer(create_app(settings, run_fn=fake_touchpoint)).__enter__()
        client = httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=30)
        stack.append((live, client))
        return client

    yield start
    for live, client in stack:
        client.close()
        live.__exit__(None, None, None)


@pytest.fixture
def server(start_server: Callable[..., httpx.Client]) -> httpx.Client:
    """The server, started."""
    return start_server()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1."""
    with Receiver() as found:
        yield found


def run(api: httpx.Client, profile: str = PROFILE, **extra: Any) -> int:
    """Queue a visit; returns its id."""
    body = {"handle": "jane", "touchpoint": {"type": "visit", "profile_url": profile}, **extra}
    response = api.post("/runs", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["run_id"])


def register(api: httpx.Client, url: str, **extra: Any) -> dict[str, Any]:
    """Register a webhook; returns the answer (with its secret)."""
    response = api.post("/webhooks", json={"url": url, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


def wait_until(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
