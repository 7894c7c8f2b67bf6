"""The run service: queue touchpoints, read runs with why they wait, cancel them.

No SQL here; the waiting reason comes from the same decision the claim makes
(dispatch/decide.py), evaluated by the store on the data it holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from openoutreach_server.context import ServerContext
from openoutreach_server.errors import NotFound
from openoutreach_server.schemas import RunOut, RunPage, to_datetime
from openoutreach_server.store.records import NewRun, RunFilter, RunRecord
from openoutreach_server.store.sql.runs import request_hash

__all__ = ["cancel", "cancel_many", "enqueue", "get", "list_page", "render", "request_hash"]


def to_out(run: RunRecord, reason: str | None = None) -> RunOut:
    """The public view of a run."""
    started, completed = run.started_at, run.completed_at
    duration = round((completed - started) * 1000) if started and completed else None
    # model_construct: the record comes from our own database, so validating it again would
    # only cost time on the hot path (POST /runs answers with this).
    return RunOut.model_construct(
        run_id=run.id,
        handle=run.handle,
        touchpoint=run.touchpoint,
        status=run.status,
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
        tags=run.tags,
        created_at=to_datetime(run.created_at),
        started_at=to_datetime(started),
        completed_at=to_datetime(completed),
        duration_ms=duration,
        artifacts=run.artifacts,
        schedule_id=run.schedule_id,
        fire_time=to_datetime(run.fire_time),
    )


def render(ctx: ServerContext, runs: Sequence[RunRecord]) -> list[RunOut]:
    """Runs with the waiting reason of those still pending."""
    now = ctx.clock.now()
    live_since = now - ctx.settings.worker_stale_s
    reasons = ctx.store.runs.waiting_reasons(runs, now, ctx.rules, live_since=live_since)
    return [to_out(run, reasons.get(run.id)) for run in runs]


def enqueue(
    ctx: ServerContext,
    new: NewRun,
    *,
    idempotency_key: str | None = None,
    body_hash: str | None = None,
) -> tuple[RunOut, bool]:
    """Queue one run (or return the earlier run of the same Idempotency-Key); wakes workers."""
    run, created = ctx.store.runs.enqueue(
        new, ctx.clock.now(), idempotency_key=idempotency_key, body_hash=body_hash
    )
    if created:
        ctx.notify()
    return render(ctx, [run])[0], created


def get(ctx: ServerContext, run_id: int) -> RunOut:
    """One run with its waiting reason (NotFound)."""
    run = ctx.store.runs.get(run_id)
    if run is None:
        raise NotFound(f"no run {run_id}")
    return render(ctx, [run])[0]


def list_page(ctx: ServerContext, filter_: RunFilter, *, cursor: int | None, limit: int) -> RunPage:
    """Newest first; the cursor is the last run id of the previous page."""
    runs, more = ctx.store.runs.find(filter_, cursor=cursor, limit=limit)
    next_cursor = str(runs[-1].id) if more and runs else None
    return RunPage(items=render(ctx, runs), next_cursor=next_cursor)


def cancel(ctx: ServerContext, run_id: int) -> RunOut:
    """Cancel a pending run (NotFound; NotCancelable once it started)."""
    run = ctx.store.runs.cancel(run_id, ctx.clock.now())
    if run is None:
        raise NotFound(f"no run {run_id}")
    return to_out(run)


def cancel_many(ctx: ServerContext, filter_: RunFilter) -> list[int]:
    """Cancel every pending run matching the filter, in one transaction."""
    return ctx.store.runs.cancel_many(filter_, ctx.clock.now(), "canceled by the client (bulk)")
