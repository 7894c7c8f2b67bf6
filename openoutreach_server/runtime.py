"""Composition root shared by `serve`, `worker` and the CLI: the server context (data dir,
database, keys), the browser pool, and one start and one stop for a worker's loops."""

from __future__ import annotations

import sys

from linkedin.browser.launch import find_chromium
from linkedin.browser.memory import chromium_rss_bytes
from linkedin.browser.pool import BrowserPool
from openoutreach_server.artifacts import ArtifactStore
from openoutreach_server.clock import Clock
from openoutreach_server.config import Settings
from openoutreach_server.context import ServerContext
from openoutreach_server.crypto import (
    KeyFileError,
    SecretBox,
    load_or_create_api_keys,
    load_or_create_key,
)
from openoutreach_server.datadir import secure_data_dir
from openoutreach_server.dispatch.executor import Executor, RunFn
from openoutreach_server.events.deliverer import Deliverer
from openoutreach_server.events.detection import DetectionLoop
from openoutreach_server.logs import ensure_logging
from openoutreach_server.loops import LoopService
from openoutreach_server.scheduling.poller import Scheduler
from openoutreach_server.store import Store, open_store


def build_context(settings: Settings, clock: Clock | None = None) -> ServerContext:
    """Open the data dir, database and keys; print a newly generated API key once."""
    ensure_logging(settings)
    secure_data_dir(settings.data_dir)
    store = open_store(settings)
    box = open_secret_box(settings, store)
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
        settings=settings, store=store, box=box, api_keys=keys, clock=clock or store.clock()
    )


def open_secret_box(settings: Settings, store: Store) -> SecretBox:
    """The key that seals account secrets, checked against what the database already holds.

    A lost `secret.key` must not be silently replaced: every stored password and session
    would become unreadable. So a start that finds sealed data the key cannot open stops.
    """
    configured = settings.secret_key.get_secret_value() if settings.secret_key else None
    key, created = load_or_create_key(settings.data_dir, configured)
    box = SecretBox(key)
    sample = store.accounts.any_sealed_secret()
    if sample is not None and not box.can_open(sample):
        if created:
            (settings.data_dir / "secret.key").unlink(missing_ok=True)
            raise KeyFileError(
                f"{settings.data_dir / 'secret.key'} is missing but the database holds secrets"
                " sealed with it: restore the file from a backup (or set OO_SECRET_KEY);"
                " refusing to start rather than replacing it"
            )
        raise KeyFileError(
            "the secret key (OO_SECRET_KEY or secret.key) cannot decrypt the secrets stored"
            " in the database: it is not the key they were sealed with; refusing to start"
        )
    return box


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


class WorkerRuntime:
    """The executor, the schedule poller, the webhook deliverer and detection of one process,
    with the browser they drive.

    `run_fn` replaces the browser (tests and benchmarks pass a fake); without it a
    BrowserRunner over a fresh pool executes runs.
    """

    def __init__(self, ctx: ServerContext, run_fn: RunFn | None = None) -> None:
        self.ctx = ctx
        self.run_fn = run_fn
        self.pool: BrowserPool | None = None
        self.loops: list[LoopService] = []

    async def start(self) -> None:
        """Recover abandoned runs, then start claiming runs and firing schedules."""
        ctx, settings = self.ctx, self.ctx.settings
        fn = self.run_fn
        sync = None
        if fn is None:
            from openoutreach_server.dispatch.browser_runner import BrowserRunner

            self.pool = make_pool(settings)
            runner = BrowserRunner(ctx, self.pool)
            fn, sync = runner, runner.sync_sessions
        ctx.executor = Executor(
            ctx.store,
            settings,
            fn,
            clock=ctx.clock,
            artifacts=ArtifactStore(settings.artifacts_dir, settings.artifact_max_bytes),
        )
        ctx.executor.on_accounts_changed = sync
        ctx.executor.on_outcomes = ctx.run_events.changed
        if self.pool is not None:
            pool = self.pool
            ctx.executor.open_sessions = lambda: pool.open_sessions
            ctx.executor.browser_memory = chromium_rss_bytes
        await ctx.executor.start()
        ctx.scheduler = Scheduler(ctx.store, settings, clock=ctx.clock, notify=ctx.notify)
        await ctx.scheduler.start()
        self.loops.append(Deliverer(ctx))
        if settings.detection:
            self.loops.append(DetectionLoop(ctx))
        for loop in self.loops:
            await loop.start()

    async def stop(self) -> None:
        """Stop firing and claiming, let running runs finish (grace period), close the browser."""
        ctx = self.ctx
        for loop in self.loops:
            await loop.stop()
        self.loops.clear()
        if ctx.scheduler is not None:
            await ctx.scheduler.stop()
            ctx.scheduler = None
        if ctx.executor is not None:
            await ctx.executor.stop()
            ctx.executor = None
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
