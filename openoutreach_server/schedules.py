"""Schedules as clients see them: create, read, list, change, delete (plain SQL)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from openoutreach_server.scheduling.cron import CronError, check_interval, next_fire
from openoutreach_server.schemas import ScheduleOut, SchedulePage, to_datetime


class NeverFires(ValueError):
    """The cron expression has no fire in the future (e.g. 30 February)."""


def to_out(row: sqlite3.Row) -> ScheduleOut:
    """The public view of a schedule row."""
    return ScheduleOut(
        schedule_id=row["id"],
        handle=row["handle"],
        touchpoint=json.loads(row["touchpoint"]),
        cron=row["cron"],
        timezone=row["timezone"],
        tags=json.loads(row["tags"] or "[]"),
        active=bool(row["active"]),
        dry_run=bool(row["dry_run"]),
        priority=row["priority"],
        next_fire_at=to_datetime(row["next_fire_at"]),
        last_fire_at=to_datetime(row["last_fire_at"]),
        fires=row["fires"],
        skipped_fires=row["skipped_fires"],
        created_at=to_datetime(row["created_at"]),  # type: ignore[arg-type]
        updated_at=to_datetime(row["updated_at"]),  # type: ignore[arg-type]
    )


def first_fire(cron: str, tz: str, now: float, min_interval_s: float = 0.0) -> float:
    """The next fire after `now`; raises NeverFires for an expression that cannot fire, or
    that fires more often than `min_interval_s`."""
    try:
        check_interval(cron, tz, now, min_interval_s)
        return next_fire(cron, tz, now)
    except CronError as exc:
        raise NeverFires(str(exc)) from exc


def create(
    conn: sqlite3.Connection, fields: dict[str, Any], now: float, min_interval_s: float = 0.0
) -> sqlite3.Row:
    """Insert a schedule (fields already validated); the first fire is strictly after now."""
    active = bool(fields["active"])
    nxt = first_fire(fields["cron"], fields["timezone"], now, min_interval_s)
    row: sqlite3.Row = conn.execute(
        "INSERT INTO schedules (handle, type, touchpoint, cron, timezone, tags, dry_run,"
        " priority, active, created_at, updated_at, next_fire_at, fires, skipped_fires)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0) RETURNING *",
        (
            fields["handle"],
            fields["touchpoint"]["type"],
            json.dumps(fields["touchpoint"], ensure_ascii=False),
            fields["cron"],
            fields["timezone"],
            json.dumps(fields["tags"], ensure_ascii=False),
            bool(fields["dry_run"]),
            fields["priority"],
            active,
            now,
            now,
            nxt if active else None,
        ),
    ).fetchone()
    return row


def get(conn: sqlite3.Connection, schedule_id: int) -> sqlite3.Row | None:
    """One schedule row."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM schedules WHERE id = ?", (schedule_id,)
    ).fetchone()
    return row


def patch(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    changes: dict[str, Any],
    now: float,
    min_interval_s: float = 0.0,
) -> sqlite3.Row:
    """Apply validated changes; the next fire is recomputed from now when timing changed.

    Fires that fell while a schedule was paused are not made up on resume.
    """
    cron = changes.get("cron", row["cron"])
    tz = changes.get("timezone", row["timezone"])
    active = bool(changes.get("active", row["active"]))
    timing = any(k in changes for k in ("cron", "timezone")) or active != bool(row["active"])
    next_fire_at = row["next_fire_at"]
    if not active:
        next_fire_at = None
    elif timing or next_fire_at is None:
        next_fire_at = first_fire(cron, tz, now, min_interval_s)
    sets: dict[str, Any] = {
        "cron": cron,
        "timezone": tz,
        "active": active,
        "next_fire_at": next_fire_at,
        "updated_at": now,
    }
    if "touchpoint" in changes:
        sets["touchpoint"] = json.dumps(changes["touchpoint"], ensure_ascii=False)
        sets["type"] = changes["touchpoint"]["type"]
    if "tags" in changes:
        sets["tags"] = json.dumps(changes["tags"], ensure_ascii=False)
    for key in ("dry_run", "priority"):
        if key in changes:
            sets[key] = changes[key]
    assignments = ", ".join(f"{key} = ?" for key in sets)
    updated: sqlite3.Row = conn.execute(
        f"UPDATE schedules SET {assignments} WHERE id = ? RETURNING *",
        (*sets.values(), row["id"]),
    ).fetchone()
    return updated


def delete(conn: sqlite3.Connection, schedule_id: int) -> bool:
    """Delete a schedule; its runs (past and pending) stay, still carrying its id."""
    return conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,)).rowcount > 0


def list_page(
    conn: sqlite3.Connection,
    *,
    handle: str | None = None,
    active: bool | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> SchedulePage:
    """Newest first; the cursor is the last schedule id of the previous page."""
    where: list[str] = []
    params: list[Any] = []
    for clause, value in (("handle = ?", handle), ("active = ?", active), ("id < ?", cursor)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = "SELECT * FROM schedules"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit + 1)).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return SchedulePage(
        items=[to_out(r) for r in rows], next_cursor=str(rows[-1]["id"]) if more and rows else None
    )
