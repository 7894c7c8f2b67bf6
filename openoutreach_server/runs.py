"""Runs as clients see them: rendering, waiting reasons, listing with cursors."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from openoutreach_server import queue, safety
from openoutreach_server.schemas import RunOut, RunPage, to_datetime

# "queued behind N runs" stops counting here: the count must not cost more per request
# as an account's backlog grows.
_AHEAD_CAP = 100


def _fmt(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def waiting_reason(
    conn: sqlite3.Connection,
    run: sqlite3.Row,
    now: float,
    cache: dict[str, Any] | None = None,
    rules: safety.SafetySettings | None = None,
) -> str | None:
    """Why a pending run has not started yet, derived from the database (never stored)."""
    if run["status"] != "pending":
        return None
    if run["not_before"] > now:
        if run["error_code"] and run["attempt"] > 0:
            return f"retry after {run['error_code']}: not before {_fmt(run['not_before'])}"
        return f"not_before: starts at {_fmt(run['not_before'])}"
    cache = {} if cache is None else cache
    handle = run["handle"]
    key = f"acct:{handle}"
    if key not in cache:
        cache[key] = conn.execute("SELECT * FROM accounts WHERE handle = ?", (handle,)).fetchone()
    account = cache[key]
    if account is None:
        return "account does not exist"
    if account["status"] != "active" and run["type"] != "login":
        reason = f": {account['status_reason']}" if account["status_reason"] else ""
        return f"account {account['status']}{reason}"
    busy_key = f"busy:{handle}"
    if busy_key not in cache:
        busy = conn.execute(
            "SELECT id FROM runs WHERE handle = ? AND status = 'running'", (handle,)
        ).fetchone()
        cache[busy_key] = busy[0] if busy else None
    if cache[busy_key] is not None:
        return f"account busy with run {cache[busy_key]}"
    state = queue.account_safety(account) if run["type"] != "login" else None
    if state is not None:
        hold = safety.account_hold(state, now)
        if hold is not None:
            return _held(hold)
    # Walk the account's queue in claim order, at most _AHEAD_CAP entries.
    ahead = 0
    for other in conn.execute(
        "SELECT id, not_before FROM runs INDEXED BY ix_runs_claim"
        " WHERE handle = ? AND status = 'pending' ORDER BY priority DESC, id LIMIT ?",
        (handle, _AHEAD_CAP + 1),
    ):
        if other["id"] == run["id"]:
            break
        ahead += other["not_before"] <= now
    else:
        return f"queued behind {_AHEAD_CAP}+ runs of this account"
    if ahead:
        return f"queued behind {ahead} run(s) of this account"
    if state is not None:
        # Only the front of the queue needs its touchpoint's caps and cool-down checked.
        rules = rules or safety.SafetySettings()
        capped = safety.caps_for(state, run["type"], now, rules)
        starts = queue.counted_starts(conn, handle, run["type"], now) if capped else []
        hold = safety.touchpoint_hold(state, run["type"], now, rules, starts)
        if hold is not None:
            return _held(hold)
    return "ready: waiting for a free session or a worker"


def _held(hold: safety.Hold) -> str:
    when = f"; expected to start at {_fmt(hold.until)}" if hold.until else ""
    return f"{hold.reason}{when}"


def to_out(row: sqlite3.Row, reason: str | None = None) -> RunOut:
    """The public view of a run row."""
    started, completed = row["started_at"], row["completed_at"]
    duration = round((completed - started) * 1000) if started and completed else None
    retryable = row["retryable"]
    # model_construct: the row comes from our own database, so validating it again would
    # only cost time on the hot path (POST /runs answers with this).
    return RunOut.model_construct(
        run_id=row["id"],
        handle=row["handle"],
        touchpoint=json.loads(row["touchpoint"]),
        status=row["status"],
        dry_run=bool(row["dry_run"]),
        result=json.loads(row["result"]) if row["result"] else None,
        error_code=row["error_code"],
        error=row["error"],
        retryable=None if retryable is None else bool(retryable),
        attempt=row["attempt"],
        max_attempts=row["max_attempts"],
        priority=row["priority"],
        waiting_reason=reason,
        not_before=to_datetime(row["not_before"]),
        tags=json.loads(row["tags"] or "[]"),
        created_at=to_datetime(row["created_at"]),
        started_at=to_datetime(started),
        completed_at=to_datetime(completed),
        duration_ms=duration,
        artifacts=json.loads(row["artifacts"] or "[]"),
        schedule_id=row["schedule_id"],
        fire_time=to_datetime(row["fire_time"]),
    )


def render(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    now: float,
    rules: safety.SafetySettings | None = None,
) -> RunOut:
    """A run row with its waiting reason."""
    return to_out(row, waiting_reason(conn, row, now, rules=rules))


def get(
    conn: sqlite3.Connection, run_id: int, now: float, rules: safety.SafetySettings | None = None
) -> RunOut | None:
    """One run with its waiting reason."""
    row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    return None if row is None else render(conn, row, now, rules)


def list_page(
    conn: sqlite3.Connection,
    now: float,
    *,
    handle: str | None = None,
    status: str | None = None,
    type_: str | None = None,
    tag: str | None = None,
    created_after: float | None = None,
    created_before: float | None = None,
    schedule_id: int | None = None,
    cursor: int | None = None,
    limit: int = 50,
    rules: safety.SafetySettings | None = None,
) -> RunPage:
    """Newest first; the cursor is the last run id of the previous page."""
    where: list[str] = []
    params: list[Any] = []
    for clause, value in (
        ("handle = ?", handle),
        ("status = ?", status),
        ("type = ?", type_),
        ("EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE value = ?)", tag),
        ("created_at >= ?", created_after),
        ("created_at < ?", created_before),
        ("schedule_id = ?", schedule_id),
        ("id < ?", cursor),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = "SELECT * FROM runs"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit + 1)).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    cache: dict[str, Any] = {}
    items = [to_out(r, waiting_reason(conn, r, now, cache, rules)) for r in rows]
    return RunPage(items=items, next_cursor=str(rows[-1]["id"]) if more and rows else None)
