"""The schedule port: schedules, and turning their due fires into runs (exactly once).

A fire is identified by (schedule_id, fire_time) and its run is inserted with
`INSERT ... ON CONFLICT DO NOTHING` on the unique index uq_runs_schedule_fire, so several
pollers on one database (or one restarted mid-batch) never duplicate a fire. Pollers also
read and advance `next_fire_at` inside one write transaction per batch, so in practice they
never even try.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from loguru import logger

from openoutreach_server.clock import Clock
from openoutreach_server.errors import NotFound
from openoutreach_server.scheduling.cron import CronError, plan_fires
from openoutreach_server.store.records import (
    FireBatch,
    NewRun,
    ScheduleRecord,
    UnknownAccount,
)
from openoutreach_server.store.sql.connector import Conn, Connector
from openoutreach_server.store.sql.events import RUN_EVENT_COLUMNS, run_event
from openoutreach_server.store.sql.inserts import INSERT_FIRE, insert_values
from openoutreach_server.store.sql.rows import dumps, loads, schedule_record

Change = Callable[[ScheduleRecord], Mapping[str, Any]]
_JSON_FIELDS = frozenset({"touchpoint", "tags"})

_DUE = """
SELECT s.id, s.handle, s.type, s.touchpoint, s.cron, s.timezone, s.tags, s.dry_run,
       s.priority, s.next_fire_at, a.handle AS account
  FROM schedules s INDEXED BY ix_schedules_due
  LEFT JOIN accounts a ON a.handle = s.handle
 WHERE s.active = TRUE AND s.next_fire_at <= ?
 ORDER BY s.next_fire_at
 LIMIT ?
"""
_ADVANCE = """
UPDATE schedules SET next_fire_at = ?, last_fire_at = coalesce(?, last_fire_at),
                     fires = fires + ?, skipped_fires = skipped_fires + ?
 WHERE id = ?
"""


def _stored(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (dumps(v) if k in _JSON_FIELDS else v) for k, v in values.items()}


class SqlSchedules:
    """The schedule port over a SQL connector."""

    def __init__(
        self, db: Connector, side_effecting: Callable[[str], bool] = lambda _: False
    ) -> None:
        self.db = db
        self.side_effecting = side_effecting

    def create(self, values: Mapping[str, Any]) -> ScheduleRecord:
        """Insert a schedule (values computed by the service); UnknownAccount if its account
        does not exist."""
        stored = _stored(values)
        columns = ", ".join(stored)
        marks = ", ".join("?" * len(stored))
        with self.db.write() as conn:
            if (
                conn.execute(
                    "SELECT 1 FROM accounts WHERE handle = ?", (values["handle"],)
                ).fetchone()
                is None
            ):
                raise UnknownAccount(values["handle"])
            row = conn.execute(
                f"INSERT INTO schedules ({columns}) VALUES ({marks}) RETURNING *",
                tuple(stored.values()),
            ).fetchone()
        return schedule_record(row)

    def get(self, schedule_id: int) -> ScheduleRecord | None:
        """One schedule."""
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM schedules WHERE id = ?", (schedule_id,)).fetchone()
        return None if row is None else schedule_record(row)

    def find(
        self,
        *,
        handle: str | None = None,
        active: bool | None = None,
        cursor: int | None = None,
        limit: int = 50,
    ) -> tuple[list[ScheduleRecord], bool]:
        """Newest first, after `cursor` (the last id of the previous page); (schedules, more)."""
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (("handle = ?", handle), ("active = ?", active), ("id < ?", cursor)):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = "SELECT * FROM schedules" + (" WHERE " + " AND ".join(where) if where else "")
        with self.db.read() as conn:
            rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit + 1)).fetchall()
        return [schedule_record(r) for r in rows[:limit]], len(rows) > limit

    def update(self, schedule_id: int, change: Change) -> ScheduleRecord:
        """Apply `change(current)` in one transaction; NotFound if there is no such schedule."""
        with self.db.write() as conn:
            row = conn.execute(
                f"SELECT * FROM schedules WHERE id = ?{self.db.for_update}", (schedule_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no schedule {schedule_id}")
            changes = _stored(change(schedule_record(row)))
            assignments = ", ".join(f"{key} = ?" for key in changes)
            row = conn.execute(
                f"UPDATE schedules SET {assignments} WHERE id = ? RETURNING *",
                (*changes.values(), schedule_id),
            ).fetchone()
        return schedule_record(row)

    def delete(self, schedule_id: int, *, cancel_pending: bool, now: float) -> int:
        """Delete a schedule (its runs stay, still carrying its id); with `cancel_pending`,
        cancel its pending runs in the same transaction. Returns how many were canceled."""
        with self.db.write() as conn:
            if conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,)).rowcount == 0:
                raise NotFound(f"no schedule {schedule_id}")
            if not cancel_pending:
                return 0
            rows = conn.execute(
                "UPDATE runs SET status = 'canceled', error_code = 'CANCELED', error = ?,"
                " retryable = FALSE, completed_at = ?"
                f" WHERE schedule_id = ? AND status = 'pending' RETURNING {RUN_EVENT_COLUMNS}",
                ("its schedule was deleted", now, schedule_id),
            ).fetchall()
            for row in rows:
                run_event(conn, row, now)
            return len(rows)

    def _fire_rows(
        self, conn: Conn, rows: list[Any], now: float, grace_s: float, max_attempts: int
    ) -> FireBatch:
        fired_total = skipped_total = 0
        updates: list[tuple[Any, ...]] = []
        for row in rows:
            sid = int(row["id"])
            try:
                plan = (
                    None
                    if row["account"] is None
                    else plan_fires(row["cron"], row["timezone"], row["next_fire_at"], now, grace_s)
                )
            except CronError as exc:
                logger.warning("schedule {} paused: {}", sid, exc)
                plan = None
            if plan is None:
                # Its account was deleted, or its cron cannot fire: it could only ever queue
                # runs nobody can execute.
                conn.execute(
                    "UPDATE schedules SET active = FALSE, next_fire_at = NULL WHERE id = ?", (sid,)
                )
                if row["account"] is None:
                    logger.warning("schedule {} paused: account {} is gone", sid, row["handle"])
                continue
            fired = 0
            if plan.fire_time is not None:
                new = NewRun(
                    handle=row["handle"],
                    type=row["type"],
                    touchpoint=loads(row["touchpoint"], {}),
                    side_effecting=self.side_effecting(row["type"]),
                    dry_run=bool(row["dry_run"]),
                    priority=row["priority"],
                    tags=loads(row["tags"], []),
                    max_attempts=max_attempts,
                )
                values = (*insert_values(new, now), sid, plan.fire_time)
                fired = int(conn.execute(INSERT_FIRE, values).fetchone() is not None)
            fired_total += fired
            skipped_total += plan.skipped
            last = plan.fire_time if fired else None
            updates.append((plan.next_fire_at, last, fired, plan.skipped, sid))
        if updates:
            conn.executemany(_ADVANCE, updates)
        return FireBatch(fired=fired_total, skipped=skipped_total, schedules=len(rows))

    def fire_due(self, clock: Clock, *, grace_s: float, max_attempts: int, batch: int) -> FireBatch:
        """Handle up to `batch` due schedules in one write transaction.

        `now` is read once the write transaction holds its lock, so a run's created_at minus
        its fire_time is the true lateness of the fire.
        """
        with self.db.write() as conn:
            now = clock.now()
            rows = conn.execute(_DUE + self.db.due_lock, (now, batch)).fetchall()
            if not rows:
                return FireBatch()
            return self._fire_rows(conn, rows, now, grace_s, max_attempts)

    def next_due(self) -> float | None:
        """The earliest next fire of an active schedule."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT next_fire_at FROM schedules INDEXED BY ix_schedules_due"
                " WHERE active = TRUE AND next_fire_at IS NOT NULL ORDER BY next_fire_at LIMIT 1"
            ).fetchone()
        return None if row is None else float(row["next_fire_at"])
