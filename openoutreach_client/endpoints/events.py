"""/events: the server's event feed (run outcomes, account changes, accepted invitations,
replies), oldest first after a cursor, with a long-poll; redelivery to webhooks."""

from __future__ import annotations

from collections.abc import Sequence

from openoutreach_client.call import Call, as_model, body, segment
from openoutreach_client.models import EventPage, Redelivered

DEFAULT_LIMIT = 100
FOLLOW_WAIT_S = 30.0


def list_(
    *,
    after: str | int | None = None,
    types: Sequence[str] = (),
    handle: str | None = None,
    limit: int = DEFAULT_LIMIT,
    wait: float | None = None,
) -> Call[EventPage]:
    """Events after the cursor `after` (None: from the first), oldest first, of the given
    `types` (all if none) and account; with `wait`, the server holds the answer until a
    matching event exists or `wait` seconds pass. Follow `next_cursor`."""
    params = {
        "after": after,
        "type": list(types) or None,
        "handle": handle,
        "limit": limit,
        "wait": wait,
    }
    return Call("GET", "/events", as_model(EventPage), params=params, server_wait_s=wait or 0.0)


def redeliver(event_id: int, *, webhook_id: int | None = None) -> Call[Redelivered]:
    """Queue the event again, same webhook-id: to `webhook_id` only, or to every enabled
    endpoint subscribed to its type and its run's callback_url (`Conflict` if none)."""
    return Call(
        "POST",
        f"/events/{segment(event_id)}/redeliver",
        as_model(Redelivered),
        json=body(webhook_id=webhook_id),
    )
