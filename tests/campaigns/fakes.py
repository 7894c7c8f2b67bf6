"""In-process stand-ins for the campaign's activities: they record every call and answer
like the server would, with per-lead scripts (accept, reply, fail)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.client import Client

from campaigns.activities import _raise
from campaigns.leads import lead_key
from campaigns.models import (
    AlertCall,
    InboundEvent,
    RunFailure,
    TouchpointCall,
    TouchpointDone,
    WebhookCall,
)
from campaigns.outcomes import classify

RESULTS = {
    "visit": "visited",
    "react": "reacted",
    "comment": "commented",
    "connect": "sent",
    "message": "sent",
    "withdraw": "withdrawn",
}


@dataclass
class Call:
    """One touchpoint as the fake received it."""

    lead: str
    type: str
    key: str
    handle: str
    touchpoint: dict[str, Any]
    workflow_id: str


@dataclass
class FakeServer:
    """The activities, faked. `accept`: leads whose invitation is accepted as it is sent;
    `reply_after`: lead -> touchpoint type after which the member replies; `fail`: (lead,
    type) -> error codes for its successive calls; `connect_result`: lead -> connect status."""

    client: Client | None = None
    accept: set[str] = field(default_factory=set)
    reply_after: dict[str, str] = field(default_factory=dict)
    fail: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    connect_result: dict[str, str] = field(default_factory=dict)
    hold: dict[tuple[str, str], asyncio.Event] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    webhooks: list[WebhookCall] = field(default_factory=list)
    alerts: list[AlertCall] = field(default_factory=list)

    def of(self, lead: str, type_: str | None = None) -> list[Call]:
        """Calls for one lead (and one touchpoint type)."""
        return [c for c in self.calls if c.lead == lead and type_ in (None, c.type)]

    def types(self, lead: str) -> list[str]:
        """The touchpoint types a lead received, in order."""
        return [c.type for c in self.of(lead)]

    @activity.defn(name="run_touchpoint")
    async def run_touchpoint(self, call: TouchpointCall) -> TouchpointDone:
        info = activity.info()
        touchpoint = call.touchpoint
        lead = lead_key(touchpoint["profile_url"])
        kind = touchpoint["type"]
        self.calls.append(Call(lead, kind, call.key, call.handle, touchpoint, info.workflow_id))
        gate = self.hold.get((lead, kind))
        if gate is not None:
            while not gate.is_set():
                activity.heartbeat()
                await asyncio.sleep(0.05)
        codes = self.fail.get((lead, kind))
        if codes:
            code = codes.pop(0)
            _raise(RunFailure(code=code, disposition=classify(code, kind), handle=call.handle))
        if kind == "connect" and lead in self.accept:
            await self._tell(info.workflow_id, "invitation.accepted")
        if self.reply_after.get(lead) == kind:
            await self._tell(info.workflow_id, "message.replied")
        status = (
            self.connect_result.get(lead, RESULTS[kind]) if kind == "connect" else RESULTS[kind]
        )
        return TouchpointDone(run_id=len(self.calls), result={"status": status})

    async def _tell(self, workflow_id: str, type_: str) -> None:
        assert self.client is not None
        handle = self.client.get_workflow_handle(workflow_id)
        await handle.signal("inbound", InboundEvent(type=type_))  # type: ignore[arg-type]

    @activity.defn(name="notify_webhook")
    async def notify_webhook(self, call: WebhookCall) -> None:
        self.webhooks.append(call)

    @activity.defn(name="raise_alert")
    async def raise_alert(self, call: AlertCall) -> None:
        self.alerts.append(call)

    def all(self) -> list[Any]:
        return [self.run_touchpoint, self.notify_webhook, self.raise_alert]
