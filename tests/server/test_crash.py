"""A server process killed with SIGKILL mid-run, with real browsers against the simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from linkedin_sim import SimServer
from tests.server.conftest import wait_run
from tests.support.serve import ServeProcess


@pytest.fixture
def sim() -> Iterator[SimServer]:
    """A simulator of its own: the request this test leaves sleeping in a fault must not
    record a visit into another test's simulator later."""
    with SimServer() as server:
        yield server


def test_sigkill_mid_run_interrupts_connect_and_requeues_visit(
    data_dir: Path, sim: SimServer
) -> None:
    first = ServeProcess(data_dir, sim)
    try:
        api = first.client
        for handle, cookie in (("demo", "sim-li-at-demo"), ("second", "sim-li-at-second")):
            assert (
                api.post("/accounts", json={"handle": handle, "li_at": cookie}).status_code == 201
            )
            login = api.post(f"/accounts/{handle}/login", params={"wait": 60}).json()
            assert login["account"]["status"] == "active", login
        fault = {"path_prefix": "/in/slow-sam/", "delay_ms": 60_000}
        assert httpx.post(sim.url("/__sim/faults"), json=fault).status_code == 200
        profile = sim.profile_url("slow-sam")
        connect = api.post(
            "/runs",
            json={"handle": "demo", "touchpoint": {"type": "connect", "profile_url": profile}},
        ).json()["run_id"]
        visit = api.post(
            "/runs",
            json={"handle": "second", "touchpoint": {"type": "visit", "profile_url": profile}},
        ).json()["run_id"]
        deadline = time.monotonic() + 30
        while {api.get(f"/runs/{r}").json()["status"] for r in (connect, visit)} != {"running"}:
            assert time.monotonic() < deadline, "runs did not start"
            time.sleep(0.05)
    finally:
        first.kill()
    assert httpx.delete(sim.url("/__sim/faults")).status_code == 200

    second = ServeProcess(data_dir, sim)
    try:
        done_visit = wait_run(second.client, visit)
        done_connect = wait_run(second.client, connect)
    finally:
        log = second.stop()
        assert "stopped" in log and "executor" in log, log
    assert done_connect["status"] == "interrupted"
    assert done_connect["error_code"] == "INTERRUPTED"
    assert done_connect["attempt"] == 1, "a side-effecting run must not be claimed again"
    assert done_visit["status"] == "completed", (done_visit, log[-4000:])
    assert done_visit["attempt"] == 2
    assert sim.invitations() == []
    assert ("second@example.com", "slow-sam") in {
        (v["account"], v["public_id"]) for v in sim.visits()
    }
