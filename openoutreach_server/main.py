"""App factory and lifespan: the API, plus the executor and schedule poller unless `--no-worker`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from openoutreach_server import __version__
from openoutreach_server.api import docs, problems
from openoutreach_server.api.deps import require_key
from openoutreach_server.api.gate import Gate
from openoutreach_server.api.routes import accounts as accounts_api
from openoutreach_server.api.routes import events as events_api
from openoutreach_server.api.routes import health as health_api
from openoutreach_server.api.routes import hosts as hosts_api
from openoutreach_server.api.routes import metrics as metrics_api
from openoutreach_server.api.routes import runs as runs_api
from openoutreach_server.api.routes import schedules as schedules_api
from openoutreach_server.api.routes import webhooks as webhooks_api
from openoutreach_server.clock import Clock
from openoutreach_server.config import Settings
from openoutreach_server.dispatch.executor import RunFn
from openoutreach_server.metrics import metrics_registry
from openoutreach_server.runtime import WorkerRuntime, build_context
from openoutreach_server.schemas import Problem
from openoutreach_server.ui import router as ui_router
from openoutreach_server.ui.auth import gate_check


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
        runtime = WorkerRuntime(ctx, run_fn) if worker else None
        app.state.runtime = runtime
        if runtime is not None:
            await runtime.start()
        try:
            yield
        finally:
            if runtime is not None:
                await runtime.stop()
            ctx.store.dispose()

    app = FastAPI(
        title="openoutreach-server",
        version=__version__,
        summary="Run LinkedIn touchpoints in real browser sessions, one account at a time.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs else None,
    )
    app.state.ctx = ctx
    app.state.metrics_registry = metrics_registry(ctx.store, settings, ctx.clock)
    app.add_middleware(
        Gate, keys=lambda: ctx.api_keys, max_body=settings.max_body_bytes, ui=gate_check(ctx)
    )
    problems.install(app)
    if settings.docs:
        docs.install(app)
    app.include_router(health_api.router)
    auth = [Depends(require_key)]
    errors: dict[int | str, dict[str, Any]] = {
        code: {"model": Problem, "description": text}
        for code, text in (
            (401, "Missing or invalid X-API-Key"),
            (404, "Unknown account, run, schedule, event or webhook"),
            (422, "Invalid input; `errors` names each field"),
        )
    }
    # Runs first: POST /runs is the hot path, and routes are matched in order.
    app.include_router(runs_api.router, dependencies=auth, responses=errors)
    app.include_router(accounts_api.router, dependencies=auth, responses=errors)
    app.include_router(schedules_api.router, dependencies=auth, responses=errors)
    app.include_router(hosts_api.router, dependencies=auth, responses=errors)
    app.include_router(events_api.router, dependencies=auth, responses=errors)
    app.include_router(webhooks_api.router, dependencies=auth, responses=errors)
    app.include_router(metrics_api.router, dependencies=auth, responses=errors)
    app.include_router(ui_router)  # the operator page: its own cookie session, see ui/auth.py
    return app
