"""Schedule endpoints: a touchpoint queued as a run at every cron fire (SPEC §6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from openoutreach_server import schedules
from openoutreach_server.api.deps import Ctx, ScheduleId
from openoutreach_server.api.problems import ApiError
from openoutreach_server.api.runs import check_touchpoint
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


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422, "Invalid input", f"{field}: {message}", errors=[{"field": field, "message": message}]
    )


def _not_found(schedule_id: int) -> ApiError:
    return ApiError(404, "Not found", f"no schedule {schedule_id}")


@router.post(
    "", response_model=ScheduleOut, status_code=201, summary="Create a schedule", responses=_INVALID
)
def create_schedule(ctx: Ctx, body: ScheduleCreate) -> ScheduleOut:
    """Queue the touchpoint as one run at every fire of `cron` in `timezone`."""
    check_touchpoint(body.touchpoint, ctx.settings.linkedin_base_url)
    fields = body.model_dump(mode="json")
    now = ctx.clock.now()
    with ctx.db.raw_write() as conn:
        if (
            conn.execute("SELECT 1 FROM accounts WHERE handle = ?", (body.handle,)).fetchone()
            is None
        ):
            raise _invalid("handle", f"no account {body.handle!r}; create it with POST /accounts")
        try:
            row = schedules.create(conn, fields, now, ctx.settings.schedule_min_interval_s)
        except schedules.NeverFires as exc:
            raise _invalid("cron", str(exc)) from exc
    ctx.schedules_changed()
    return schedules.to_out(row)


@router.get("", response_model=SchedulePage, summary="List schedules (newest first)")
def list_schedules(
    ctx: Ctx,
    handle: Annotated[str | None, Query(pattern=HANDLE_PATTERN)] = None,
    active: bool | None = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SchedulePage:
    """Filter by handle and active; follow `next_cursor`."""
    with ctx.db.raw_read() as conn:
        return schedules.list_page(
            conn, handle=handle, active=active, cursor=int(cursor) if cursor else None, limit=limit
        )


@router.get(
    "/{schedule_id}", response_model=ScheduleOut, summary="Get a schedule", responses=_NOT_FOUND
)
def get_schedule(ctx: Ctx, schedule_id: ScheduleId) -> ScheduleOut:
    """One schedule with its next fire and counters; its runs: GET /runs?schedule_id=..."""
    with ctx.db.raw_read() as conn:
        row = schedules.get(conn, schedule_id)
    if row is None:
        raise _not_found(schedule_id)
    return schedules.to_out(row)


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
    changes = body.model_dump(mode="json", exclude_unset=True)
    for key in ("cron", "timezone", "active", "tags", "touchpoint", "dry_run", "priority"):
        if key in changes and changes[key] is None:
            raise _invalid(key, "may not be null")
    now = ctx.clock.now()
    with ctx.db.raw_write() as conn:
        row = schedules.get(conn, schedule_id)
        if row is None:
            raise _not_found(schedule_id)
        try:
            row = schedules.patch(conn, row, changes, now, ctx.settings.schedule_min_interval_s)
        except schedules.NeverFires as exc:
            raise _invalid("cron", str(exc)) from exc
    ctx.schedules_changed()
    return schedules.to_out(row)


@router.delete("/{schedule_id}", status_code=204, summary="Delete a schedule", responses=_NOT_FOUND)
def delete_schedule(ctx: Ctx, schedule_id: ScheduleId) -> Response:
    """Delete the schedule; the runs it queued are kept (and keep its `schedule_id`)."""
    with ctx.db.raw_write() as conn:
        if not schedules.delete(conn, schedule_id):
            raise _not_found(schedule_id)
    ctx.schedules_changed()
    return Response(status_code=204)
