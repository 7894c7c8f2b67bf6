"""The event service: the pull feed over the outbox, with long-poll."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from openoutreach_server.context import ServerContext
from openoutreach_server.schemas import EventOut, EventPage, to_datetime
from openoutreach_server.store.sql.events import EventRecord

# How often a long-poll looks again when no in-process signal says something changed.
_POLL_S = 0.25


def to_out(event: EventRecord) -> EventOut:
    """The public view of an event."""
    return EventOut(
        id=event.id,
        type=event.type,
        timestamp=to_datetime(event.created_at),  # type: ignore[arg-type]
        data=event.data,
    )


def page(
    ctx: ServerContext, after: int, types: Sequence[str], handle: str | None, limit: int
) -> EventPage:
    """Events after the cursor that match, oldest first."""
    found = ctx.store.events.after(after, types=types, handle=handle, limit=limit)
    cursor = found[-1].id if found else after
    return EventPage(items=[to_out(e) for e in found], next_cursor=str(cursor))


async def wait_page(
    ctx: ServerContext,
    after: int,
    types: Sequence[str],
    handle: str | None,
    limit: int,
    wait: float,
) -> EventPage:
    """Like `page`, but when nothing matches yet, wait up to `wait` seconds for it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        out = await asyncio.to_thread(page, ctx, after, types, handle, limit)
        left = deadline - loop.time()
        if out.items or left <= 0:
            return out
        await ctx.run_events.wait_change(min(_POLL_S, left))
