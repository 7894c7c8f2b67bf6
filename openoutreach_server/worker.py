"""The stand-alone worker process: executor and schedule poller, stopped by SIGTERM."""

from __future__ import annotations

import asyncio

from loguru import logger

from openoutreach_server.artifacts import ArtifactStore
from openoutreach_server.clock import Clock
from openoutreach_server.config import Settings
from openoutreach_server.executor import Executor, RunFn
from openoutreach_server.main import build_context, make_pool
from openoutreach_server.scheduler import Scheduler


async def run_worker(
    settings: Settings, *, run_fn: RunFn | None = None, clock: Clock | None = None
) -> None:
    """Run the executor and poller until SIGTERM/SIGINT; in-flight runs get the grace period."""
    from openoutreach_server.cli import install_stop_signals

    ctx = build_context(settings, clock)
    pool = None
    if run_fn is None:
        from openoutreach_server.browser_runner import BrowserRunner

        pool = make_pool(settings)
        run_fn = BrowserRunner(ctx, pool)
    executor = Executor(
        ctx.db,
        settings,
        run_fn,
        clock=ctx.clock,
        artifacts=ArtifactStore(settings.artifacts_dir),
    )
    ctx.executor = executor
    stop = asyncio.Event()
    install_stop_signals(stop)
    await executor.start()
    ctx.scheduler = Scheduler(ctx.db, settings, clock=ctx.clock, notify=ctx.notify)
    await ctx.scheduler.start()
    await stop.wait()
    logger.info("stop requested")
    await ctx.scheduler.stop()
    await executor.stop()
    if pool is not None:
        await pool.close()
    ctx.db.dispose()
