"""The webhook deliverer: a worker loop that fans committed events out to deliveries and
sends the due ones, signed (Standard Webhooks), retrying with backoff for about three days.

Every worker process runs one; on several hosts they share the work through the database
(a fan-out cursor under a row lock, deliveries taken with a lock that expires). A process
that dies mid-send leaves its deliveries locked for a timeout and a margin; then another
process (or itself, restarted) sends them
again, with the same webhook-id: at-least-once, receivers deduplicate on the id.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import random
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
from loguru import logger

from openoutreach_server.context import ServerContext
from openoutreach_server.events.signing import payload, signed_headers
from openoutreach_server.events.targets import GuardedBackend
from openoutreach_server.loops import LoopService
from openoutreach_server.store.notifier import EVENTS, Listening
from openoutreach_server.store.sql.webhooks import Attempt, DueDelivery
from openoutreach_server.webhooks import callback_secret

# Seconds to wait before each retry (with ±20% jitter): the last one starts about three
# days after the first attempt.
BACKOFF_S: tuple[float, ...] = (
    5,
    30,
    120,
    600,
    1800,
    3600,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    12 * 3600,
    12 * 3600,
    12 * 3600,
    12 * 3600,
    12 * 3600,
)
# A Retry-After longer than this is not waited for in full.
MAX_RETRY_AFTER_S = 24 * 3600.0
# A delivery taken but never recorded (its process died) is sent again this long after its
# attempt's timeout.
LOCK_MARGIN_S = 10.0
_ERROR_CHARS = 300
_MAX_BODY = 64 * 1024


def retry_delay(attempts: int, retry_after: float | None = None) -> float | None:
    """Seconds until the next attempt after `attempts` failed ones (None: give up);
    a Retry-After the endpoint sent wins, within bounds."""
    if attempts > len(BACKOFF_S):
        return None
    if retry_after is not None:
        return min(max(retry_after, 1.0), MAX_RETRY_AFTER_S)
    base = BACKOFF_S[attempts - 1]
    return base * random.uniform(0.8, 1.2)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


@dataclass(frozen=True)
class Sent:
    """What one HTTP attempt returned."""

    status: int | None
    error: str | None
    retry_after: str | None
    latency_ms: float


class Deliverer(LoopService):
    """Fans events out and sends due deliveries; woken when events are committed."""

    name = "webhooks"

    def __init__(self, ctx: ServerContext, *, concurrency: int = 64) -> None:
        super().__init__()
        self.ctx = ctx
        # One batch is sent at once, so its lock need only outlast one attempt's timeout.
        self.batch = concurrency
        self.concurrency = concurrency
        settings = ctx.settings
        self.timeout_s = settings.webhook_timeout_s
        self.lock_s = self.timeout_s + LOCK_MARGIN_S
        self._http = httpcore.AsyncConnectionPool(
            max_connections=concurrency,
            max_keepalive_connections=concurrency,
            keepalive_expiry=30.0,
            retries=0,
            network_backend=GuardedBackend(settings.webhook_allow_private),
        )
        self._listening: Listening | None = None
        self._callback_secret: str | None = None
        self.sent = 0

    async def start(self) -> None:
        """Listen for committed events, then run."""
        # Short: a Unix socket's path is limited to about 100 characters.
        name = f"d{os.getpid()}-{id(self) & 0xFFFF:x}"
        self._listening = self.ctx.store.notifier.listen(name, {EVENTS: self.wake})
        await super().start()

    async def stop(self) -> None:
        """Stop after the batch in flight; close connections."""
        await super().stop()
        if self._listening is not None:
            self._listening.stop()
            self._listening = None
        await self._http.aclose()

    async def tick(self) -> float | None:
        """Fan out new events, send what is due; again at once while work remains."""
        store, clock = self.ctx.store.webhooks, self.ctx.clock
        fanned = await asyncio.to_thread(store.fan_out, clock.now())
        due = await asyncio.to_thread(store.claim, clock.now(), self.batch, self.lock_s)
        if due:
            await self._send_all(due)
        if fanned or len(due) == self.batch:
            return 0.0
        nxt = await asyncio.to_thread(store.next_due)
        return None if nxt is None else nxt - clock.now()

    async def _send_all(self, due: list[DueDelivery]) -> None:
        if any(d.secret_enc is None for d in due):
            # Read per batch, not cached: another process may have rotated it.
            self._callback_secret = await asyncio.to_thread(callback_secret, self.ctx)
        attempts = await asyncio.gather(*(self._attempt(d) for d in due))
        disabled = await asyncio.to_thread(
            self.ctx.store.webhooks.record,
            attempts,
            self.ctx.clock.now(),
            self.ctx.settings.webhook_disable_after_s,
        )
        self.sent += len(attempts)
        if disabled:
            logger.warning("{} webhook endpoint(s) disabled (see webhook.disabled)", disabled)

    def _secret(self, delivery: DueDelivery) -> str:
        if delivery.secret_enc is not None:
            return self.ctx.box.open(delivery.secret_enc)
        assert self._callback_secret is not None
        return self._callback_secret

    async def _attempt(self, delivery: DueDelivery) -> Attempt:
        now = self.ctx.clock.now()
        body = payload(delivery.event)
        headers = signed_headers(self._secret(delivery), delivery.event.id, body, now)
        sent = await self._post(delivery.url, headers, body)
        status = sent.status

        def attempt(ok: bool, retry_at: float | None = None, disable: str | None = None) -> Attempt:
            error = None if ok else (sent.error or f"HTTP {status}")
            return Attempt(
                delivery.id,
                delivery.webhook_id,
                ok,
                status,
                error,
                sent.latency_ms,
                retry_at,
                disable,
            )

        if status is not None and 200 <= status < 300:
            return attempt(True)
        if status == 410:
            # A run's callback_url has no endpoint to disable: it just stops being sent to.
            return attempt(False, disable="the endpoint answered 410 Gone")
        delay = retry_delay(delivery.attempts, parse_retry_after(sent.retry_after, now))
        logger.info(
            "webhook delivery {} of event {} to {} failed ({}); {}",
            delivery.id,
            delivery.event.id,
            _origin(delivery.url),
            sent.error or f"HTTP {status}",
            "giving up" if delay is None else f"retrying in {delay:.0f}s",
        )
        return attempt(False, retry_at=None if delay is None else now + delay)

    async def _post(self, url: str, headers: dict[str, str], body: bytes) -> Sent:
        started = time.monotonic()
        timeout = self.timeout_s
        extensions = {
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        }
        try:
            async with (
                asyncio.timeout(timeout),
                self._http.stream(
                    "POST", url, headers=list(headers.items()), content=body, extensions=extensions
                ) as response,
            ):
                # The answer's body means nothing to us: read a little (so the connection
                # can be reused), never all of a huge one.
                read = 0
                async for chunk in response.aiter_stream():
                    read += len(chunk)
                    if read > _MAX_BODY:
                        break
        except (TimeoutError, httpcore.TimeoutException):
            return Sent(None, f"no answer within {timeout:g}s", None, _ms(started))
        except httpcore.ConnectError as exc:
            return Sent(None, f"could not connect: {_short(exc)}", None, _ms(started))
        except (httpcore.ProtocolError, httpcore.NetworkError, httpcore.UnsupportedProtocol) as exc:
            return Sent(None, f"{type(exc).__name__}: {_short(exc)}", None, _ms(started))
        status = response.status
        found = {k.decode().lower(): v.decode("latin-1") for k, v in response.headers}
        error = None
        if 300 <= status < 400:
            error = f"HTTP {status}: redirects are not followed ({found.get('location', '')})"
        return Sent(status, error, found.get("retry-after"), _ms(started))


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _short(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:_ERROR_CHARS]


def _origin(url: str) -> str:
    """A URL without its path and query (which may carry tokens) for the log."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
