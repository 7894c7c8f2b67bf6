"""The lead workflow on Temporal's time-skipping server, its activities faked: the seed's
flow step by step, both branches, a reply, pauses and account blocks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.testing import WorkflowEnvironment

from campaigns.flow import Flow, parse_flow
from campaigns.leads import Lead
from campaigns.models import Control, InboundEvent, LeadInput, LeadResult, LeadView
from campaigns.temporal import build_worker
from campaigns.workflows import LeadOutreachWorkflow
from openoutreach_client import idempotency_key
from tests.campaigns.fakes import FakeServer

EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "campaign.example.json"
SEED_FLOW = parse_flow(EXAMPLE.read_text())
INVITE = "send_invite-1758977251730"
THANKS = "send_followup-1758977263304"
FOLLOWUP = "send_followup-1758977271822"
WEBHOOK = "notify_webhook-1758977291007"
QUEUE = "campaign-tests"


def lead(key: str, **fields: str) -> Lead:
    return Lead(profile_url=f"https://www.linkedin.com/in/{key}/", fields=fields)


def short_flow(deadline: str = "7d") -> Flow:
    """invite -> accepted: message; not-accepted (after `deadline`): withdraw."""
    return parse_flow(
        {
            "nodes": [
                {
                    "id": "invite",
                    "data": {"type": "send_invite", "config": {"message": "Hi {first_name|}"}},
                },
                {
                    "id": "thanks",
                    "data": {"type": "send_followup", "config": {"message": "Thanks!"}},
                },
                {"id": "withdraw", "data": {"type": "withdraw_request", "config": {}}},
            ],
            "edges": [
                {
                    "source": "invite",
                    "target": "thanks",
                    "type": "conditional",
                    "data": {"isPositive": True},
                },
                {
                    "source": "invite",
                    "target": "withdraw",
                    "type": "conditional",
                    "data": {"isPositive": False, "delay": deadline},
                },
            ],
        }
    )


@pytest.fixture
async def fake(env: WorkflowEnvironment) -> AsyncIterator[FakeServer]:
    server = FakeServer(client=env.client)
    async with build_worker(env.client, QUEUE, server.all()):
        yield server


async def start(
    env: WorkflowEnvironment, who: Lead, flow: Flow = SEED_FLOW, **extra: Any
) -> WorkflowHandle[Any, LeadResult]:
    inp = LeadInput(campaign_id="c1", handle="jane", lead=who, flow=flow, **extra)
    return await env.client.start_workflow(
        LeadOutreachWorkflow.run,
        inp,
        id=f"campaign-c1-lead-{who.key}",
        task_queue=QUEUE,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )


async def until_phase(handle: WorkflowHandle[Any, Any], phase: str) -> LeadView:
    for _ in range(400):
        view = await handle.query(LeadOutreachWorkflow.state)
        if view.phase == phase:
            return view
        await asyncio.sleep(0.025)
    raise AssertionError(f"never reached {phase}: {view}")


async def test_not_accepted_lead_walks_the_seed_flow_and_delays_pass_at_once(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    handle = await start(env, lead("jane-doe", first_name="Jane", topic="logistics"))
    result = await handle.result()  # 15m + 2d + 15m + the 7 day deadline: skipped
    assert fake.types("jane-doe") == ["visit", "react", "comment", "connect", "withdraw"]
    assert result.outcome == "completed"
    assert result.results[INVITE] == "sent"
    # Texts rendered from the lead's fields; fallbacks where a field is missing.
    connect = fake.of("jane-doe", "connect")[0].touchpoint
    assert connect["note"] == ("Hi Jane, I enjoyed your posts about logistics. Shall we connect?")
    assert fake.of("jane-doe", "react")[0].touchpoint["reaction"] == "LIKE"
    # One idempotency key per step, derived from the workflow id and the step.
    wf_id = "campaign-c1-lead-jane-doe"
    assert fake.of("jane-doe", "connect")[0].key == idempotency_key(wf_id, INVITE, 0)
    assert len({c.key for c in fake.calls}) == 5
    # The webhook got the lead and its results.
    [hook] = fake.webhooks
    assert hook.url == "https://crm.example.com/hooks/linkedin-outreach"
    assert hook.payload["lead"]["key"] == "jane-doe"
    assert hook.payload["results"][INVITE] == "sent"
    assert hook.payload["accepted"] is False
    # The deadline was waited for in (skipped) workflow time: 7 days after the invitation.
    history = await handle.fetch_history()
    timers = [
        e.timer_started_event_attributes.start_to_fire_timeout.ToSeconds()
        for e in history.events
        if e.HasField("timer_started_event_attributes")
    ]
    assert timers == [900, 2 * 86400, 900, 7 * 86400]


async def test_accepted_lead_gets_both_follow_ups_and_no_withdrawal(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    fake.accept.add("john-smith")
    handle = await start(env, lead("john-smith", first_name="John"))
    result = await handle.result()
    assert fake.types("john-smith") == [
        "visit",
        "react",
        "comment",
        "connect",
        "message",
        "message",
    ]
    texts = [c.touchpoint["text"] for c in fake.of("john-smith", "message")]
    assert texts[0].startswith("Thanks for connecting, John!\n")
    assert result.outcome == "completed"
    assert fake.webhooks[0].payload["accepted"] is True


async def test_acceptance_during_the_wait_takes_the_accepted_branch(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    handle = await start(env, lead("gina-gate"), flow=short_flow())
    await until_phase(handle, "waiting_acceptance")
    await handle.signal(LeadOutreachWorkflow.inbound, InboundEvent(type="invitation.accepted"))
    result = await handle.result()
    assert fake.types("gina-gate") == ["connect", "message"]
    assert result.results == {"invite": "sent", "thanks": "sent"}


async def test_withdrawn_invitation_takes_the_not_accepted_path_at_once(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    handle = await start(env, lead("ivan-instant"), flow=short_flow())
    await until_phase(handle, "waiting_acceptance")
    await handle.signal(LeadOutreachWorkflow.inbound, InboundEvent(type="invitation.withdrawn"))
    await handle.result()
    assert fake.types("ivan-instant") == ["connect", "withdraw"]


async def test_already_connected_goes_straight_to_the_accepted_path(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    fake.connect_result["carl-connected"] = "already_connected"
    handle = await start(env, lead("carl-connected"), flow=short_flow())
    await handle.result()
    assert fake.types("carl-connected") == ["connect", "message"]


async def test_a_reply_ends_the_sequence(env: WorkflowEnvironment, fake: FakeServer) -> None:
    fake.accept.add("rita-renamed")
    fake.reply_after["rita-renamed"] = "message"  # she answers the thank-you message
    handle = await start(env, lead("rita-renamed"))
    result = await handle.result()
    assert fake.types("rita-renamed") == ["visit", "react", "comment", "connect", "message"]
    assert result.outcome == "replied"
    assert fake.webhooks == []  # the sequence ended before the webhook step


async def test_a_stale_acceptance_from_before_the_lead_is_ignored(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    handle = await start(env, lead("old-friend"), flow=short_flow())
    await until_phase(handle, "waiting_acceptance")
    stale = InboundEvent(type="invitation.accepted", timestamp="2020-01-01T00:00:00Z")  # type: ignore[arg-type]
    await handle.signal(LeadOutreachWorkflow.inbound, stale)
    await handle.result()
    assert fake.types("old-friend") == ["connect", "withdraw"]


async def test_a_second_start_of_the_same_lead_is_refused(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    who = lead("paul-pending")
    handle = await start(env, who, flow=short_flow())
    with pytest.raises(WorkflowAlreadyStartedError):
        await start(env, who, flow=short_flow())
    await handle.result()
    with pytest.raises(WorkflowAlreadyStartedError):  # also once it has ended
        await start(env, who, flow=short_flow())
    assert len(fake.of("paul-pending", "connect")) == 1


async def test_optional_step_failure_is_skipped_and_invite_failure_ends_the_lead(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    fake.fail[("fiona-follow", "react")] = ["NO_RECENT_POST"]
    fake.fail[("fiona-follow", "connect")] = ["EMAIL_REQUIRED"]
    result = await (await start(env, lead("fiona-follow"))).result()
    assert fake.types("fiona-follow") == ["visit", "react", "comment", "connect"]
    assert result.results["like_post-1758977232196"] == "skipped:NO_RECENT_POST"
    assert (result.outcome, result.detail) == ("failed", "EMAIL_REQUIRED")


async def test_missing_profile_ends_the_lead(env: WorkflowEnvironment, fake: FakeServer) -> None:
    fake.fail[("gone-member", "visit")] = ["PROFILE_NOT_FOUND"]
    result = await (await start(env, lead("gone-member"))).result()
    assert fake.types("gone-member") == ["visit"]
    assert (result.outcome, result.detail) == ("ended", "PROFILE_NOT_FOUND")


async def test_account_block_holds_the_lead_raises_an_alert_and_resumes_with_a_fresh_run(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    fake.fail[("emma-email", "connect")] = ["CHECKPOINT"]
    handle = await start(env, lead("emma-email"), flow=short_flow())
    await until_phase(handle, "paused")
    [alert] = fake.alerts
    assert (alert.alert.handle, alert.alert.code, alert.alert.node_id) == (
        "jane",
        "CHECKPOINT",
        "invite",
    )
    assert len(fake.calls) == 1  # held: no retries burned while the account is blocked
    await handle.signal(LeadOutreachWorkflow.control, Control(seq=1))
    result = await handle.result()
    first, second = fake.of("emma-email", "connect")
    wf_id = "campaign-c1-lead-emma-email"
    assert (first.key, second.key) == (
        idempotency_key(wf_id, "invite", 0),
        idempotency_key(wf_id, "invite", 1),
    )
    assert result.results["invite"] == "sent"


async def test_pause_holds_before_the_next_step_and_stop_ends_the_lead(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    gate = asyncio.Event()
    fake.hold[("slow-sam", "connect")] = gate
    handle = await start(env, lead("slow-sam"), flow=short_flow("1h"))
    await until_phase(handle, "acting")
    await handle.signal(LeadOutreachWorkflow.control, Control(seq=1, paused=True))
    gate.set()  # the running step finishes; the lead then holds
    view = await until_phase(handle, "waiting_acceptance")
    assert view.results == {"invite": "sent"}
    # The deadline passes while paused: the withdrawal waits for the resume.
    await env.sleep(2 * 3600)
    await until_phase(handle, "paused")
    assert fake.types("slow-sam") == ["connect"]
    await handle.signal(LeadOutreachWorkflow.control, Control(seq=2, stopped=True))
    result = await handle.result()
    assert result.outcome == "stopped"
    assert fake.types("slow-sam") == ["connect"]
