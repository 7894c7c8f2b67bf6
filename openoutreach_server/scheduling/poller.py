"""The schedule poller: turns each due cron fire into exactly one run.

Cron semantics (DST, six fields, coalescing) are in cron.py.

Exactly once: see the store's schedule port (a unique index on (schedule_id, fire_time)).

Downtime. Missed fires coalesce (cron.plan_fires) within `OO_SCHEDULE_GRACE_S`; the others
are counted in `skipped_fires`.

Wake-ups. The poller sleeps until the earliest `next_fire_at` of active schedules (one
indexed lookup), woken early by `wake()` (API changes in this process) and by the
notifier's SCHEDULES channel (API changes in another process); run enqueues notify only
the RUNS channel, so the busy enqueue path never wakes pollers.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from loguru import logger

from openoutreach_server.clock import Clock, SystemClock
from openoutreach_server.config import Settings
from openoutreach_server.store import Store
from openoutreach_server.store.notifier import SCHEDULES, Listening

T = TypeVar("T")
# Safety net against a lost wake-up or a wall-clock jump, not the firing mechanism.
_SAFETY_WAKE_S = 30.0
# Schedules handled per write transaction: short enough not to hold the lock for long.
BATCH = 500


class Scheduler:
    """The poller: fires due schedules, then sleeps until the next fire or a wake-up."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        clock: Clock | None = None,
        notify: Callable[[], None] | None = None,
        name: str | None = None,
        batch: int = BATCH,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock or SystemClock()
        self.notify = notify
        self.name = name or f"s{os.getpid()}-{secrets.token_hex(3)}"
        self.batch = batch
        self.fired = 0
        self.skipped = 0
        self.ticks = 0
        self.idle = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._listening: Listening | None = None
        # SQLite work off the event loop, on one thread (its croniter cache lives there).
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oo-sched")

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_thread, partial(fn, *args, **kwargs))

    def wake(self) -> None:
        """Look at the schedules now (they changed); safe from any thread."""
        if self._loop is None or threading.get_ident() == self._loop_thread:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def tick(self) -> float | None:
        """Fire everything due at the clock's now; returns the next fire time, if any."""
        while True:
            result = await self._db(
                self.store.schedules.fire_due,
                self.clock,
                grace_s=self.settings.schedule_grace_s,
                max_attempts=self.settings.max_attempts,
                batch=self.batch,
            )
            self.fired += result.fired
            self.skipped += result.skipped
            if result.fired and self.notify is not None:
                self.notify()  # executors claim the new runs at once
            if result.skipped:
                logger.info("skipped {} missed schedule fires", result.skipped)
            if result.schedules < self.batch:
                break
        self.ticks += 1
        return await self._db(self.store.schedules.next_due)

    async def start(self) -> None:
        """Start the loop (fires missed while down are handled on the first tick)."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._listening = self.store.notifier.listen(self.name, {SCHEDULES: self._wake.set})
        self._task = asyncio.create_task(self._run(), name="oo-scheduler")
        logger.info("scheduler {} started", self.name)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                due = await self.tick()
            except Exception:
                logger.exception("firing schedules failed; retrying")
                due = self.clock.now() + 1.0
            self.idle.set()
            if self._wake.is_set():
                continue
            timeout = _SAFETY_WAKE_S
            if due is not None:
                # The 1 ms margin keeps a timer that rounds down from waking just before
                # the fire and going round once for nothing.
                timeout = max(min(due - self.clock.now(), _SAFETY_WAKE_S), 0.0) + 0.001
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def stop(self) -> None:
        """Stop the loop; a batch in progress commits or rolls back as a whole."""
        self._stopping = True
        if self._listening is not None:
            self._listening.stop()
            self._listening = None
        if self._task is not None:
            self._wake.set()
            try:
                async with asyncio.timeout(10):
                    await self._task
            except TimeoutError:
                self._task.cancel()
            self._task = None
        self._db_thread.shutdown(wait=True)
        logger.info(
            "scheduler {} stopped ({} fires, {} skipped)", self.name, self.fired, self.skipped
        )
