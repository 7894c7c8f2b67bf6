"""`openoutreach-server serve` as a real child process, for crash and restart tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from linkedin_sim import SimServer
from tests.conftest import API_KEY
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
            # Short, so a killed server's leases lapse soon; long enough that a server starved
            # of CPU (a loaded 2-core CI machine) still renews its own.
            "OO_LEASE_S": "5",
            "OO_MAX_SESSIONS": "2",
            "OO_LOG_LEVEL": "INFO",
            "OO_SCHEDULE_MIN_INTERVAL_S": "0",  # schedule tests fire every second
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
