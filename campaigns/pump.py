"""The event pump: tails the server's `/events` feed and signals the lead workflows.

It runs in the campaign worker process (not in a workflow). For `invitation.accepted`,
`invitation.withdrawn` and `message.replied` it finds the running campaigns that use the
event's account (Temporal visibility: running orchestrators, whose memo lists their
accounts; cached for a few seconds) and signals `inbound` to the lead workflow
`campaign-{id}-lead-{public_identifier}`, whose id is derived, not looked up; a lead that is
not in that campaign or has ended is skipped. `account.status_changed` to `active` releases
the account's held leads (`account_resumed` on its campaigns).

The cursor is a small file (`state_dir/event-cursor`), written atomically after each page's
signals are sent. A crash between the two replays a few events: harmless, a signal only sets
a flag. A pump without a cursor starts at the beginning of the feed: leads ignore events
older than themselves, so nothing stale reaches them. A file rather than a search
attribute: it needs no custom attribute registered on the Temporal cluster and survives the
worker's restarts; run one pump per server (several would only send duplicate signals).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from loguru import logger
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from campaigns.leads import member_key
from campaigns.models import InboundEvent, campaign_workflow_id, lead_workflow_id
from openoutreach_client import AsyncClient, Event, EventPage, NotFound

LEAD_EVENTS = ("invitation.accepted", "invitation.withdrawn", "message.replied")
ACCOUNT_EVENTS = ("account.status_changed",)
TYPES = (*LEAD_EVENTS, *ACCOUNT_EVENTS)
CAMPAIGN_MEMO = "accounts"  # the orchestrator's memo: the accounts its leads use
CACHE_S = 5.0
RETRY_S = 30.0

Fetch = Callable[[str | None], Awaitable[EventPage]]


class CursorFile:
    """The last event handled, kept in a file (atomic replace)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> str | None:
        """The saved cursor, or None at the first start."""
        try:
            return self.path.read_text().strip() or None
        except FileNotFoundError:
            return None

    def save(self, cursor: str) -> None:
        """Replace the saved cursor."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(cursor)
        os.replace(tmp, self.path)


class EventPump:
    """Forward the server's events to the workflows they concern."""

    def __init__(self, temporal: Client, fetch: Fetch, cursor: CursorFile) -> None:
        self.temporal = temporal
        self.fetch = fetch
        self.cursor = cursor
        self._campaigns: dict[str, tuple[str, ...]] = {}
        self._listed_at = -CACHE_S
        self.signaled = 0

    @classmethod
    def for_server(
        cls, temporal: Client, server: AsyncClient, cursor: CursorFile, wait_s: float = 30.0
    ) -> EventPump:
        """A pump long-polling the server's feed through the typed client."""

        async def fetch(after: str | None) -> EventPage:
            return await server.events.list(after=after, types=TYPES, limit=100, wait=wait_s)

        return cls(temporal, fetch, cursor)

    async def run(self) -> None:
        """Forward events until cancelled; a server without `/events` is asked again later."""
        warned = False
        while True:
            try:
                await self.step()
                warned = False
            except asyncio.CancelledError:
                raise
            except NotFound:
                if not warned:
                    logger.warning(
                        "the server has no /events feed: acceptances and replies are not seen;"
                        " asking again every {} s",
                        RETRY_S,
                    )
                    warned = True
                await asyncio.sleep(RETRY_S)
            except Exception as error:
                logger.warning("event pump: {}; again in 5 s", error)
                await asyncio.sleep(5.0)

    async def step(self) -> int:
        """Fetch one page after the cursor, forward it, save the cursor; returns the count."""
        after = self.cursor.load()
        page = await self.fetch(after)
        for event in page.items:
            await self.forward(event)
        next_cursor = page.next_cursor or (str(page.items[-1].id) if page.items else after)
        if next_cursor and next_cursor != after:
            self.cursor.save(next_cursor)
        return len(page.items)

    async def forward(self, event: Event) -> None:
        """Signal the workflows an event concerns."""
        data = event.data
        handle = str(data.get("handle") or "")
        if event.type in LEAD_EVENTS:
            member = data.get("public_identifier")
            if not member or not handle:
                return
            inbound = InboundEvent(
                type=event.type,  # type: ignore[arg-type]
                event_id=event.id,
                timestamp=event.timestamp,
                run_id=data.get("run_id"),
            )
            for campaign_id in await self.campaigns_of(handle):
                wf_id = lead_workflow_id(campaign_id, member_key(str(member)))
                await self._signal(wf_id, "inbound", inbound)
        elif event.type == "account.status_changed" and data.get("status") == "active":
            for campaign_id in await self.campaigns_of(handle):
                await self._signal(campaign_workflow_id(campaign_id), "account_resumed", handle)

    async def campaigns_of(self, handle: str) -> list[str]:
        """Running campaigns whose leads use `handle`."""
        if time.monotonic() - self._listed_at >= CACHE_S:
            self._campaigns = await self._list_campaigns()
            self._listed_at = time.monotonic()
        return [cid for cid, accounts in self._campaigns.items() if handle in accounts]

    async def _list_campaigns(self) -> dict[str, tuple[str, ...]]:
        query = "WorkflowType = 'CampaignOrchestratorWorkflow' AND ExecutionStatus = 'Running'"
        found: dict[str, tuple[str, ...]] = {}
        async for execution in self.temporal.list_workflows(query):
            memo = await execution.memo()
            campaign_id = memo.get("campaign_id")
            if isinstance(campaign_id, str):
                found[campaign_id] = tuple(_strings(memo.get(CAMPAIGN_MEMO)))
        return found

    async def _signal(self, workflow_id: str, signal: str, arg: Any) -> None:
        try:
            await self.temporal.get_workflow_handle(workflow_id).signal(signal, arg)
            self.signaled += 1
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            # Not a lead of that campaign, or its sequence has ended.


def _strings(value: Any) -> Sequence[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else []
