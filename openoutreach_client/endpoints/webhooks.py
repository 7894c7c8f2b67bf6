"""/webhooks: endpoints events are POSTed to (Standard Webhooks), their secrets, their
delivery log, and the secret signing runs' callback_url deliveries."""

from __future__ import annotations

from collections.abc import Sequence

from openoutreach_client.call import (
    UNSET,
    Call,
    Unset,
    as_model,
    as_none,
    body,
    changes,
    segment,
)
from openoutreach_client.models import (
    DeliveryPage,
    DeliveryStatus,
    Webhook,
    WebhookCreated,
    WebhookPage,
    WebhookSecret,
)


def create(
    url: str,
    *,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
    enabled: bool = True,
) -> Call[WebhookCreated]:
    """Register an endpoint for events of `event_types` (None: every type); the answer
    holds its signing secret, which the server shows this once."""
    fields = body(
        url=url,
        event_types=None if event_types is None else list(event_types),
        description=description,
        enabled=enabled,
    )
    return Call("POST", "/webhooks", as_model(WebhookCreated), json=fields)


def list_() -> Call[WebhookPage]:
    """Every endpoint, oldest first (without secrets)."""
    return Call("GET", "/webhooks", as_model(WebhookPage))


def get(webhook_id: int) -> Call[Webhook]:
    """One endpoint, with why the server disabled it if it did."""
    return Call("GET", f"/webhooks/{segment(webhook_id)}", as_model(Webhook))


def patch(
    webhook_id: int,
    *,
    url: str | Unset = UNSET,
    event_types: Sequence[str] | Unset | None = UNSET,
    description: str | Unset | None = UNSET,
    enabled: bool | Unset = UNSET,
) -> Call[Webhook]:
    """Change the fields given: `event_types=None` subscribes to every type, `description=
    None` clears it, `enabled=True` re-enables an endpoint the server disabled."""
    if event_types is not UNSET and event_types is not None:
        event_types = list(event_types)
    fields = changes(
        url=url,
        event_types=event_types,
        description=description,
        enabled=enabled,
    )
    return Call("PATCH", f"/webhooks/{segment(webhook_id)}", as_model(Webhook), json=fields)


def delete(webhook_id: int) -> Call[None]:
    """Remove the endpoint and its delivery log; nothing more is sent to it."""
    return Call("DELETE", f"/webhooks/{segment(webhook_id)}", as_none)


def rotate_secret(webhook_id: int) -> Call[WebhookCreated]:
    """A new signing secret, in this answer only; the old one stops signing now."""
    return Call("POST", f"/webhooks/{segment(webhook_id)}/rotate-secret", as_model(WebhookCreated))


def deliveries(
    webhook_id: int,
    *,
    status: DeliveryStatus | None = None,
    before: str | int | None = None,
    limit: int = 50,
) -> Call[DeliveryPage]:
    """One page of the endpoint's deliveries, newest first; pass `next_cursor` as `before`
    for older ones."""
    params = {"status": status, "before": before, "limit": limit}
    return Call(
        "GET", f"/webhooks/{segment(webhook_id)}/deliveries", as_model(DeliveryPage), params=params
    )


def callback_secret() -> Call[WebhookSecret]:
    """The server-wide secret signing deliveries to runs' `callback_url`."""
    return Call("GET", "/webhooks/callback-secret", as_model(WebhookSecret))


def rotate_callback_secret() -> Call[WebhookSecret]:
    """A new callback secret (`Conflict` when the server's OO_WEBHOOK_SECRET fixes it)."""
    return Call("POST", "/webhooks/callback-secret/rotate", as_model(WebhookSecret))
