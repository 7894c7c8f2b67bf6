"""A real worker process whose touchpoints only log when they start and end.

Usage: python -m tests.support.noop_worker LOGFILE  (settings from OO_* env)

Each line: `start|end RUN_ID HANDLE PID TIME HOST` (HOST: OO_WORKER_HOST). Test knobs:
- NOOP_DELAY_S: how long a touchpoint takes (default 0.01 s);
- NOOP_SLOW_HANDLES: comma-separated handles whose touchpoints (not their logins) take an
  hour instead, to have runs in flight when the process is killed;
- NOOP_CLOCK_SKEW_S: this process's wall clock (time.time) is off by that many seconds, as
  on a host whose clock is wrong. Applied before the server is imported, so everything in
  the process reads the skewed time; the log lines too.
"""

from __future__ import annotations

import os
import sys
import time
from typing import NamedTuple


def _skew_clock() -> None:
    skew = float(os.environ.get("NOOP_CLOCK_SKEW_S", "0"))
    if skew:
        real = time.time
        time.time = lambda: real() + skew


_skew_clock()

import asyncio  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from openoutreach_server.config import Settings  # noqa: E402
from openoutreach_server.logs import configure_logging  # noqa: E402
from openoutreach_server.store.records import Claimed  # noqa: E402
from openoutreach_server.worker import run_worker  # noqa: E402


class Event(NamedTuple):
    """One line of the log."""

    kind: str  # "start" or "end"
    run_id: int
    handle: str
    pid: int
    at: float
    host: str


def read_events(log: Path) -> list[Event]:
    """Every line the workers wrote to `log`, in file order."""
    out = []
    for line in log.read_text().splitlines():
        kind, run_id, handle, pid, at, host = line.split()
        out.append(Event(kind, int(run_id), handle, int(pid), float(at), host))
    return out


def main() -> None:
    """Run the worker with a logging no-op touchpoint."""
    log_path = sys.argv[1]
    delay = float(os.environ.get("NOOP_DELAY_S", "0.01"))
    slow = set(filter(None, os.environ.get("NOOP_SLOW_HANDLES", "").split(",")))
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    settings = Settings()
    host = settings.worker_host

    def log(kind: str, run: Claimed) -> None:
        # One write() per line with O_APPEND: lines from several processes never interleave.
        line = f"{kind} {run.id} {run.handle} {os.getpid()} {time.time():.6f} {host}\n"
        os.write(fd, line.encode())

    async def noop(run: Claimed) -> dict[str, Any]:
        log("start", run)
        held = run.handle in slow and run.type != "login"
        await asyncio.sleep(3600 if held else delay)
        log("end", run)
        return {"pid": os.getpid(), "host": host}

    configure_logging(settings)
    asyncio.run(run_worker(settings, run_fn=noop))


if __name__ == "__main__":
    main()
