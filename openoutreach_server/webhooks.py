"""The webhook service: endpoints, their secrets, the delivery log, redelivery.

No SQL here (store/sql/webhooks.py) and no HTTP (events/deliverer.py sends).
"""

from __future__ import annotations

from openoutreach_server.context import ServerContext
from openoutreach_server.errors import Conflict, Invalid, NotFound
from openoutreach_server.events.signing import new_secret
from openoutreach_server.events.targets import TargetRefused, check_url
from openoutreach_server.schemas import (
    DeliveryOut,
    DeliveryPage,
    Redelivered,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookPage,
    WebhookPatch,
    to_datetime,
)
from openoutreach_server.store.sql.webhooks import DeliveryRecord, WebhookRecord, subscribed


def check_target(ctx: ServerContext, field: str, url: str) -> None:
    """Invalid unless `url` may receive webhooks (public address, or private allowed)."""
    try:
        check_url(url, ctx.settings.webhook_allow_private)
    except TargetRefused as exc:
        raise Invalid(field, str(exc)) from exc


def to_out(hook: WebhookRecord) -> WebhookOut:
    """The public view of an endpoint (never its secret)."""
    return WebhookOut(
        id=hook.id,
        url=hook.url,
        event_types=hook.event_types,
        description=hook.description,
        enabled=hook.enabled,
        disabled_reason=hook.disabled_reason,
        failing_since=to_datetime(hook.failing_since),
        last_success_at=to_datetime(hook.last_success_at),
        created_at=to_datetime(hook.created_at),  # type: ignore[arg-type]
        updated_at=to_datetime(hook.updated_at),  # type: ignore[arg-type]
    )


def delivery_out(d: DeliveryRecord) -> DeliveryOut:
    """The public view of a delivery."""
    return DeliveryOut(
        id=d.id,
        event_id=d.event_id,
        event_type=d.event_type,
        run_id=d.run_id,
        webhook_id=d.webhook_id,
        url=d.url,
        status=d.status,  # type: ignore[arg-type]
        attempts=d.attempts,
        next_attempt_at=to_datetime(d.next_attempt_at),
        last_status=d.last_status,
        last_error=d.last_error,
        last_latency_ms=d.last_latency_ms,
        created_at=to_datetime(d.created_at),  # type: ignore[arg-type]
        delivered_at=to_datetime(d.delivered_at),
    )


def _get(ctx: ServerContext, webhook_id: int) -> WebhookRecord:
    hook = ctx.store.webhooks.get(webhook_id)
    if hook is None:
        raise NotFound(f"no webhook {webhook_id}")
    return hook


def create(ctx: ServerContext, body: WebhookCreate) -> WebhookCreated:
    """Register an endpoint; its secret is returned this once and stored sealed."""
    check_target(ctx, "url", body.url)
    secret = new_secret()
    hook = ctx.store.webhooks.create(
        body.url,
        body.event_types,
        body.description,
        body.enabled,
        ctx.box.seal(secret),
        ctx.clock.now(),
    )
    return WebhookCreated(**to_out(hook).model_dump(), secret=secret)


def list_all(ctx: ServerContext) -> WebhookPage:
    """Every endpoint."""
    return WebhookPage(items=[to_out(h) for h in ctx.store.webhooks.all()])


def get(ctx: ServerContext, webhook_id: int) -> WebhookOut:
    """One endpoint (NotFound)."""
    return to_out(_get(ctx, webhook_id))


def update(ctx: ServerContext, webhook_id: int, body: WebhookPatch) -> WebhookOut:
    """Change an endpoint; fields sent as null keep their value, except event_types (null:
    every type)."""
    changes = body.model_dump(exclude_unset=True)
    for field in ("url", "enabled"):
        if field in changes and changes[field] is None:
            del changes[field]
    if "url" in changes:
        check_target(ctx, "url", changes["url"])
    _get(ctx, webhook_id)
    if not changes:
        return get(ctx, webhook_id)
    hook = ctx.store.webhooks.update(webhook_id, changes, ctx.clock.now())
    if hook is None:
        raise NotFound(f"no webhook {webhook_id}")
    return to_out(hook)


def rotate_secret(ctx: ServerContext, webhook_id: int) -> WebhookCreated:
    """A new secret for an endpoint, returned this once; the old one stops signing now."""
    _get(ctx, webhook_id)
    secret = new_secret()
    hook = ctx.store.webhooks.update(
        webhook_id, {"secret_enc": ctx.box.seal(secret)}, ctx.clock.now()
    )
    if hook is None:
        raise NotFound(f"no webhook {webhook_id}")
    return WebhookCreated(**to_out(hook).model_dump(), secret=secret)


def delete(ctx: ServerContext, webhook_id: int) -> None:
    """Remove an endpoint and its delivery log (NotFound)."""
    if not ctx.store.webhooks.delete(webhook_id, ctx.clock.now()):
        raise NotFound(f"no webhook {webhook_id}")


def deliveries(
    ctx: ServerContext, webhook_id: int, status: str | None, before: int | None, limit: int
) -> DeliveryPage:
    """An endpoint's deliveries, newest first."""
    _get(ctx, webhook_id)
    found = ctx.store.webhooks.deliveries(webhook_id, status=status, before=before, limit=limit)
    cursor = str(found[-1].id) if len(found) == limit else None
    return DeliveryPage(items=[delivery_out(d) for d in found], next_cursor=cursor)


def redeliver(ctx: ServerContext, event_id: int, webhook_id: int | None) -> Redelivered:
    """Queue an event again, with its own id as webhook-id: to one endpoint, or to every
    enabled endpoint subscribed to its type and to its run's callback_url."""
    event = ctx.store.events.get(event_id)
    if event is None:
        raise NotFound(f"no event {event_id}")
    if webhook_id is not None:
        hook = _get(ctx, webhook_id)
        if not hook.enabled:
            raise Conflict(f"webhook {webhook_id} is disabled; enable it first (PATCH enabled)")
        targets = [hook.id]
    else:
        targets = [
            h.id
            for h in ctx.store.webhooks.all()
            if h.enabled and subscribed(h.event_types, event.type)
        ]
    made = ctx.store.webhooks.redeliver(event_id, targets, webhook_id is None, ctx.clock.now())
    if not made:
        raise Conflict(
            f"nothing to deliver event {event_id} to: no enabled webhook subscribes to"
            f" {event.type} and it has no run with a callback_url"
        )
    ctx.deliveries_due()
    return Redelivered(event_id=event_id, deliveries=[delivery_out(d) for d in made])


def callback_secret(ctx: ServerContext) -> str:
    """The secret that signs deliveries to runs' callback_url: OO_WEBHOOK_SECRET, or one
    generated on first use and stored sealed."""
    if ctx.settings.webhook_secret is not None:
        return ctx.settings.webhook_secret.get_secret_value()
    sealed = ctx.store.webhooks.callback_secret(ctx.box.seal(new_secret()))
    return ctx.box.open(sealed)


def rotate_callback_secret(ctx: ServerContext) -> str:
    """A new callback secret (Conflict when OO_WEBHOOK_SECRET fixes it)."""
    if ctx.settings.webhook_secret is not None:
        raise Conflict("the callback secret is set by OO_WEBHOOK_SECRET; change it there")
    secret = new_secret()
    ctx.store.webhooks.replace_callback_secret(ctx.box.seal(secret))
    return secret
