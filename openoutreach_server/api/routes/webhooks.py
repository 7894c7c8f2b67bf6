"""Webhook endpoints (Standard Webhooks): register, change, remove, rotate secrets, read
the delivery log; the callback secret that signs runs' callback_url deliveries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response

from openoutreach_server import webhooks
from openoutreach_server.api.deps import MAX_ID, Ctx
from openoutreach_server.schemas import (
    DeliveryPage,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookPage,
    WebhookPatch,
    WebhookSecret,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
WebhookId = Annotated[int, Path(ge=1, le=MAX_ID, description="A webhook's id")]
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid input (or a URL on a private address); the field is named"}
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such webhook"}}


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=201,
    summary="Register a webhook endpoint",
    responses=_INVALID,
)
def create_webhook(ctx: Ctx, body: WebhookCreate) -> WebhookCreated:
    """Events are POSTed to `url`, signed; the `secret` is in this answer only."""
    return webhooks.create(ctx, body)


@router.get("", response_model=WebhookPage, summary="List webhook endpoints")
def list_webhooks(ctx: Ctx) -> WebhookPage:
    """Every endpoint, oldest first (without secrets)."""
    return webhooks.list_all(ctx)


# Before /{webhook_id}: routes match in order.
@router.get(
    "/callback-secret",
    response_model=WebhookSecret,
    summary="The secret that signs callback_url deliveries",
)
def get_callback_secret(ctx: Ctx) -> WebhookSecret:
    """Deliveries to a run's `callback_url` are signed with this server-wide secret."""
    return WebhookSecret(secret=webhooks.callback_secret(ctx))


@router.post(
    "/callback-secret/rotate",
    response_model=WebhookSecret,
    summary="Replace the callback secret",
    responses={409: {"description": "Set by OO_WEBHOOK_SECRET"}},
)
def rotate_callback_secret(ctx: Ctx) -> WebhookSecret:
    """A new callback secret; deliveries sent from now on are signed with it."""
    return WebhookSecret(secret=webhooks.rotate_callback_secret(ctx))


@router.get(
    "/{webhook_id}", response_model=WebhookOut, summary="Get a webhook", responses=_NOT_FOUND
)
def get_webhook(ctx: Ctx, webhook_id: WebhookId) -> WebhookOut:
    """One endpoint, with why it was disabled if it was."""
    return webhooks.get(ctx, webhook_id)


@router.patch(
    "/{webhook_id}",
    response_model=WebhookOut,
    summary="Change, disable or re-enable a webhook",
    responses={**_NOT_FOUND, **_INVALID},
)
def patch_webhook(ctx: Ctx, webhook_id: WebhookId, body: WebhookPatch) -> WebhookOut:
    """Fields not sent keep their value; `enabled: true` re-enables a disabled endpoint."""
    return webhooks.update(ctx, webhook_id, body)


@router.delete("/{webhook_id}", status_code=204, summary="Remove a webhook", responses=_NOT_FOUND)
def delete_webhook(ctx: Ctx, webhook_id: WebhookId) -> Response:
    """The endpoint and its delivery log; nothing more is sent to it."""
    webhooks.delete(ctx, webhook_id)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=WebhookCreated,
    summary="Replace a webhook's secret",
    responses=_NOT_FOUND,
)
def rotate_secret(ctx: Ctx, webhook_id: WebhookId) -> WebhookCreated:
    """A new secret, in this answer only; attempts from now on are signed with it."""
    return webhooks.rotate_secret(ctx, webhook_id)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=DeliveryPage,
    summary="A webhook's delivery log",
    responses=_NOT_FOUND,
)
def list_deliveries(
    ctx: Ctx,
    webhook_id: WebhookId,
    status: Literal["pending", "delivered", "failed", "canceled"] | None = None,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Cursor: deliveries older than this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeliveryPage:
    """Newest first: attempts, last HTTP status, error and latency of each delivery."""
    return webhooks.deliveries(ctx, webhook_id, status, before, limit)
