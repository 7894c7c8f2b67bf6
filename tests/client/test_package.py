"""The package itself: no server or browser import, one surface sync and async, stable keys,
a waiter that cannot tight-poll."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

from openoutreach_client import (
    AsyncClient,
    Client,
    LongPollWaiter,
    Pause,
    WaitTimeout,
    idempotency_key,
)
from openoutreach_client.call import Call
from openoutreach_client.models import Run
from openoutreach_client.resources import (
    Accounts,
    AsyncAccounts,
    AsyncEvents,
    AsyncHosts,
    AsyncRuns,
    AsyncSchedules,
    AsyncWebhooks,
    Events,
    Hosts,
    Runs,
    Schedules,
    Webhooks,
)


def test_importing_the_client_pulls_in_no_server_and_no_browser() -> None:
    code = (
        "import json, sys, openoutreach_client;"
        "from openoutreach_client import Client, AsyncClient, ConnectInput;"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    modules = json.loads(out)
    assert "openoutreach_client.client" in modules  # the check did import the client
    assert "linkedin.touchpoints.models" in modules
    banned = ("openoutreach_server", "playwright", "linkedin.browser", "fastapi", "sqlalchemy")
    leaked = [m for m in modules if m.split(".")[0] in banned or m.startswith(banned)]
    assert leaked == []


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(getattr(cls, name))
        for name in dir(cls)
        if not name.startswith("_") and callable(getattr(cls, name))
    }


@pytest.mark.parametrize(
    ("sync", "aio", "least"),
    [
        (Accounts, AsyncAccounts, 13),
        (Runs, AsyncRuns, 6),
        (Schedules, AsyncSchedules, 6),
        (Webhooks, AsyncWebhooks, 9),
        (Hosts, AsyncHosts, 1),
    ],
)
def test_sync_and_async_resources_have_the_same_methods(sync: type, aio: type, least: int) -> None:
    assert _public(sync) == _public(aio)
    assert len(_public(sync)) >= least


def test_sync_and_async_events_have_the_same_methods_and_parameters() -> None:
    """`iterate` is written twice (an iterator, an async iterator): compare its parameters."""

    def parameters(cls: type) -> dict[str, list[inspect.Parameter]]:
        return {name: list(sig.parameters.values()) for name, sig in _public(cls).items()}

    assert parameters(Events) == parameters(AsyncEvents)
    assert {"list", "iterate", "redeliver"} <= set(parameters(Events))


async def test_sync_and_async_clients_have_the_same_resources() -> None:
    with Client("http://127.0.0.1:9", "key") as oo:
        sync = {k: type(v).__name__ for k, v in vars(oo).items() if not k.startswith("_")}
    async with AsyncClient("http://127.0.0.1:9", "key") as aoo:
        aio = {k: type(v).__name__ for k, v in vars(aoo).items() if not k.startswith("_")}
    assert {k: "Async" + v for k, v in sync.items() if k != "waiter"} == {
        k: v for k, v in aio.items() if k != "waiter"
    }
    assert {"accounts", "runs", "schedules", "events", "webhooks", "hosts"} <= set(sync)


def test_sync_and_async_clients_have_the_same_methods() -> None:
    def surface(cls: type) -> dict[str, list[str]]:
        names = {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}
        names -= {"close", "aclose"}
        return {n: list(inspect.signature(getattr(cls, n)).parameters) for n in names}

    assert surface(Client) == surface(AsyncClient)
    assert {"send", "health", "wait_for"} <= set(surface(Client))


def test_idempotency_key_is_short_stable_and_keeps_part_boundaries() -> None:
    key = idempotency_key("campaign-7", "lead-42", "invite")
    assert key == idempotency_key("campaign-7", "lead-42", "invite")
    assert len(key) <= 255 and key.isalnum()
    assert key != idempotency_key("campaign-7", "lead-43", "invite")
    assert key != idempotency_key("lead-42", "campaign-7", "invite")
    assert idempotency_key("a-b", "c") != idempotency_key("a", "b-c")
    assert idempotency_key("lead", 42) == idempotency_key("lead", "42")
    assert "lead-42" not in key
    with pytest.raises(ValueError):
        idempotency_key()


def _pending(run_id: int = 7) -> Run:
    return Run.model_validate(
        {
            "run_id": run_id,
            "handle": "jane",
            "touchpoint": {"type": "visit"},
            "status": "pending",
            "dry_run": False,
            "result": None,
            "error_code": None,
            "error": None,
            "retryable": None,
            "attempt": 0,
            "max_attempts": 3,
            "priority": 0,
            "waiting_reason": "account not active",
            "not_before": None,
            "tags": [],
            "created_at": "2026-01-01T00:00:00Z",
            "started_at": None,
            "completed_at": None,
            "duration_ms": None,
            "artifacts": [],
        }
    )


def test_the_waiter_never_asks_twice_within_its_minimum_interval() -> None:
    """A server (or proxy) answering a long-poll at once must not turn into a tight loop:
    driven by hand with a clock that only moves when the flow pauses."""
    now = [0.0]
    waiter = LongPollWaiter(poll_s=30.0, min_interval_s=1.0, clock=lambda: now[0])
    flow = waiter.wait(7, timeout=3.5)
    steps: list[Call[object] | Pause] = [next(flow)]
    with pytest.raises(WaitTimeout) as stop:
        while True:
            step = steps[-1]
            if isinstance(step, Pause):
                now[0] += step.seconds
                steps.append(flow.send(None))
            else:
                steps.append(flow.send(_pending()))  # answered at once, still pending
    calls = [s for s in steps if isinstance(s, Call)]
    pauses = [s for s in steps if isinstance(s, Pause)]
    # At most one GET per second of budget, plus the first; a pause between any two.
    assert 1 < len(calls) <= 5
    assert len(pauses) == len(calls) - 1
    assert all(p.seconds > 0 for p in pauses)
    assert calls[0].params["wait"] == 3.5
    assert stop.value.run.run_id == 7


def test_no_secret_in_a_repr() -> None:
    from openoutreach_client.endpoints import accounts

    call = accounts.create("jane", username="jane@example.com", password="pw-secret-1")
    assert call.json["password"] == "pw-secret-1"
    assert "pw-secret-1" not in repr(call)
    with Client("http://127.0.0.1:9", "key-secret-2") as oo:
        assert "key-secret-2" not in repr(oo._conn) + repr(oo)
