"""A real worker process whose touchpoints only log when they start and end.

Usage: python -m tests.support.noop_worker LOGFILE  (settings from OO_* env)
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

from openoutreach_server.config import Settings
from openoutreach_server.logs import configure_logging
from openoutreach_server.store.records import Claimed
from openoutreach_server.worker import run_worker


def main() -> None:
    """Run the worker with a logging no-op touchpoint."""
    log_path = sys.argv[1]
    delay = float(os.environ.get("NOOP_DELAY_S", "0.01"))
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def noop(run: Claimed) -> dict[str, Any]:
        # One write() per line with O_APPEND: lines from several processes never interleave.
        os.write(fd, f"start {run.id} {run.handle} {os.getpid()} {time.time():.6f}\n".encode())
        await asyncio.sleep(delay)
        os.write(fd, f"end {run.id} {run.handle} {os.getpid()} {time.time():.6f}\n".encode())
        return {"pid": os.getpid()}

    settings = Settings()
    configure_logging(settings)
    asyncio.run(run_worker(settings, run_fn=noop))


if __name__ == "__main__":
    main()
