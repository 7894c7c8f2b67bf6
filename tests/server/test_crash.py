"""A server process killed with SIGKILL mid-run, with real browsers against the simulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from linkedin_sim import SimServer
from tests.conftest import API_KEY
from tests.server.conftest import wait_run
from tests.support.live import free_port


class ServeProcess:
    """`openoutreach-server serve` as a child process."""

    def __init__(self, data_dir: Path, sim: SimServer) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "OO_DATA_DIR": str(data_dir),
            "OO_API_KEYS": API_KEY,
            "OO_LINKEDIN_BASE_URL": sim.base_url,
            "OO_PACE": "fast",
            "OO_LEASE_S": "2",
            "OO_MAX_SESSIONS": "2",
            "OO_LOG_LEVEL": "INFO",
        }
        cmd = [sys.executable, "-m", "openoutreach_server", "serve", "--port", str(self.port)]
        self.log = data_dir.parent / f"serve-{self.port}.log"
        self.proc = subprocess.Popen(cmd, env=env, stderr=self.log.open("wb"))
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}", headers={"X-API-Key": API_KEY}, timeout=60
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("server did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> str:
        """SIGTERM, then return the log (uvicorn re-raises the signal once shut down)."""
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=60) in (0, -signal.SIGTERM)
        return self.log.read_text()


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
    assert done_visit["status"] == "completed"
    assert done_visit["attempt"] == 2
    assert sim.invitations() == []
    assert ("second@example.com", "slow-sam") in {
        (v["account"], v["public_id"]) for v in sim.visits()
    }
