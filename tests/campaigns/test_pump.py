"""The event pump on a real Temporal dev server: server events reach the right lead
workflows of the running campaigns; the cursor is saved after each page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.client import Client

from campaigns import service
from campaigns.models import CampaignOptions
from campaigns.pump import CursorFile, EventPump
from campaigns.temporal import build_worker
from openoutreach_client import Event, EventPage
from tests.campaigns.fakes import FakeServer
from tests.campaigns.test_lead_workflow import lead, short_flow
from tests.campaigns.test_orchestrator import until


def event(id_: int, type_: str, **data: Any) -> Event:
    return Event(id=id_, type=type_, timestamp=datetime.now(UTC), data=data)


async def test_events_signal_the_leads_of_running_campaigns(
    temporal: Client, tmp_path: Path
) -> None:
    fake = FakeServer(client=temporal)
    queue = f"pump-{uuid.uuid4().hex[:8]}"
    campaign_id = f"pump{uuid.uuid4().hex[:8]}"
    pages = [
        EventPage(
            items=[
                event(7, "invitation.accepted", handle="jane", public_identifier="Ann-Lee"),
                event(8, "invitation.withdrawn", handle="jane", public_identifier="bob"),
                event(9, "message.replied", handle="jane", public_identifier="stranger"),
                event(10, "invitation.accepted", handle="other", public_identifier="bob"),
                event(11, "account.status_changed", handle="jane", status="active"),
            ],
            next_cursor="11",
        ),
        EventPage(items=[], next_cursor="11"),
    ]
    asked: list[str | None] = []

    async def fetch(after: str | None) -> EventPage:
        asked.append(after)
        return pages.pop(0)

    cursor = CursorFile(tmp_path / "state" / "event-cursor")
    pump = EventPump(temporal, fetch, cursor)
    async with build_worker(temporal, queue, fake.all()):
        await service.start_campaign(
            temporal,
            queue,
            campaign_id=campaign_id,
            flow=short_flow("1h"),
            leads=[lead("ann-lee"), lead("bob")],
            account="jane",
            options=CampaignOptions(stagger=0),  # type: ignore[arg-type]
        )
        handle = service.campaign(temporal, campaign_id)
        await until(handle, lambda s: s.nodes.get("invite", {}).get("sent") == 2)
        assert await pump.campaigns_of("jane") == [campaign_id]
        assert await pump.step() == 5
        assert cursor.load() == "11"
        status = await handle.result()
        assert await pump.step() == 0
    assert asked == [None, "11"]
    assert status.outcomes == {"completed": 2}
    assert status.nodes["invite"] == {"sent": 2, "accepted": 1, "not_accepted": 1}
    assert [c.type for c in fake.of("ann-lee")] == ["connect", "message"]
    assert [c.type for c in fake.of("bob")] == ["connect", "withdraw"]
    # Two leads signaled, and the campaign told its account is active; the stranger and the
    # other account's member matched no lead.
    assert pump.signaled == 3
    assert status.state == "completed"
