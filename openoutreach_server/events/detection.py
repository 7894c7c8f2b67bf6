"""Detection: the server notices accepted or vanished invitations it sent and replies to
messages it sent, without a client asking.

Every `OO_DETECTION_INTERVAL_S` (30 min by default, give or take a fifth) an active
account with something watched gets one `sent_invitations` run (if an invitation of it is
pending) and one `inbox` run (if a conversation of it awaits a reply): ordinary read-only
runs at the lowest priority, on the account's own queue, so they obey its working hours,
caps, pacing and breaker, and never overlap its other runs. What they read is compared
with what is watched when they complete (store/sql/tracking.py), in the same transaction
that writes the events. An account with nothing watched costs nothing.
"""

from __future__ import annotations

import asyncio
import random

from loguru import logger

from openoutreach_server.context import ServerContext
from openoutreach_server.loops import LoopService
from openoutreach_server.store.sql.runs import ClaimScope


class DetectionLoop(LoopService):
    """Queues the due detection checks of the accounts this host runs."""

    name = "detection"

    def __init__(self, ctx: ServerContext, rng: random.Random | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.rng = rng or random.Random()
        settings = ctx.settings
        self.scope = ClaimScope(host=settings.worker_host, unpinned=settings.claim_unpinned)

    async def tick(self) -> float | None:
        """Queue what is due; sleep until the next account is due."""
        ctx = self.ctx
        now = ctx.clock.now()
        created = await asyncio.to_thread(
            ctx.store.tracking.enqueue_checks,
            now,
            ctx.settings.detection_interval_s,
            self.rng,
            self.scope.condition(),
        )
        if created:
            logger.debug("queued {} detection checks", len(created))
            ctx.notify()
        due = await asyncio.to_thread(ctx.store.tracking.next_check)
        return None if due is None else due - ctx.clock.now()
