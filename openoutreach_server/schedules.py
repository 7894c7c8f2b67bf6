"""The schedule service: validate timing, compute next fires, present schedules (no SQL)."""

from __future__ import annotations

from typing import Any

from openoutreach_server.context import ServerContext
from openoutreach_server.errors import Invalid, NotFound
from openoutreach_server.scheduling.cron import CronError, check_interval, next_fire
from openoutreach_server.schemas import (
    ScheduleCreate,
    ScheduleOut,
    SchedulePage,
    SchedulePatch,
    to_datetime,
)
from openoutreach_server.store.records import ScheduleRecord

_NOT_NULL = ("cron", "timezone", "active", "tags", "touchpoint", "dry_run", "priority")


def to_out(record: ScheduleRecord) -> ScheduleOut:
    """The public view of a schedule."""
    return ScheduleOut(
        schedule_id=record.id,
        handle=record.handle,
        touchpoint=record.touchpoint,
        cron=record.cron,
        timezone=record.timezone,
        tags=record.tags,
        active=record.active,
        dry_run=record.dry_run,
        priority=record.priority,
        next_fire_at=to_datetime(record.next_fire_at),
        last_fire_at=to_datetime(record.last_fire_at),
        fires=record.fires,
        skipped_fires=record.skipped_fires,
        created_at=to_datetime(record.created_at),  # type: ignore[arg-type]
        updated_at=to_datetime(record.updated_at),  # type: ignore[arg-type]
    )


def first_fire(cron: str, tz: str, now: float, min_interval_s: float = 0.0) -> float:
    """The next fire after `now`; Invalid("cron") for an expression that cannot fire, or
    that fires more often than `min_interval_s`."""
    try:
        check_interval(cron, tz, now, min_interval_s)
        return next_fire(cron, tz, now)
    except CronError as exc:
        raise Invalid("cron", str(exc)) from exc


def create(ctx: ServerContext, body: ScheduleCreate) -> ScheduleOut:
    """Store a schedule; its first fire is strictly after now (none while inactive)."""
    now = ctx.clock.now()
    nxt = first_fire(body.cron, body.timezone, now, ctx.settings.schedule_min_interval_s)
    touchpoint = body.touchpoint.model_dump(mode="json")
    record = ctx.store.schedules.create(
        {
            "handle": body.handle,
            "type": touchpoint["type"],
            "touchpoint": touchpoint,
            "cron": body.cron,
            "timezone": body.timezone,
            "tags": body.tags,
            "dry_run": body.dry_run,
            "priority": body.priority,
            "active": body.active,
            "created_at": now,
            "updated_at": now,
            "next_fire_at": nxt if body.active else None,
            "fires": 0,
            "skipped_fires": 0,
        }
    )
    ctx.schedules_changed()
    return to_out(record)


def get(ctx: ServerContext, schedule_id: int) -> ScheduleOut:
    """One schedule (NotFound)."""
    record = ctx.store.schedules.get(schedule_id)
    if record is None:
        raise NotFound(f"no schedule {schedule_id}")
    return to_out(record)


def list_page(
    ctx: ServerContext,
    *,
    handle: str | None,
    active: bool | None,
    cursor: int | None,
    limit: int,
) -> SchedulePage:
    """Newest first; the cursor is the last schedule id of the previous page."""
    records, more = ctx.store.schedules.find(
        handle=handle, active=active, cursor=cursor, limit=limit
    )
    next_cursor = str(records[-1].id) if more and records else None
    return SchedulePage(items=[to_out(r) for r in records], next_cursor=next_cursor)


def patch(ctx: ServerContext, schedule_id: int, body: SchedulePatch) -> ScheduleOut:
    """Apply the given fields; a new cron or timezone, or a resume, recomputes the next fire
    from now (fires that fell while paused are not made up)."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    for key in _NOT_NULL:
        if key in changes and changes[key] is None:
            raise Invalid(key, "may not be null")
    now = ctx.clock.now()
    min_interval = ctx.settings.schedule_min_interval_s

    def change(current: ScheduleRecord) -> dict[str, Any]:
        cron = changes.get("cron", current.cron)
        tz = changes.get("timezone", current.timezone)
        active = bool(changes.get("active", current.active))
        timing = "cron" in changes or "timezone" in changes or active != current.active
        next_fire_at = current.next_fire_at
        if not active:
            next_fire_at = None
        elif timing or next_fire_at is None:
            next_fire_at = first_fire(cron, tz, now, min_interval)
        out: dict[str, Any] = {
            "cron": cron,
            "timezone": tz,
            "active": active,
            "next_fire_at": next_fire_at,
            "updated_at": now,
        }
        if "touchpoint" in changes:
            out["touchpoint"] = changes["touchpoint"]
            out["type"] = changes["touchpoint"]["type"]
        for key in ("tags", "dry_run", "priority"):
            if key in changes:
                out[key] = changes[key]
        return out

    record = ctx.store.schedules.update(schedule_id, change)
    ctx.schedules_changed()
    return to_out(record)


def delete(ctx: ServerContext, schedule_id: int, *, cancel_pending: bool = False) -> int:
    """Delete a schedule; with `cancel_pending` its pending runs are canceled too (count)."""
    canceled = ctx.store.schedules.delete(
        schedule_id, cancel_pending=cancel_pending, now=ctx.clock.now()
    )
    ctx.schedules_changed()
    return canceled
