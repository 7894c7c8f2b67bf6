"""App factory and lifespan: the API, plus the executor and schedule poller unless `--no-worker`."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from linkedin.browser.launch import find_chromium
from linkedin.browser.pool import BrowserPool
from openoutreach_server import __version__
from openoutreach_server.api import accounts as accounts_api
from openoutreach_server.api import health as health_api
from openoutreach_server.api import problems
from openoutreach_server.api import runs as runs_api
from openoutreach_server.api import schedules as schedules_api
from openoutreach_server.api.deps import require_key
from openoutreach_server.artifacts import ArtifactStore
from openoutreach_server.clock import Clock, SystemClock
from openoutreach_server.config import Settings
from openoutreach_server.context import ServerContext
from openoutreach_server.db.engine import Database
from openoutreach_server.executor import Executor, RunFn
from openoutreach_server.scheduler import Scheduler
from openoutreach_server.schemas import Problem
from openoutreach_server.secrets import SecretBox, load_or_create_api_keys, load_or_create_key


def build_context(settings: Settings, clock: Clock | None = None) -> ServerContext:
    """Open the database and keys; print a newly generated API key once."""
    # The data dir holds keys and session state: private to the server user.
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = Database(settings.db_url)
    db.create_schema()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    box = SecretBox(load_or_create_key(settings.data_dir, secret))
    configured = settings.api_keys.get_secret_value() if settings.api_keys else None
    keys, generated = load_or_create_api_keys(settings.data_dir, configured)
    if generated:
        # Printed to the console once, deliberately not through the logger.
        print(
            f"\nGenerated API key (stored in {settings.data_dir / 'api_key'}, mode 0600):\n"
            f"  {generated}\nSend it as the X-API-Key header.\n",
            file=sys.stderr,
            flush=True,
        )
    return ServerContext(
        settings=settings, db=db, box=box, api_keys=keys, clock=clock or SystemClock()
    )


def make_pool(settings: Settings) -> BrowserPool:
    """The shared browser pool, sized and timed from settings, kept on the LinkedIn host."""
    return BrowserPool(
        executable=find_chromium(settings.chromium_path),
        headless=settings.headless,
        max_contexts=settings.max_sessions,
        idle_ttl_s=settings.session_idle_ttl_s,
        recycle_after=settings.session_recycle_runs,
        tracing=settings.trace,
        allowed_host=settings.linkedin_base_url,
        sandbox=settings.chromium_sandbox,
        # Trace chunks are unredacted while recorded: private, under the data dir.
        traces_root=settings.data_dir / "tmp" / "traces",
    )


def create_app(
    settings: Settings | None = None,
    *,
    worker: bool = True,
    clock: Clock | None = None,
    run_fn: RunFn | None = None,
) -> FastAPI:
    """Build the FastAPI app; with `worker`, its lifespan also runs the executor."""
    settings = settings or Settings()
    ctx = build_context(settings, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool: BrowserPool | None = None
        if worker:
            fn = run_fn
            if fn is None:
                from openoutreach_server.browser_runner import BrowserRunner

                pool = make_pool(settings)
                fn = BrowserRunner(ctx, pool)
            ctx.executor = Executor(
                ctx.db,
                settings,
                fn,
                clock=ctx.clock,
                artifacts=ArtifactStore(settings.artifacts_dir),
            )
            await ctx.executor.start()
            ctx.scheduler = Scheduler(ctx.db, settings, clock=ctx.clock, notify=ctx.notify)
            await ctx.scheduler.start()
        try:
            yield
        finally:
            if ctx.scheduler is not None:
                await ctx.scheduler.stop()
                ctx.scheduler = None
            if ctx.executor is not None:
                await ctx.executor.stop()
                ctx.executor = None
            if pool is not None:
                await pool.close()
            ctx.db.dispose()

    app = FastAPI(
        title="openoutreach-server",
        version=__version__,
        summary="Run LinkedIn touchpoints in real browser sessions, one account at a time.",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    problems.install(app)
    app.include_router(health_api.router)
    auth = [Depends(require_key)]
    errors: dict[int | str, dict[str, Any]] = {
        code: {"model": Problem, "description": text}
        for code, text in (
            (401, "Missing or invalid X-API-Key"),
            (404, "Unknown account, run or schedule"),
            (422, "Invalid input; `errors` names each field"),
        )
    }
    # Runs first: POST /runs is the hot path, and routes are matched in order.
    app.include_router(runs_api.router, dependencies=auth, responses=errors)
    app.include_router(accounts_api.router, dependencies=auth, responses=errors)
    app.include_router(schedules_api.router, dependencies=auth, responses=errors)
    return app
