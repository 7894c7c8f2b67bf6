"""Claims runs and drives them: one task per running run, one running run per account."""

from __future__ import annotations

import asyncio
import os
import secrets
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from loguru import logger

from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from openoutreach_server import queue
from openoutreach_server.clock import Clock, SystemClock
from openoutreach_server.config import Settings
from openoutreach_server.db.engine import Database
from openoutreach_server.wake import WakeListener

T = TypeVar("T")
RunFn = Callable[[queue.Claimed], Awaitable[dict[str, Any]]]
# After this long without any wake-up or due time, look at the database anyway: a
# safety net against a lost wake-up, not the dispatch mechanism.
_SAFETY_WAKE_S = 30.0


class Executor:
    """The worker loop: event-driven claims, leases with heartbeat, graceful stop."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        run_fn: RunFn,
        *,
        clock: Clock | None = None,
        worker_id: str | None = None,
        artifacts_writer: Callable[[int, str, bytes], str] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.run_fn = run_fn
        self.clock = clock or SystemClock()
        self.worker_id = worker_id or f"w{os.getpid()}-{secrets.token_hex(3)}"
        self.capacity = settings.max_sessions
        self._artifacts_writer = artifacts_writer
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._listener = WakeListener(settings.wake_dir, self.worker_id)
        # SQLite work runs off the event loop, on one thread: calls stay serial per process.
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oo-db")
        self.idle = asyncio.Event()

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_thread, partial(fn, *args, **kwargs))

    @property
    def running(self) -> int:
        """How many runs this worker is executing now."""
        return len(self._tasks)

    def wake(self) -> None:
        """Ask the loop to look for runnable runs now (thread-safe from the loop's thread)."""
        self._wake.set()

    async def start(self) -> None:
        """Recover abandoned runs, then start claiming."""
        reaped = await self._db(queue.reap_expired, self.db, self.clock.now())
        for run_id, status in reaped:
            logger.bind(run_id=run_id).warning("recovered abandoned run as {}", status)
        self._listener.start(self._wake)
        self._loop_task = asyncio.create_task(self._loop(), name="oo-executor")
        self._heartbeat_task = asyncio.create_task(self._heartbeats(), name="oo-heartbeat")
        logger.info("executor {} started (max {} sessions)", self.worker_id, self.capacity)

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            free = self.capacity - len(self._tasks)
            claimed: list[queue.Claimed] = []
            if free > 0:
                try:
                    claimed = await self._db(
                        queue.claim,
                        self.db,
                        now=self.clock.now(),
                        limit=free,
                        worker_id=self.worker_id,
                        lease_s=self.settings.lease_s,
                    )
                except Exception:
                    logger.exception("claim failed; retrying shortly")
                    await asyncio.sleep(0.5)
                    continue
            for run in claimed:
                self._tasks[run.id] = asyncio.create_task(self._execute(run), name=f"run-{run.id}")
            if claimed and len(claimed) == free:
                continue
            if not self._tasks:
                self.idle.set()
            await self._sleep_until_due()

    async def _sleep_until_due(self) -> None:
        now = self.clock.now()
        try:
            due = await self._db(queue.next_due, self.db, now)
        except Exception:
            logger.exception("reading the next due time failed")
            due = None
        timeout = _SAFETY_WAKE_S if due is None else max(0.0, min(due - now, _SAFETY_WAKE_S))
        if due is not None and due <= now + 0.001:
            # A lease lapsed or a run came due: reap, then claim again.
            await self._db(queue.reap_expired, self.db, now)
            return
        try:
            async with asyncio.timeout(timeout + 0.001):
                await self._wake.wait()
        except TimeoutError:
            if due is not None:
                await self._db(queue.reap_expired, self.db, self.clock.now())

    async def _heartbeats(self) -> None:
        interval = max(self.settings.lease_s / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            ids = list(self._tasks)
            if not ids:
                continue
            try:
                owned = await self._db(
                    queue.heartbeat,
                    self.db,
                    ids,
                    self.worker_id,
                    self.clock.now() + self.settings.lease_s,
                )
                if owned < len(ids):
                    logger.warning("{} of {} leases were lost", len(ids) - owned, len(ids))
            except Exception:
                logger.exception("heartbeat failed")

    async def _execute(self, run: queue.Claimed) -> None:
        log = logger.bind(run_id=run.id, handle=run.handle)
        log.info("run {} started ({}, attempt {})", run.id, run.type, run.attempt)
        self.idle.clear()
        try:
            async with asyncio.timeout(self.settings.run_timeout_s):
                result = await self.run_fn(run)
        except asyncio.CancelledError:
            status = await asyncio.shield(
                self._db(
                    queue.release, self.db, run.id, self.worker_id, self.clock.now(), "stopped"
                )
            )
            log.warning("run {} stopped mid-action: {}", run.id, status)
            raise
        except TouchpointError as exc:
            await self._fail(run, exc.code, exc.message, exc.retryable, exc.details, log)
        except TimeoutError:
            await self._fail(
                run,
                ErrorCode.NAVIGATION_TIMEOUT,
                f"the run took longer than {self.settings.run_timeout_s:.0f}s",
                True,
                {},
                log,
            )
        except Exception as exc:
            # Not swallowed: the run fails with the traceback kept as an artifact.
            log.exception("run {} crashed", run.id)
            names = []
            if self._artifacts_writer is not None:
                names.append(
                    self._artifacts_writer(run.id, "traceback.txt", traceback.format_exc().encode())
                )
            await self._fail(
                run,
                ErrorCode.INTERNAL_ERROR,
                f"unexpected error: {type(exc).__name__}: {exc}",
                False,
                {"artifacts": names},
                log,
            )
        else:
            done = await self._db(
                queue.complete, self.db, run.id, self.worker_id, result, self.clock.now()
            )
            if done:
                log.info("run {} completed", run.id)
            else:
                log.warning("run {} finished after its lease was lost; result dropped", run.id)
        finally:
            self._tasks.pop(run.id, None)
            self._wake.set()

    async def _fail(
        self,
        run: queue.Claimed,
        code: str,
        message: str,
        retryable: bool,
        details: dict[str, Any],
        log: Any,
    ) -> None:
        status = await self._db(
            queue.fail,
            self.db,
            run.id,
            self.worker_id,
            code=str(code),
            message=message,
            retryable=retryable,
            now=self.clock.now(),
            retry_base_s=self.settings.retry_base_s,
            artifacts=list(details.get("artifacts", [])),
        )
        log.info("run {} {}: {} {}", run.id, status, code, message)

    async def stop(self, grace_s: float | None = None) -> None:
        """Stop claiming, let running runs finish within the grace period, then interrupt them."""
        self._stopping = True
        self._wake.set()
        grace = self.settings.shutdown_grace_s if grace_s is None else grace_s
        if self._loop_task is not None:
            await asyncio.gather(self._loop_task, return_exceptions=True)
        pending = list(self._tasks.values())
        if pending:
            logger.info("waiting up to {:.0f}s for {} running runs", grace, len(pending))
            _, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
            await asyncio.gather(self._heartbeat_task, return_exceptions=True)
        self._listener.stop()
        self._db_thread.shutdown(wait=True)
        logger.info("executor {} stopped", self.worker_id)
