"""The touchpoint activity against a real server (API + executor, touchpoints scripted):
a transient failure moves on to one new run, a retried or crashed attempt re-attaches to
the run already queued, account-level and permanent failures are not retried."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from campaigns.activities import CampaignActivities
from campaigns.models import TouchpointCall, TouchpointDone
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from openoutreach_client import AsyncClient
from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from openoutreach_server.store import open_store
from openoutreach_server.store.records import Claimed
from tests.conftest import API_KEY
from tests.support.live import LiveServer
from tests.support.store import add_accounts

URL = "https://www.linkedin.com/in/jane-doe/"


@dataclasses.dataclass
class Script:
    """What the next runs do: "ok" or an error code; `gate` holds a run until it is set."""

    outcomes: list[str] = dataclasses.field(default_factory=list)
    gate: threading.Event = dataclasses.field(default_factory=threading.Event)
    started: threading.Event = dataclasses.field(default_factory=threading.Event)

    async def run(self, run: Claimed) -> dict[str, Any]:
        self.started.set()
        await asyncio.to_thread(self.gate.wait, 30)
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if outcome != "ok":
            raise TouchpointError(ErrorCode(outcome), f"scripted {outcome}")
        return {"status": "sent", "note_sent": False}


@pytest.fixture
def script() -> Script:
    script = Script()
    script.gate.set()
    return script


@pytest.fixture
def server_url(settings: Settings, script: Script) -> Iterator[str]:
    settings.max_attempts = 1  # the server does not retry: each failure ends its run
    settings.caps = False
    store = open_store(settings)
    add_accounts(store, ["jane"])
    with LiveServer(create_app(settings, run_fn=script.run)) as live:
        yield live.url


@pytest.fixture
async def activities(server_url: str) -> AsyncIterator[CampaignActivities]:
    async with AsyncClient(server_url, API_KEY) as server, httpx.AsyncClient() as http:
        yield CampaignActivities(server, http)


CALL = TouchpointCall(
    handle="jane",
    touchpoint={"type": "connect", "profile_url": URL, "note": "Hi Jane"},
    key="step-key",
    tags=("campaign-t1",),
)


def attempt(n: int) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=n, heartbeat_timeout=timedelta(seconds=3))
    return env


def runs_of(server_url: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{server_url}/runs", params={"tag": "campaign-t1"}, headers={"X-API-Key": API_KEY}
    )
    return list(reversed(answer.json()["items"]))


async def test_transient_failure_moves_on_to_one_new_run(
    activities: CampaignActivities, script: Script, server_url: str
) -> None:
    script.outcomes = ["UI_CHANGED", "ok"]
    with pytest.raises(ApplicationError) as caught:
        await attempt(1).run(activities.run_touchpoint, CALL)
    assert not caught.value.non_retryable
    assert caught.value.details[0]["code"] == "UI_CHANGED"
    done = await attempt(2).run(activities.run_touchpoint, CALL)
    assert isinstance(done, TouchpointDone)
    assert (done.status, done.runs) == ("sent", 2)
    # A later attempt (the worker died before reporting) finds the same run: nothing new.
    again = await attempt(3).run(activities.run_touchpoint, CALL)
    assert again.run_id == done.run_id
    runs = runs_of(server_url)
    assert [r["status"] for r in runs] == ["failed", "completed"]
    assert runs[0]["touchpoint"]["note"] == "Hi Jane"


async def test_an_attempt_lost_mid_wait_reattaches_to_the_same_run(
    activities: CampaignActivities, script: Script, server_url: str
) -> None:
    script.gate.clear()
    first = asyncio.create_task(attempt(1).run(activities.run_touchpoint, CALL))
    await asyncio.to_thread(script.started.wait, 30)
    first.cancel()  # as if its worker died while the run was running
    with pytest.raises(asyncio.CancelledError):
        await first
    script.gate.set()
    done = await attempt(2).run(activities.run_touchpoint, CALL)
    assert done.runs == 1
    assert [r["status"] for r in runs_of(server_url)] == ["completed"]


async def test_three_transient_failures_end_the_step(
    activities: CampaignActivities, script: Script, server_url: str
) -> None:
    script.outcomes = ["NAVIGATION_TIMEOUT"] * 3
    for n in (1, 2):
        with pytest.raises(ApplicationError) as caught:
            await attempt(n).run(activities.run_touchpoint, CALL)
        assert not caught.value.non_retryable
    with pytest.raises(ApplicationError) as caught:
        await attempt(3).run(activities.run_touchpoint, CALL)
    assert caught.value.non_retryable
    assert caught.value.details[0]["disposition"] == "transient"
    assert [r["status"] for r in runs_of(server_url)] == ["failed"] * 3


async def test_account_level_and_permanent_failures_are_not_retried(
    activities: CampaignActivities, script: Script, server_url: str
) -> None:
    script.outcomes = ["CHECKPOINT"]
    with pytest.raises(ApplicationError) as caught:
        await attempt(1).run(activities.run_touchpoint, CALL)
    assert caught.value.non_retryable
    assert (caught.value.details[0]["code"], caught.value.details[0]["disposition"]) == (
        "CHECKPOINT",
        "account",
    )
    off_host = TouchpointCall(
        handle="jane",
        touchpoint={"type": "visit", "profile_url": "https://evil.example.com/in/x/"},
        key="other-step",
    )
    with pytest.raises(ApplicationError) as caught:
        await attempt(1).run(activities.run_touchpoint, off_host)
    assert caught.value.non_retryable
    assert caught.value.details[0]["code"] == "INVALID_INPUT"
    unknown = TouchpointCall(handle="nobody", touchpoint=CALL.touchpoint, key="third-step")
    with pytest.raises(ApplicationError) as caught:
        await attempt(1).run(activities.run_touchpoint, unknown)
    assert caught.value.details[0]["disposition"] == "end"
