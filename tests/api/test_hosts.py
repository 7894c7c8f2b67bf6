"""Hosts over real HTTP, on both backends: GET /hosts, PUT /accounts/{handle}/home-host, and
what pinning does to claims and waiting reasons."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from openoutreach_server.store import Store
from openoutreach_server.store.records import Claimed
from tests.conftest import API_KEY
from tests.support.live import LiveServer

PROFILE = "https://www.linkedin.com/in/john-smith/"


@contextmanager
def server(settings: Settings, *, worker: bool = True) -> Iterator[httpx.Client]:
    """The API (and, with `worker`, an executor whose touchpoints do nothing) on a port."""

    async def noop(run: Claimed) -> dict[str, Any]:
        return {"host": settings.worker_host}

    app = create_app(settings, worker=worker, run_fn=noop)
    with (
        LiveServer(app) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=30) as client,
    ):
        yield client


def _active_account(api: httpx.Client, handle: str) -> None:
    """An account made through the API, logged in by the no-op worker."""
    assert api.post("/accounts", json={"handle": handle, "li_at": "c"}).status_code == 201
    login = api.post(f"/accounts/{handle}/login", params={"wait": 20})
    assert login.status_code == 200, login.text
    assert api.get(f"/accounts/{handle}").json()["status"] == "active"


def _pin(api: httpx.Client, handle: str, host: str | None) -> dict[str, Any]:
    response = api.put(f"/accounts/{handle}/home-host", json={"host": host})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _visit(api: httpx.Client, handle: str) -> int:
    response = api.post(
        "/runs", json={"handle": handle, "touchpoint": {"type": "visit", "profile_url": PROFILE}}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["run_id"])


@pytest.fixture
def hosted(settings: Settings, database: Store) -> Settings:
    """Settings of a worker on host `h1`, on the backend under test."""
    settings.worker_host = "h1"
    return settings


def test_home_host_validation(hosted: Settings) -> None:
    with server(hosted, worker=False) as api:
        assert api.post("/accounts", json={"handle": "jane", "li_at": "c"}).status_code == 201
        for bad in ("", "-lead", "has space", "a/b", "é", "x" * 256, 7):
            refused = api.put("/accounts/jane/home-host", json={"host": bad})
            assert refused.status_code == 422, (bad, refused.text)
            assert refused.json()["errors"][0]["field"] == "host"
        for body in ({}, {"host": "h1", "extra": 1}):
            assert api.put("/accounts/jane/home-host", json=body).status_code == 422
        unknown = api.put("/accounts/nobody/home-host", json={"host": "h1"})
        assert unknown.status_code == 404, unknown.text
        assert unknown.headers["content-type"].startswith("application/problem+json")
        assert api.put("/accounts/Bad!/home-host", json={"host": "h1"}).status_code == 422
        assert api.get("/accounts/jane").json()["home_host"] is None

        assert _pin(api, "jane", "worker-2.eu_west")["home_host"] == "worker-2.eu_west"
        assert api.get("/accounts/jane").json()["home_host"] == "worker-2.eu_west"
        assert _pin(api, "jane", None)["home_host"] is None


def test_get_hosts_lists_live_workers_and_pinned_accounts(hosted: Settings) -> None:
    with server(hosted, worker=False) as api:
        assert api.get("/hosts").json() == []  # no worker, nothing pinned
        for handle in ("a", "b", "c"):
            api.post("/accounts", json={"handle": handle, "li_at": "c"}).raise_for_status()
        _pin(api, "b", "h2")
        _pin(api, "a", "h2")
        hosts = api.get("/hosts").json()
        assert [(h["host"], h["live"], h["accounts"], h["workers"]) for h in hosts] == [
            ("h2", False, ["a", "b"], [])
        ]
    with server(hosted) as api:  # a worker on h1 now
        _pin(api, "c", "h1")
        hosts = {h["host"]: h for h in api.get("/hosts").json()}
        assert sorted(hosts) == ["h1", "h2"]
        h1 = hosts["h1"]
        assert (h1["live"], h1["accounts"], h1["capacity"]) == (True, ["c"], hosted.max_sessions)
        assert [w["capacity"] for w in h1["workers"]] == [hosted.max_sessions]
        assert h1["workers"][0]["pid"] > 0
        assert (hosts["h2"]["live"], hosts["h2"]["workers"]) == (False, [])


def test_a_run_pinned_to_a_host_without_worker_waits_until_unpinned(hosted: Settings) -> None:
    with server(hosted) as api:
        _active_account(api, "far")
        _pin(api, "far", "h9")
        run_id = _visit(api, "far")
        waiting = api.get(f"/runs/{run_id}", params={"wait": 1}).json()
        assert waiting["status"] == "pending"
        reason = waiting["waiting_reason"]
        assert "h9" in reason and "no live worker" in reason, reason
        # Unpinned: any host that takes unpinned accounts (h1 here) runs it.
        _pin(api, "far", None)
        done = api.get(f"/runs/{run_id}", params={"wait": 20}).json()
        assert (done["status"], done["result"]) == ("completed", {"host": "h1"})


def test_claim_unpinned_false_keeps_a_host_to_its_own_accounts(hosted: Settings) -> None:
    hosted.claim_unpinned = False
    with server(hosted) as api:
        # Logins are runs too: pin first, so that this host may run them.
        for handle in ("mine", "anyone"):
            api.post("/accounts", json={"handle": handle, "li_at": "c"}).raise_for_status()
        _pin(api, "mine", "h1")
        assert api.post("/accounts/mine/login", params={"wait": 20}).status_code == 200
        mine = _visit(api, "mine")
        anyone = api.post("/accounts/anyone/login", params={"wait": 1})
        assert anyone.status_code == 202  # still pending: no host takes unpinned accounts
        assert api.get(f"/runs/{mine}", params={"wait": 20}).json()["status"] == "completed"
        assert api.get(f"/runs/{anyone.json()['run']['run_id']}").json()["status"] == "pending"


def test_a_worker_host_no_account_could_be_pinned_to_is_refused(settings: Settings) -> None:
    for bad in ("", "has space", "-lead", "a/b"):
        with pytest.raises(ValidationError, match="worker_host"):
            Settings(data_dir=settings.data_dir, worker_host=bad)
    assert Settings(data_dir=settings.data_dir, worker_host="worker-2.eu_west").worker_host
