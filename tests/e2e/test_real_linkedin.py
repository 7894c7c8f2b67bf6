"""Real LinkedIn, through the whole server. Opt-in: `pytest -m e2e` with OO_E2E_* set."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.support.live import LiveServer

pytestmark = pytest.mark.e2e

USERNAME = os.environ.get("OO_E2E_USERNAME")
PASSWORD = os.environ.get("OO_E2E_PASSWORD")
LI_AT = os.environ.get("OO_E2E_LI_AT")
PROFILE = os.environ.get("OO_E2E_PROFILE_URL")

if not ((USERNAME and PASSWORD) or LI_AT) or not PROFILE:
    pytest.skip(
        "real-LinkedIn tests need OO_E2E_PROFILE_URL and either OO_E2E_LI_AT or"
        " OO_E2E_USERNAME + OO_E2E_PASSWORD of a dedicated test account",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    data: Path = tmp_path_factory.mktemp("e2e") / "data"
    settings = Settings(data_dir=data, api_keys="e2e", pace="human", max_sessions=1)
    with (
        LiveServer(create_app(settings)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": "e2e"}, timeout=180) as http,
    ):
        body: dict[str, object] = {"handle": "e2e"}
        if LI_AT:
            body["li_at"] = LI_AT
        if USERNAME and PASSWORD:
            body.update(username=USERNAME, password=PASSWORD)
        assert http.post("/accounts", json=body).status_code == 201
        login = http.post("/accounts/e2e/login", params={"wait": 150}).json()
        assert login["account"]["status"] == "active", login
        yield http


def _wait_done(http: httpx.Client, run_id: int) -> dict[str, object]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        run = http.get(f"/runs/{run_id}").json()
        if run["status"] not in ("pending", "running"):
            return dict(run)
        time.sleep(1)
    raise AssertionError("run did not finish")


def test_visit(client: httpx.Client) -> None:
    run = client.post(
        "/runs", json={"handle": "e2e", "touchpoint": {"type": "visit", "profile_url": PROFILE}}
    ).json()
    done = _wait_done(client, run["run_id"])
    assert done["status"] == "completed", done
    assert "/in/" in str(done["result"]["final_url"])  # type: ignore[index]


def test_connect_dry_run(client: httpx.Client) -> None:
    run = client.post(
        "/runs",
        json={
            "handle": "e2e",
            "dry_run": True,
            "touchpoint": {"type": "connect", "profile_url": PROFILE, "note": "dry run"},
        },
    ).json()
    done = _wait_done(client, run["run_id"])
    assert done["status"] == "completed", done
    assert done["result"]["status"] in (  # type: ignore[index]
        "would_send",
        "already_pending",
        "already_connected",
    )
