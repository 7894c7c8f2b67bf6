"""GET /events: a pull feed of what happened, for clients that cannot receive webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from openoutreach_server import webhooks
from openoutreach_server.api.deps import MAX_ID, Ctx
from openoutreach_server.errors import Invalid
from openoutreach_server.events import feed as events
from openoutreach_server.schemas import HANDLE_PATTERN, EventPage, Redeliver, Redelivered
from openoutreach_server.store.sql.events import EVENT_TYPES

router = APIRouter(prefix="/events", tags=["events"])


@router.get("", response_model=EventPage, summary="The event feed (cursor, long-poll)")
async def list_events(
    ctx: Ctx,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Cursor: events after this id (0: from the start)")
    ] = 0,
    type: Annotated[
        list[str] | None,
        Query(description="Only these types (repeat, or comma-separate: run.completed,...)"),
    ] = None,
    handle: Annotated[str | None, Query(pattern=HANDLE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    wait: Annotated[
        float, Query(ge=0, le=60, description="Long-poll: wait up to this many seconds")
    ] = 0,
) -> EventPage:
    """Events after `after`, oldest first; with `wait`, answers as soon as one matches."""
    types = sorted({t.strip() for value in type or [] for t in value.split(",") if t.strip()})
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise Invalid("type", f"unknown event type {unknown[0]!r}; one of {', '.join(EVENT_TYPES)}")
    return await events.wait_page(ctx, after, types, handle, limit, wait)


@router.post(
    "/{event_id}/redeliver",
    response_model=Redelivered,
    status_code=202,
    summary="Send an event to webhooks again",
    responses={
        404: {"description": "No such event or webhook"},
        409: {"description": "The webhook is disabled, or nothing subscribes to the event"},
    },
)
def redeliver(
    ctx: Ctx,
    event_id: Annotated[int, Path(ge=1, le=MAX_ID, description="An event's id")],
    body: Redeliver | None = None,
) -> Redelivered:
    """Queue the event again with the same webhook-id (receivers deduplicate on it)."""
    return webhooks.redeliver(ctx, event_id, body.webhook_id if body else None)
