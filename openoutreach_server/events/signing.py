"""Standard Webhooks: secrets, the payload, and the signed headers of one attempt."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from openoutreach_server.events.feed import to_out
from openoutreach_server.store.sql.events import EventRecord

SECRET_PREFIX = "whsec_"
USER_AGENT = "openoutreach-server-webhooks/1"


def new_secret() -> str:
    """A fresh signing secret, `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def payload(event: EventRecord) -> bytes:
    """The body every endpoint receives: the event exactly as the feed shows it
    (`{id, type, timestamp, data}`)."""
    return to_out(event).model_dump_json().encode()


def signed_headers(secret: str, event_id: int, body: bytes, now: float) -> dict[str, str]:
    """The headers of one attempt: the id stays the event's on every retry, the timestamp
    and signature are the attempt's own."""
    msg_id = str(event_id)
    sent = datetime.fromtimestamp(int(now), tz=UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now)),
        "webhook-signature": Webhook(secret).sign(msg_id, sent, body.decode()),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
