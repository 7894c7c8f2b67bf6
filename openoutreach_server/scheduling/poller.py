"""The schedule poller: turns each due cron fire into exactly one run.

Cron semantics (DST, six fields, coalescing) are in cron.py.

Exactly once. A fire is identified by (schedule_id, fire_time) and its run is inserted
with `queue.enqueue_fire`, which a partial unique index makes a no-op the second time, so
several pollers on one database (or one restarted mid-batch) never duplicate a fire.
Pollers also read and advance `next_fire_at` inside one `BEGIN IMMEDIATE` transaction per
batch, so in practice they never even try.

Downtime. Missed fires coalesce (cron.plan_fires) within `OO_SCHEDULE_GRACE_S`; the others
are counted in `skipped_fires`.

Wake-ups. The poller sleeps until the earliest `next_fire_at` of active schedules (one
indexed lookup), woken early by `wake()` (API changes in this process) and by a datagram
on its own socket in `$OO_DATA_DIR/wake/schedules/` (API changes in another process).
Run enqueues poke only the executors' sockets in `$OO_DATA_DIR/wake/`, so the busy
enqueue path never wakes pollers.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from loguru import logger

from linkedin.touchpoints.models import SIDE_EFFECTING
from openoutreach_server import queue
from openoutreach_server.clock import Clock, SystemClock
from openoutreach_server.config import Settings
from openoutreach_server.db.engine import Database
from openoutreach_server.scheduling.cron import CronError, plan_fires
from openoutreach_server.wake import WakeListener, poke_all

T = TypeVar("T")
# Safety net against a lost wake-up or a wall-clock jump, not the firing mechanism.
_SAFETY_WAKE_S = 30.0
# Schedules handled per write transaction: short enough not to hold the lock for long.
BATCH = 500


_DUE = """
SELECT s.id, s.handle, s.type, s.touchpoint, s.cron, s.timezone, s.tags, s.dry_run,
       s.priority, s.next_fire_at, a.handle IS NOT NULL AS account_exists
  FROM schedules s INDEXED BY ix_schedules_due
  LEFT JOIN accounts a ON a.handle = s.handle
 WHERE s.active = 1 AND s.next_fire_at <= ?
 ORDER BY s.next_fire_at
 LIMIT ?
"""

_ADVANCE = """
UPDATE schedules SET next_fire_at = ?, last_fire_at = coalesce(?, last_fire_at),
                     fires = fires + ?, skipped_fires = skipped_fires + ?
 WHERE id = ?
"""


@dataclass
class BatchResult:
    """What one batch did."""

    fired: int = 0
    skipped: int = 0
    schedules: int = 0


def _fire_rows(
    conn: sqlite3.Connection,
    rows: list[sqlite3.Row],
    now: float,
    grace_s: float,
    max_attempts: int,
) -> BatchResult:
    result = BatchResult(schedules=len(rows))
    updates: list[tuple[Any, ...]] = []
    for row in rows:
        if not row["account_exists"]:
            # Its account was deleted: it could only ever queue runs nobody can execute.
            conn.execute(
                "UPDATE schedules SET active = 0, next_fire_at = NULL WHERE id = ?", (row["id"],)
            )
            logger.warning("schedule {} paused: account {} is gone", row["id"], row["handle"])
            continue
        try:
            plan = plan_fires(row["cron"], row["timezone"], row["next_fire_at"], now, grace_s)
        except CronError as exc:
            conn.execute(
                "UPDATE schedules SET active = 0, next_fire_at = NULL WHERE id = ?", (row["id"],)
            )
            logger.warning("schedule {} paused: {}", row["id"], exc)
            continue
        fired = 0
        if plan.fire_time is not None:
            new = queue.NewRun(
                handle=row["handle"],
                type=row["type"],
                touchpoint=json.loads(row["touchpoint"]),
                side_effecting=row["type"] in SIDE_EFFECTING,
                dry_run=bool(row["dry_run"]),
                priority=row["priority"],
                tags=json.loads(row["tags"] or "[]"),
                max_attempts=max_attempts,
            )
            fired = queue.enqueue_fire(conn, new, row["id"], plan.fire_time, now) is not None
        result.fired += fired
        result.skipped += plan.skipped
        updates.append(
            (plan.next_fire_at, plan.fire_time if fired else None, fired, plan.skipped, row["id"])
        )
    conn.executemany(_ADVANCE, updates)
    return result


def fire_due(
    db: Database, clock: Clock, *, grace_s: float, max_attempts: int, batch: int = BATCH
) -> BatchResult:
    """Handle up to `batch` due schedules in one write transaction.

    `now` is read once the write lock is held, so a run's created_at minus its fire_time
    is the true lateness of the fire.
    """
    with db.raw_write() as conn:
        now = clock.now()
        rows = conn.execute(_DUE, (now, batch)).fetchall()
        if not rows:
            return BatchResult()
        return _fire_rows(conn, rows, now, grace_s, max_attempts)


def next_due(db: Database) -> float | None:
    """The earliest next fire of an active schedule."""
    with db.raw_read() as conn:
        row = conn.execute(
            "SELECT next_fire_at FROM schedules INDEXED BY ix_schedules_due"
            " WHERE active = 1 AND next_fire_at IS NOT NULL ORDER BY next_fire_at LIMIT 1"
        ).fetchone()
    return None if row is None else float(row[0])


def wake_dir(settings: Settings) -> Path:
    """Where pollers bind their sockets: apart from the executors', see the module doc."""
    return settings.wake_dir / "schedules"


def poke_pollers(settings: Settings) -> None:
    """Wake the pollers of every process: schedules changed."""
    poke_all(wake_dir(settings))


class Scheduler:
    """The poller: fires due schedules, then sleeps until the next fire or a wake-up."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock | None = None,
        notify: Callable[[], None] | None = None,
        name: str | None = None,
        batch: int = BATCH,
    ) -> None:
        self.db = db
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
        self._listener = WakeListener(wake_dir(settings), self.name)
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
                fire_due,
                self.db,
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
        return await self._db(next_due, self.db)

    async def start(self) -> None:
        """Start the loop (fires missed while down are handled on the first tick)."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._listener.start(self._wake)
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
        self._listener.stop()
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
