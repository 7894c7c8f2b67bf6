"""The stand-alone worker process: executor and schedule poller, stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from loguru import logger

from openoutreach_server.clock import Clock
from openoutreach_server.config import Settings
from openoutreach_server.dispatch.executor import RunFn
from openoutreach_server.runtime import WorkerRuntime, build_context


def install_stop_signals(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT ask for a graceful stop."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


async def run_worker(
    settings: Settings, *, run_fn: RunFn | None = None, clock: Clock | None = None
) -> None:
    """Run the executor and poller until SIGTERM/SIGINT; in-flight runs get the grace period."""
    ctx = build_context(settings, clock)
    logger.info("data dir {}; worker started", settings.data_dir.resolve())
    runtime = WorkerRuntime(ctx, run_fn)
    stop = asyncio.Event()
    install_stop_signals(stop)
    await runtime.start()
    await stop.wait()
    logger.info("stop requested")
    await runtime.stop()
    ctx.store.dispose()
