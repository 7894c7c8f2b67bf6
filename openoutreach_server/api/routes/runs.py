"""Run endpoints: enqueue (idempotent), get (long-poll), list, cancel, bulk cancel, artifacts."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from linkedin.touchpoints.registry import SIDE_EFFECTING, TOUCHPOINT_TYPES
from openoutreach_server import runs
from openoutreach_server.api.deps import MAX_ID, Ctx, RunId, check_touchpoint
from openoutreach_server.errors import Invalid, NotFound
from openoutreach_server.schemas import HANDLE_PATTERN, RunCreate, RunOut, RunPage, RunStatus
from openoutreach_server.store.records import LOGIN_TYPE, NewRun, RunFilter
from openoutreach_server.webhooks import check_target

router = APIRouter(prefix="/runs", tags=["runs"])
_ARTIFACT_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$"
# How often a long-poll looks at the run again when no in-process event says it changed.
_POLL_S = 0.25


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
    if body.callback_url is not None:
        # Resolves the host name: in a thread, like the database work below.
        await asyncio.to_thread(check_target, ctx, "callback_url", body.callback_url)
    new = NewRun(
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
    digest = runs.request_hash(body.model_dump(mode="json")) if idempotency_key else None
    # The database may wait for a lock: never on the event loop, which must keep answering.
    out, created = await asyncio.to_thread(
        runs.enqueue, ctx, new, idempotency_key=idempotency_key, body_hash=digest
    )
    # Already a RunOut: skip FastAPI's second validation of the response.
    return Response(
        out.model_dump_json(), status_code=201 if created else 200, media_type="application/json"
    )


Wait = Annotated[
    float,
    Query(ge=0, le=300, description="Long-poll: wait up to this many seconds for the run to end"),
]


@router.get("/{run_id}", response_model=RunOut, summary="Get a run")
async def get_run(ctx: Ctx, run_id: RunId, wait: Wait = 0) -> RunOut:
    """One run, with `waiting_reason` while it is pending; `?wait=30` answers as soon as the
    run ends (or after 30 s with its current state)."""
    return await wait_for_run(ctx, run_id, wait)


async def wait_for_run(ctx: Ctx, run_id: int, wait: float) -> RunOut:
    """The run once it has ended, or its state when `wait` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        out = await asyncio.to_thread(runs.get, ctx, run_id)
        left = deadline - loop.time()
        if out.status not in ("pending", "running") or left <= 0:
            return out
        await ctx.run_events.wait_change(min(_POLL_S, left))


@router.get("", response_model=RunPage, summary="List runs (newest first)")
def list_runs(
    ctx: Ctx,
    handle: Annotated[str | None, Query(pattern=HANDLE_PATTERN)] = None,
    status: RunStatus | None = None,
    type: Annotated[str | None, Query(description="Touchpoint type, or `login`")] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    schedule_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Runs queued by this schedule")
    ] = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> RunPage:
    """Filter by handle, status, type, tag, schedule and creation time; follow `next_cursor`."""
    if type is not None and type not in (*TOUCHPOINT_TYPES, LOGIN_TYPE):
        raise Invalid("type", f"unknown type; one of {', '.join(TOUCHPOINT_TYPES)}, login")
    filter_ = RunFilter(
        handle=handle,
        status=status,
        type=type,
        tag=tag,
        created_after=created_after.timestamp() if created_after else None,
        created_before=created_before.timestamp() if created_before else None,
        schedule_id=schedule_id,
    )
    return runs.list_page(ctx, filter_, cursor=int(cursor) if cursor else None, limit=limit)


class BulkCancel(BaseModel):
    """Which pending runs to cancel: every criterion given must match (at least one)."""

    handle: str | None = Field(default=None, pattern=HANDLE_PATTERN)
    schedule_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    tag: str | None = Field(default=None, min_length=1, max_length=64)
    type: str | None = Field(default=None, description="Touchpoint type, or `login`")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"tag": "campaign-7"}, {"handle": "jane"}]},
    }


class BulkCanceled(BaseModel):
    """How many pending runs were canceled, and which."""

    canceled: int
    run_ids: list[int]


@router.post(
    "/cancel",
    response_model=BulkCanceled,
    summary="Cancel every pending run that matches a filter",
    responses={422: {"description": "No criterion, or an invalid one"}},
)
def cancel_runs(ctx: Ctx, body: BulkCancel) -> BulkCanceled:
    """Cancel, in one transaction, every pending run matching all the given criteria."""
    criteria = body.model_dump(exclude_none=True)
    if not criteria:
        raise Invalid("body", "give at least one of handle, schedule_id, tag, type")
    if body.type is not None and body.type not in (*TOUCHPOINT_TYPES, LOGIN_TYPE):
        raise Invalid("type", f"unknown type; one of {', '.join(TOUCHPOINT_TYPES)}, login")
    ids = runs.cancel_many(ctx, RunFilter(**criteria))
    return BulkCanceled(canceled=len(ids), run_ids=ids)


@router.post(
    "/{run_id}/cancel",
    response_model=RunOut,
    summary="Cancel a pending run",
    responses={409: {"description": "The run already started or ended"}},
)
def cancel_run(ctx: Ctx, run_id: RunId) -> RunOut:
    """Cancel a run that has not started; a running action is never cut off halfway."""
    return runs.cancel(ctx, run_id)


@router.get("/{run_id}/artifacts/{name}", summary="Download a failure artifact")
def get_artifact(
    ctx: Ctx, run_id: RunId, name: Annotated[str, PathParam(pattern=_ARTIFACT_NAME)]
) -> FileResponse:
    """A screenshot, page HTML, trace or traceback kept by a failed run."""
    out = runs.get(ctx, run_id)
    if name not in out.artifacts:
        raise NotFound(f"run {run_id} has no artifact {name!r}")
    path = Path(ctx.settings.artifacts_dir) / str(run_id) / name
    if not path.is_file():
        raise NotFound(f"artifact {name!r} was pruned")
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
