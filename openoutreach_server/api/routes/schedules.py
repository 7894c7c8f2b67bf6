"""Schedule endpoints: a touchpoint queued as a run at every cron fire."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from openoutreach_server import schedules
from openoutreach_server.api.deps import Ctx, ScheduleId, check_touchpoint
from openoutreach_server.schemas import (
    HANDLE_PATTERN,
    ScheduleCreate,
    ScheduleOut,
    SchedulePage,
    SchedulePatch,
)

router = APIRouter(prefix="/schedules", tags=["schedules"])
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid input; the field is named"}
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such schedule"}}


@router.post(
    "", response_model=ScheduleOut, status_code=201, summary="Create a schedule", responses=_INVALID
)
def create_schedule(ctx: Ctx, body: ScheduleCreate) -> ScheduleOut:
    """Queue the touchpoint as one run at every fire of `cron` in `timezone`."""
    check_touchpoint(body.touchpoint, ctx.settings.linkedin_base_url)
    return schedules.create(ctx, body)


@router.get("", response_model=SchedulePage, summary="List schedules (newest first)")
def list_schedules(
    ctx: Ctx,
    handle: Annotated[str | None, Query(pattern=HANDLE_PATTERN)] = None,
    active: bool | None = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SchedulePage:
    """Filter by handle and active; follow `next_cursor`."""
    return schedules.list_page(
        ctx, handle=handle, active=active, cursor=int(cursor) if cursor else None, limit=limit
    )


@router.get(
    "/{schedule_id}", response_model=ScheduleOut, summary="Get a schedule", responses=_NOT_FOUND
)
def get_schedule(ctx: Ctx, schedule_id: ScheduleId) -> ScheduleOut:
    """One schedule with its next fire and counters; its runs: GET /runs?schedule_id=..."""
    return schedules.get(ctx, schedule_id)


@router.patch(
    "/{schedule_id}",
    response_model=ScheduleOut,
    summary="Change, pause or resume a schedule",
    responses={**_INVALID, **_NOT_FOUND},
)
def patch_schedule(ctx: Ctx, schedule_id: ScheduleId, body: SchedulePatch) -> ScheduleOut:
    """Change the given fields; `active: false` pauses (nothing fires), `true` resumes.

    A new cron, timezone or a resume recomputes the next fire from now: fires that fell
    while paused are not made up.
    """
    if body.touchpoint is not None:
        check_touchpoint(body.touchpoint, ctx.settings.linkedin_base_url)
    return schedules.patch(ctx, schedule_id, body)


@router.delete("/{schedule_id}", status_code=204, summary="Delete a schedule", responses=_NOT_FOUND)
def delete_schedule(
    ctx: Ctx,
    schedule_id: ScheduleId,
    cancel_pending: Annotated[
        bool, Query(description="Also cancel the runs it queued that have not started")
    ] = False,
) -> Response:
    """Delete the schedule; the runs it queued are kept (and keep its `schedule_id`), and
    with `?cancel_pending=true` those not started yet are canceled."""
    schedules.delete(ctx, schedule_id, cancel_pending=cancel_pending)
    return Response(status_code=204)
