"""/schedules: a touchpoint queued as a run at every fire of a cron expression."""

from __future__ import annotations

from collections.abc import Sequence

from openoutreach_client.call import Call, as_model, as_none, body, segment
from openoutreach_client.endpoints._common import TouchpointLike, touchpoint_json
from openoutreach_client.models import Page, Schedule


def create(
    handle: str,
    touchpoint: TouchpointLike,
    cron: str,
    *,
    timezone: str = "UTC",
    tags: Sequence[str] = (),
    active: bool = True,
    dry_run: bool = False,
    priority: int = 0,
) -> Call[Schedule]:
    """Queue `touchpoint` as a run at every fire of `cron` (5 fields, or 6 with seconds
    last) evaluated in `timezone`."""
    fields = {
        "handle": handle,
        "touchpoint": touchpoint_json(touchpoint),
        "cron": cron,
        "timezone": timezone,
        "tags": list(tags),
        "active": active,
        "dry_run": dry_run,
        "priority": priority,
    }
    return Call("POST", "/schedules", as_model(Schedule), json=fields)


def list_(
    *,
    handle: str | None = None,
    active: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Call[Page[Schedule]]:
    """One page of schedules, newest first."""
    params = {"handle": handle, "active": active, "cursor": cursor, "limit": limit}
    return Call("GET", "/schedules", as_model(Page[Schedule]), params=params)


def get(schedule_id: int) -> Call[Schedule]:
    """One schedule with its next fire and counters."""
    return Call("GET", f"/schedules/{segment(schedule_id)}", as_model(Schedule))


def patch(
    schedule_id: int,
    *,
    touchpoint: TouchpointLike | None = None,
    cron: str | None = None,
    timezone: str | None = None,
    tags: Sequence[str] | None = None,
    active: bool | None = None,
    dry_run: bool | None = None,
    priority: int | None = None,
) -> Call[Schedule]:
    """Change the fields given; `active=False` pauses, `True` resumes (the next fire is
    recomputed from now)."""
    fields = body(
        touchpoint=None if touchpoint is None else touchpoint_json(touchpoint),
        cron=cron,
        timezone=timezone,
        tags=None if tags is None else list(tags),
        active=active,
        dry_run=dry_run,
        priority=priority,
    )
    return Call("PATCH", f"/schedules/{segment(schedule_id)}", as_model(Schedule), json=fields)


def delete(schedule_id: int, *, cancel_pending: bool = False) -> Call[None]:
    """Delete the schedule; its runs are kept, and with `cancel_pending` those not started
    yet are canceled."""
    return Call(
        "DELETE",
        f"/schedules/{segment(schedule_id)}",
        as_none,
        params={"cancel_pending": cancel_pending},
    )
