"""Claims runs and drives them: one task per running run, one running run per account."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import threading
import time
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from loguru import logger

from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from openoutreach_server.artifacts import ArtifactStore, attached_artifacts
from openoutreach_server.clock import Clock, SystemClock
from openoutreach_server.config import Settings
from openoutreach_server.store import Store
from openoutreach_server.store.notifier import ACCOUNTS, RUNS, Listening
from openoutreach_server.store.records import Claimed, Outcome
from openoutreach_server.store.sql.runs import ClaimScope

T = TypeVar("T")
RunFn = Callable[[Claimed], Awaitable[dict[str, Any]]]
# With no wake-up and nothing due, look at the database anyway after this long: a safety
# net against a lost wake-up, not the dispatch mechanism.
_SAFETY_WAKE_S = 30.0
_PRUNE_EVERY_S = 3600.0


class Executor:
    """The worker loop: event-driven claims, leases with heartbeat, graceful stop.

    Finished runs hand their outcome to the loop, which records every outcome that
    arrived and claims the next runs in one transaction.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        run_fn: RunFn,
        *,
        clock: Clock | None = None,
        worker_id: str | None = None,
        artifacts: ArtifactStore | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.run_fn = run_fn
        self.clock = clock or SystemClock()
        self.worker_id = worker_id or f"w{os.getpid()}-{secrets.token_hex(3)}"
        self.capacity = settings.max_sessions
        self._artifacts = artifacts
        self.rules = settings.safety()
        self.rng = rng or random.Random()
        self._held_until: float | None = None
        self._housekeeping_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._outcomes: list[Outcome] = []
        self._claims: dict[int, tuple[Claimed, float]] = {}  # for the outcome's log line
        self._loop_task: asyncio.Task[None] | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._listening: Listening | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        # SQLite work runs off the event loop, on one thread: calls stay serial per process.
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oo-db")
        self.idle = asyncio.Event()
        # Called when accounts or sessions changed (BrowserRunner.sync_sessions).
        self.on_accounts_changed: Callable[[], Awaitable[Any]] | None = None
        # Called on the loop after outcomes were recorded (wakes long-polls).
        self.on_outcomes: Callable[[], None] | None = None
        self._side_tasks: set[asyncio.Future[Any]] = set()
        # How many browser sessions this worker keeps open (reported with its heartbeat).
        self.open_sessions: Callable[[], int] = lambda: 0
        # Resident memory of this worker's browser in bytes (reported with its heartbeat;
        # measured off the event loop).
        self.browser_memory: Callable[[], int] = lambda: 0
        self.scope = ClaimScope(host=settings.worker_host, unpinned=settings.claim_unpinned)

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_thread, partial(fn, *args, **kwargs))

    def wake(self) -> None:
        """Ask the loop to look for runnable runs now; safe from any thread."""
        if self._loop is None or threading.get_ident() == self._loop_thread:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    def accounts_changed(self) -> None:
        """Accounts were deleted or their sessions replaced: let the runner drop contexts."""
        if self.on_accounts_changed is None or self._loop is None:
            return

        def spawn() -> None:
            assert self.on_accounts_changed is not None
            task = asyncio.ensure_future(self.on_accounts_changed())
            self._side_tasks.add(task)
            task.add_done_callback(self._side_tasks.discard)

        if threading.get_ident() == self._loop_thread:
            spawn()
        else:
            self._loop.call_soon_threadsafe(spawn)

    async def start(self) -> None:
        """Recover abandoned runs, then start claiming."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        # Listening before it says it is alive: a live worker never misses a wake-up.
        self._listening = self.store.notifier.listen(
            self.worker_id, {RUNS: self._wake.set, ACCOUNTS: self.accounts_changed}
        )
        await self._db(
            self.store.workers.register,
            self.worker_id,
            self.settings.worker_host,
            os.getpid(),
            self.capacity,
            self.clock.now(),
        )
        reaped = await self._db(self.store.runs.reap_expired, self.clock.now())
        for run_id, status in reaped:
            logger.bind(run_id=run_id).warning("recovered abandoned run as {}", status)
        self._loop_task = asyncio.create_task(self._run_loop(), name="oo-executor")
        self._heartbeat_task = asyncio.create_task(self._heartbeats(), name="oo-heartbeat")
        if self._artifacts is not None:
            self._housekeeping_task = asyncio.create_task(self._prune_artifacts(), name="oo-prune")
        logger.info(
            "executor {} started on host {} (max {} sessions)",
            self.worker_id,
            self.settings.worker_host,
            self.capacity,
        )

    async def _run_loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            free = self.capacity - len(self._tasks)
            try:
                claimed = await self._record_and_claim(free)
            except Exception:
                logger.exception("claim failed; retrying shortly")
                await asyncio.sleep(0.5)
                continue
            for run in claimed:
                self._tasks[run.id] = asyncio.create_task(self._execute(run), name=f"run-{run.id}")
            if (claimed and len(claimed) == free) or self._outcomes:
                continue  # maybe more to claim, or more outcomes to record
            if not self._tasks:
                self.idle.set()
            if not self._wake.is_set():
                await self._sleep_until_due()
        await self._record_and_claim(0)

    async def _record_and_claim(self, free: int) -> list[Claimed]:
        outcomes, self._outcomes = self._outcomes, []
        if not outcomes and free <= 0:
            return []
        try:
            statuses, round_ = await self._db(
                self.store.runs.finish_and_claim,
                outcomes,
                now=self.clock.now(),
                limit=max(free, 0),
                worker_id=self.worker_id,
                lease_s=self.settings.lease_s,
                retry_base_s=self.settings.retry_base_s,
                rules=self.rules,
                rng=self.rng,
                scope=self.scope,
            )
        except Exception:
            # Not recorded (the transaction failed): keep them for the next round. Dropped,
            # their runs would lapse into `interrupted` or run a second time.
            self._outcomes = outcomes + self._outcomes
            raise
        claimed = round_.claimed
        self._held_until = round_.wake_at
        if outcomes and self.on_outcomes is not None:
            self.on_outcomes()
        for outcome, status in zip(outcomes, statuses, strict=True):
            run, started = self._claims.pop(outcome.run_id)
            log = logger.bind(run_id=run.id, handle=run.handle)
            took = (time.monotonic() - started) * 1000
            if status is None:
                log.warning("{} finished after its lease was lost; outcome dropped", run.type)
            elif outcome.code is None:
                log.info("{} completed in {:.0f} ms", run.type, took)
            else:
                log.info(
                    "{} {} in {:.0f} ms: {} {}",
                    run.type,
                    status,
                    took,
                    outcome.code,
                    outcome.message,
                )
        return claimed

    async def _sleep_until_due(self) -> None:
        now = self.clock.now()
        due = await self._db(self.store.runs.next_due, now)
        if self._held_until is not None and (due is None or self._held_until < due):
            due = self._held_until  # a run held by a safety rule may go then
        if due is not None and due <= self.clock.now():
            # A lease lapsed or a run came due while we looked: reap, then claim again.
            await self._db(self.store.runs.reap_expired, self.clock.now())
            return
        timeout = _SAFETY_WAKE_S if due is None else min(due - now, _SAFETY_WAKE_S)
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
            async with asyncio.timeout(timeout + 0.001):
                await self._wake.wait()
        except TimeoutError:
            if due is not None:
                await self._db(self.store.runs.reap_expired, self.clock.now())

    async def _heartbeats(self) -> None:
        interval = max(self.settings.lease_s / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            # Runs that ended but whose outcome is not recorded yet are still ours.
            ids = [*self._tasks, *(o.run_id for o in self._outcomes)]
            try:
                # The worker itself is alive (GET /hosts, GET /metrics), with this load.
                sessions = self.open_sessions()
                memory = await self._browser_memory()
                await self._db(
                    self.store.workers.heartbeat,
                    self.worker_id,
                    self.clock.now(),
                    len(ids),
                    sessions,
                    memory,
                )
                if not ids:
                    continue
                owned = await self._db(
                    self.store.runs.heartbeat,
                    ids,
                    self.worker_id,
                    self.clock.now() + self.settings.lease_s,
                )
                if owned < len(ids):
                    logger.warning("{} of {} leases were lost", len(ids) - owned, len(ids))
            except Exception:
                logger.exception("heartbeat failed")

    async def _browser_memory(self) -> int:
        # A figure for GET /metrics: failing to measure it must not stop the heartbeat
        # that keeps this worker's leases.
        try:
            return await self._db(self.browser_memory)
        except Exception:
            logger.exception("measuring the browser's memory failed")
            return 0

    async def _prune_artifacts(self) -> None:
        assert self._artifacts is not None
        while True:
            try:
                pruned = await self._db(
                    self._artifacts.prune, self.settings.artifact_retention_days
                )
                if pruned:
                    await self._db(self.store.runs.forget_artifacts, pruned)
                    logger.info("pruned the artifacts of {} old runs", len(pruned))
            except Exception:
                logger.exception("pruning artifacts failed")
            await asyncio.sleep(_PRUNE_EVERY_S)

    async def _execute(self, run: Claimed) -> None:
        # Every log line of the run, down in the browser code, carries its id and handle.
        with logger.contextualize(run_id=run.id, handle=run.handle):
            await self._execute_run(run)

    async def _execute_run(self, run: Claimed) -> None:
        log = logger
        log.debug("{} started (attempt {})", run.type, run.attempt)
        self.idle.clear()
        self._claims[run.id] = (run, time.monotonic())
        try:
            async with asyncio.timeout(self.settings.run_timeout_s):
                result = await self.run_fn(run)
            outcome = Outcome(run.id, result=result)
        except asyncio.CancelledError:
            self._tasks.pop(run.id, None)
            self._claims.pop(run.id, None)
            status = await asyncio.shield(
                self._db(
                    self.store.runs.release, run.id, self.worker_id, self.clock.now(), "stopped"
                )
            )
            log.warning("{} stopped mid-action: {}", run.type, status)
            raise
        except TouchpointError as exc:
            artifacts = list(exc.details.get("artifacts", []))
            outcome = Outcome(
                run.id, None, exc.code, exc.message, exc.retryable, artifacts, exc.details
            )
        except TimeoutError:
            limit = self.settings.run_timeout_s
            message = f"the run took longer than {limit:.0f}s"
            outcome = Outcome(run.id, None, ErrorCode.NAVIGATION_TIMEOUT, message, True)
        except Exception as exc:
            # Not swallowed: the run fails with the traceback kept as an artifact.
            log.exception("{} crashed", run.type)
            names = attached_artifacts(exc)
            if self._artifacts is not None:
                trace = traceback.format_exc().encode()
                kept = self._artifacts.write(run.id, "traceback.txt", trace)
                names += [kept] if kept else []
            message = f"unexpected error: {type(exc).__name__}: {exc}"
            outcome = Outcome(run.id, None, ErrorCode.INTERNAL_ERROR, message, False, names)
        self._tasks.pop(run.id, None)
        self._outcomes.append(outcome)
        self._wake.set()

    async def stop(self, grace_s: float | None = None) -> None:
        """Stop claiming, let running runs finish within the grace period, then interrupt them."""
        grace = self.settings.shutdown_grace_s if grace_s is None else grace_s
        pending = list(self._tasks.values())
        if pending:
            logger.info("waiting up to {:.0f}s for {} running runs", grace, len(pending))
            self.capacity = 0  # no new claims while the running ones finish
            _, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await asyncio.gather(self._loop_task, return_exceptions=True)
        background = [t for t in (self._heartbeat_task, self._housekeeping_task) if t]
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        if self._listening is not None:
            self._listening.stop()
            self._listening = None
        with contextlib.suppress(Exception):
            await self._db(self.store.workers.stopped, self.worker_id, self.clock.now())
        self._db_thread.shutdown(wait=True)
        logger.info("executor {} stopped", self.worker_id)
