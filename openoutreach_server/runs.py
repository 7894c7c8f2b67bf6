"""Runs as clients see them: rendering, waiting reasons, listing with cursors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select, text
from sqlalchemy.orm import Session

from openoutreach_server.db.models import Account, Run
from openoutreach_server.schemas import RunOut, RunPage, to_datetime


def _fmt(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def waiting_reason(
    s: Session, run: Run, now: float, cache: dict[str, Any] | None = None
) -> str | None:
    """Why a pending run has not started yet, derived from the database (never stored)."""
    if run.status != "pending":
        return None
    if run.not_before > now:
        if run.error_code and run.attempt > 0:
            return f"retry after {run.error_code}: not before {_fmt(run.not_before)}"
        return f"not_before: starts at {_fmt(run.not_before)}"
    cache = {} if cache is None else cache
    key = f"acct:{run.handle}"
    if key not in cache:
        cache[key] = s.get(Account, run.handle)
    account: Account | None = cache[key]
    if account is None:
        return "account does not exist"
    if account.status != "active" and run.type != "login":
        reason = f": {account.status_reason}" if account.status_reason else ""
        return f"account {account.status}{reason}"
    busy_key = f"busy:{run.handle}"
    if busy_key not in cache:
        cache[busy_key] = s.scalars(
            select(Run.id).where(Run.handle == run.handle, Run.status == "running")
        ).first()
    if cache[busy_key] is not None:
        return f"account busy with run {cache[busy_key]}"
    ahead = s.scalar(
        select(func.count())
        .select_from(Run)
        .where(
            Run.handle == run.handle,
            Run.status == "pending",
            Run.not_before <= now,
            (Run.priority > run.priority) | ((Run.priority == run.priority) & (Run.id < run.id)),
        )
    )
    if ahead:
        return f"queued behind {ahead} run(s) of this account"
    return "ready: waiting for a free session or a worker"


def to_out(run: Run, reason: str | None = None) -> RunOut:
    """The public view of a run."""
    duration = None
    if run.started_at is not None and run.completed_at is not None:
        duration = round((run.completed_at - run.started_at) * 1000)
    return RunOut(
        run_id=run.id,
        handle=run.handle,
        touchpoint=run.touchpoint,
        status=run.status,  # type: ignore[arg-type]
        dry_run=run.dry_run,
        result=run.result,
        error_code=run.error_code,
        error=run.error,
        retryable=run.retryable,
        attempt=run.attempt,
        max_attempts=run.max_attempts,
        priority=run.priority,
        waiting_reason=reason,
        not_before=to_datetime(run.not_before),
        tags=list(run.tags or []),
        created_at=to_datetime(run.created_at),  # type: ignore[arg-type]
        started_at=to_datetime(run.started_at),
        completed_at=to_datetime(run.completed_at),
        duration_ms=duration,
        artifacts=list(run.artifacts or []),
    )


def get(s: Session, run_id: int, now: float) -> RunOut | None:
    """One run with its waiting reason."""
    run = s.get(Run, run_id)
    return None if run is None else to_out(run, waiting_reason(s, run, now))


def list_page(
    s: Session,
    now: float,
    *,
    handle: str | None = None,
    status: str | None = None,
    type_: str | None = None,
    tag: str | None = None,
    created_after: float | None = None,
    created_before: float | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> RunPage:
    """Newest first; the cursor is the last run id of the previous page."""
    conditions = []
    if handle is not None:
        conditions.append(Run.handle == handle)
    if status is not None:
        conditions.append(Run.status == status)
    if type_ is not None:
        conditions.append(Run.type == type_)
    if tag is not None:
        each = func.json_each(Run.tags).table_valued("value")
        conditions.append(exists(select(text("1")).select_from(each).where(each.c.value == tag)))
    if created_after is not None:
        conditions.append(Run.created_at >= created_after)
    if created_before is not None:
        conditions.append(Run.created_at < created_before)
    if cursor is not None:
        conditions.append(Run.id < cursor)
    query = select(Run).order_by(Run.id.desc()).limit(limit + 1)
    if conditions:
        query = query.where(and_(*conditions))
    rows = list(s.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    cache: dict[str, Any] = {}
    items = [to_out(r, waiting_reason(s, r, now, cache)) for r in rows]
    return RunPage(items=items, next_cursor=str(rows[-1].id) if more and rows else None)
