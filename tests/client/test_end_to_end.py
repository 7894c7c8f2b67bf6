"""The client against the whole server (API + executor + real Chromium) and the simulator."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from linkedin.touchpoints.models import ConnectResult
from linkedin_sim import SimServer
from openoutreach_client import (
    Client,
    ConnectInput,
    ErrorCode,
    RunFailed,
    VisitInput,
    idempotency_key,
)
from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.client.conftest import Requests
from tests.conftest import API_KEY
from tests.support.live import LiveServer


@pytest.fixture
def full(settings: Settings, sim: SimServer) -> Iterator[tuple[Client, Requests]]:
    """The client, recording its requests, against API + executor pointed at the simulator."""
    settings.linkedin_base_url = sim.base_url
    settings.max_sessions = 2
    sent = Requests()
    with (
        LiveServer(create_app(settings)) as live,
        httpx.Client(event_hooks={"request": [sent]}) as http,
        Client(live.url, API_KEY, http_client=http, timeout=60) as client,
    ):
        yield client, sent


def test_login_then_connect_with_a_note_through_the_client(
    full: tuple[Client, Requests], sim: SimServer
) -> None:
    oo, sent = full
    oo.accounts.create("demo", li_at="sim-li-at-demo")
    login = oo.accounts.login("demo", wait=60)
    assert not login.pending and login.account.status == "active"
    login.run.raise_for_error()

    note = "Hi Jane,\n\nloved your talk 🚀 — shall we connect?"
    key = idempotency_key("campaign-7", "jane-doe", "invite")
    touchpoint = ConnectInput(profile_url=sim.profile_url("jane-doe"), note=note)
    run = oo.runs.create("demo", touchpoint, idempotency_key=key, tags=["campaign-7"])
    assert oo.runs.create("demo", touchpoint, idempotency_key=key, tags=["campaign-7"]).run_id == (
        run.run_id
    )
    done = oo.wait_for(run, timeout=90).raise_for_error()
    assert done.status == "completed"
    result = done.result_as(ConnectResult)
    assert (result.status, result.note_sent) == ("sent", True)
    assert [(i["account"], i["public_id"], i["note"]) for i in sim.invitations()] == [
        ("demo@example.com", "jane-doe", note)
    ]
    # Long-polls, not polling: a run of a few seconds costs a handful of GETs at most.
    assert sent.count("GET", f"/runs/{run.run_id}") <= 3


def test_a_failed_run_raises_its_code_and_its_artifacts_download(
    full: tuple[Client, Requests], sim: SimServer
) -> None:
    oo, _ = full
    oo.accounts.create("demo", li_at="sim-li-at-demo")
    oo.accounts.login("demo", wait=60).run.raise_for_error()
    run = oo.runs.create("demo", VisitInput(profile_url=sim.profile_url("nobody-here")))
    failed = oo.wait_for(run.run_id, timeout=90)  # a failed run is returned, not raised
    assert failed.status == "failed"
    with pytest.raises(RunFailed) as err:
        failed.raise_for_error()
    assert err.value.code is ErrorCode.PROFILE_NOT_FOUND and err.value.retryable is False
    assert "screenshot.png" in failed.artifacts
    assert oo.runs.download_artifact(run.run_id, "screenshot.png").startswith(b"\x89PNG")
