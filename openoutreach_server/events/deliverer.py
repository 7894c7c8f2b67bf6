"""The webhook deliverer: a worker loop that fans committed events out to deliveries and
sends the due ones, signed (Standard Webhooks), retrying with backoff for about three days.

Every worker process runs one; on several hosts they share the work through the database
(a fan-out cursor under a row lock, deliveries taken with a lock that expires). A process
that dies mid-send leaves its deliveries locked for two timeouts and a margin; then another
process (or itself, restarted) sends them
again, with the same webhook-id: at-least-once, receivers deduplicate on the id.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import os
import random

from loguru import logger

from openoutreach_server.context import ServerContext
from openoutreach_server.events.sender import Sender, origin
from openoutreach_server.events.signing import payload, signed_headers
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


class Deliverer(LoopService):
    """Fans events out, takes due deliveries and hands them to a fixed set of sender tasks;
    results are recorded in batches. Woken when events are committed and when senders have
    room for more."""

    name = "webhooks"

    def __init__(self, ctx: ServerContext, *, senders: int = 32) -> None:
        super().__init__()
        self.ctx = ctx
        settings = ctx.settings
        self.senders = senders
        # Taken but not yet recorded, at most: those being sent and one more round waiting.
        self.capacity = 2 * senders
        # A taken delivery waits at most one attempt before its own: its lock outlasts both.
        self.lock_s = 2 * settings.webhook_timeout_s + LOCK_MARGIN_S
        self._http = Sender(settings.webhook_timeout_s, settings.webhook_allow_private)
        self._queue: asyncio.Queue[DueDelivery] = asyncio.Queue()
        self._results: list[Attempt] = []
        self._results_ready = asyncio.Event()
        self._taken = 0  # claimed and not yet recorded
        self._tasks: list[asyncio.Task[None]] = []
        self._listening: Listening | None = None
        self._callback_secret: str | None = None
        self.sent = 0

    async def start(self) -> None:
        """Start the senders and the recorder, listen for committed events, then run."""
        self._tasks = [
            asyncio.create_task(self._sender(), name=f"oo-webhook-sender-{i}")
            for i in range(self.senders)
        ]
        self._tasks.append(asyncio.create_task(self._recorder(), name="oo-webhook-recorder"))
        # Short: a Unix socket's path is limited to about 100 characters.
        name = f"d{os.getpid()}-{id(self) & 0xFFFF:x}"
        self._listening = self.ctx.store.notifier.listen(name, {EVENTS: self.wake})
        await super().start()

    async def stop(self) -> None:
        """Stop taking deliveries; let those in flight finish (one timeout at most), record
        them, give back the ones not started; close connections."""
        await super().stop()
        if self._listening is not None:
            self._listening.stop()
            self._listening = None
        unsent: list[int] = []
        while not self._queue.empty():
            unsent.append(self._queue.get_nowait().id)
            self._queue.task_done()
        if unsent:
            await asyncio.to_thread(self.ctx.store.webhooks.release, unsent)
            self._taken -= len(unsent)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._http.timeout_s + 1):
                await self._queue.join()
        await self._flush()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self._http.close()

    async def tick(self) -> float | None:
        """Fan out new events and take as many due deliveries as the senders have room for;
        again at once while there is more."""
        store, clock = self.ctx.store.webhooks, self.ctx.clock
        fanned = await asyncio.to_thread(store.fan_out, clock.now())
        room = self.capacity - self._taken
        due: list[DueDelivery] = []
        if room > 0:
            due = await asyncio.to_thread(store.claim, clock.now(), room, self.lock_s)
        if due:
            if any(d.secret_enc is None for d in due):
                # Read per batch, not cached: another process may have rotated it.
                self._callback_secret = await asyncio.to_thread(callback_secret, self.ctx)
            self._taken += len(due)
            for delivery in due:
                self._queue.put_nowait(delivery)
        if fanned or (room > 0 and len(due) == room):
            return 0.0
        if room <= 0:
            return None  # the recorder wakes us when there is room
        nxt = await asyncio.to_thread(store.next_due)
        return None if nxt is None else nxt - clock.now()

    async def _sender(self) -> None:
        while True:
            delivery = await self._queue.get()
            try:
                result = await self._attempt(delivery)
            except Exception as exc:  # a bug must not lose the delivery: retry it later
                logger.exception("webhook delivery {} failed unexpectedly", delivery.id)
                result = Attempt(
                    delivery.id,
                    delivery.webhook_id,
                    False,
                    None,
                    repr(exc)[:300],
                    0.0,
                    self.ctx.clock.now() + BACKOFF_S[0],
                )
            self._results.append(result)
            self._results_ready.set()
            self._queue.task_done()

    async def _recorder(self) -> None:
        while True:
            await self._results_ready.wait()
            await self._flush()

    async def _flush(self) -> None:
        """Record every result that arrived, in one transaction; make room for more."""
        self._results_ready.clear()
        batch, self._results = self._results, []
        if not batch:
            return
        try:
            disabled = await asyncio.to_thread(
                self.ctx.store.webhooks.record,
                batch,
                self.ctx.clock.now(),
                self.ctx.settings.webhook_disable_after_s,
            )
        except Exception:
            # Not recorded: the deliveries stay locked, then are sent again (same id).
            logger.exception("recording {} webhook attempts failed", len(batch))
            disabled = 0
        self._taken -= len(batch)
        self.sent += len(batch)
        if disabled:
            logger.warning("{} webhook endpoint(s) disabled (see webhook.disabled)", disabled)
        self.wake()

    def _secret(self, delivery: DueDelivery) -> str:
        if delivery.secret_enc is not None:
            return self.ctx.box.open(delivery.secret_enc)
        assert self._callback_secret is not None
        return self._callback_secret

    async def _attempt(self, delivery: DueDelivery) -> Attempt:
        now = self.ctx.clock.now()
        body = payload(delivery.event)
        headers = signed_headers(self._secret(delivery), delivery.event.id, body, now)
        sent = await self._http.post(delivery.url, headers, body)
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
            origin(delivery.url),
            sent.error or f"HTTP {status}",
            "giving up" if delay is None else f"retrying in {delay:.0f}s",
        )
        return attempt(False, retry_at=None if delay is None else now + delay)
