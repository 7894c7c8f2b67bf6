"""Run endpoints: enqueue (idempotent), get, list, cancel, artifacts."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from linkedin.touchpoints.models import (
    SIDE_EFFECTING,
    TOUCHPOINT_TYPES,
    AnyTouchpoint,
    check_linkedin_url,
)
from linkedin.touchpoints.runner import supported_types
from openoutreach_server import queue, runs
from openoutreach_server.api.deps import MAX_ID, Ctx, RunId
from openoutreach_server.api.problems import ApiError
from openoutreach_server.schemas import RunCreate, RunOut, RunPage, RunStatus

router = APIRouter(prefix="/runs", tags=["runs"])
_ARTIFACT_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$"


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422, "Invalid input", f"{field}: {message}", errors=[{"field": field, "message": message}]
    )


def check_touchpoint(touchpoint: AnyTouchpoint, base_url: str) -> None:
    """422 unless the touchpoint is implemented and every URL in it is on the LinkedIn host."""
    if touchpoint.type not in supported_types():
        raise _invalid("touchpoint.type", f"{touchpoint.type!r} is not implemented yet")
    errors = []
    for field, url in touchpoint.linkedin_urls().items():
        try:
            check_linkedin_url(url, base_url)
        except ValueError as exc:
            errors.append({"field": f"touchpoint.{field}", "message": str(exc)})
    if errors:
        raise ApiError(
            422, "Invalid input", "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors
        )


@router.post(
    "",
    response_model=RunOut,
    status_code=201,
    summary="Queue a touchpoint",
    responses={
        200: {"model": RunOut, "description": "Replay of an Idempotency-Key: the earlier run"},
        409: {"description": "Idempotency-Key reused with another body"},
        422: {"description": "Invalid input; the field is named"},
    },
)
async def create_run(
    ctx: Ctx,
    body: RunCreate,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> Response:
    """Queue one run; the same Idempotency-Key with the same body returns the same run."""
    touchpoint = body.touchpoint
    check_touchpoint(touchpoint, ctx.settings.linkedin_base_url)
    new = queue.NewRun(
        handle=body.handle,
        type=touchpoint.type,
        touchpoint=touchpoint.model_dump(mode="json"),
        side_effecting=touchpoint.type in SIDE_EFFECTING,
        dry_run=body.dry_run,
        priority=body.priority,
        not_before=body.not_before.timestamp() if body.not_before else None,
        tags=body.tags,
        callback_url=body.callback_url,
        on_quota=body.on_quota,
        max_attempts=ctx.settings.max_attempts,
    )
    digest = queue.request_hash(body.model_dump(mode="json")) if idempotency_key else None
    # SQLite waits for the write lock: never on the event loop, which must keep answering.
    out, created = await asyncio.to_thread(_enqueue, ctx, new, idempotency_key, digest)
    if created:
        ctx.notify()
    # Already a RunOut: skip FastAPI's second validation of the response.
    return Response(
        out.model_dump_json(), status_code=201 if created else 200, media_type="application/json"
    )


def _enqueue(
    ctx: Ctx, new: queue.NewRun, idempotency_key: str | None, digest: str | None
) -> tuple[RunOut, bool]:
    now = ctx.clock.now()
    with ctx.db.raw_write() as conn:
        if (
            conn.execute("SELECT 1 FROM accounts WHERE handle = ?", (new.handle,)).fetchone()
            is None
        ):
            raise _invalid("handle", f"no account {new.handle!r}; create it with POST /accounts")
        try:
            row, created = queue.enqueue_in(
                conn, new, now, idempotency_key=idempotency_key, body_hash=digest
            )
        except queue.IdempotencyConflict as exc:
            raise ApiError(
                409,
                "Conflict",
                f"Idempotency-Key was already used for run {exc.run_id} with a different body",
            ) from exc
        return runs.render(conn, row, now, ctx.rules), created


@router.get("/{run_id}", response_model=RunOut, summary="Get a run")
def get_run(ctx: Ctx, run_id: RunId) -> RunOut:
    """One run, with `waiting_reason` while it is pending."""
    with ctx.db.raw_read() as conn:
        out = runs.get(conn, run_id, ctx.clock.now(), ctx.rules)
    if out is None:
        raise ApiError(404, "Not found", f"no run {run_id}")
    return out


@router.get("", response_model=RunPage, summary="List runs (newest first)")
def list_runs(
    ctx: Ctx,
    handle: str | None = None,
    status: RunStatus | None = None,
    type: Annotated[str | None, Query(description="Touchpoint type, or `login`")] = None,
    tag: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    schedule_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Runs queued by this schedule")
    ] = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> RunPage:
    """Filter by handle, status, type, tag, schedule and creation time; follow `next_cursor`."""
    if type is not None and type not in (*TOUCHPOINT_TYPES, queue.LOGIN_TYPE):
        raise _invalid("type", f"unknown type; one of {', '.join(TOUCHPOINT_TYPES)}, login")
    with ctx.db.raw_read() as conn:
        return runs.list_page(
            conn,
            ctx.clock.now(),
            handle=handle,
            status=status,
            type_=type,
            tag=tag,
            created_after=created_after.timestamp() if created_after else None,
            created_before=created_before.timestamp() if created_before else None,
            schedule_id=schedule_id,
            cursor=int(cursor) if cursor else None,
            limit=limit,
            rules=ctx.rules,
        )


@router.post(
    "/{run_id}/cancel",
    response_model=RunOut,
    summary="Cancel a pending run",
    responses={409: {"description": "The run already started or ended"}},
)
def cancel_run(ctx: Ctx, run_id: RunId) -> RunOut:
    """Cancel a run that has not started; a running action is never cut off halfway."""
    try:
        row = queue.cancel(ctx.db, run_id, ctx.clock.now())
    except queue.NotCancelable as exc:
        raise ApiError(409, "Conflict", str(exc)) from exc
    if row is None:
        raise ApiError(404, "Not found", f"no run {run_id}")
    return runs.to_out(row)


@router.get("/{run_id}/artifacts/{name}", summary="Download a failure artifact")
def get_artifact(
    ctx: Ctx, run_id: RunId, name: Annotated[str, PathParam(pattern=_ARTIFACT_NAME)]
) -> FileResponse:
    """A screenshot, page HTML, trace or traceback kept by a failed run."""
    with ctx.db.raw_read() as conn:
        out = runs.get(conn, run_id, ctx.clock.now(), ctx.rules)
    if out is None or name not in out.artifacts:
        raise ApiError(404, "Not found", f"run {run_id} has no artifact {name!r}")
    path = Path(ctx.settings.artifacts_dir) / str(run_id) / name
    if not path.is_file():
        raise ApiError(404, "Not found", f"artifact {name!r} was pruned")
    # Always a download, never rendered: page.html is LinkedIn's page with its scripts.
    return FileResponse(
        path,
        filename=name,
        content_disposition_type="attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )
