"""The campaign orchestrator on the time-skipping server, activities faked: concurrency and
stagger, duplicates, status counts, continue-as-new, pause / resume / stop, held accounts."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.testing import WorkflowEnvironment

from campaigns.flow import Flow
from campaigns.leads import Lead, pack
from campaigns.models import CampaignInput, CampaignOptions, CampaignStatus
from campaigns.temporal import build_worker
from campaigns.workflows import CampaignOrchestratorWorkflow
from tests.campaigns.fakes import FakeServer
from tests.campaigns.test_lead_workflow import QUEUE, lead, short_flow


@pytest.fixture
async def fake(env: WorkflowEnvironment) -> AsyncIterator[FakeServer]:
    server = FakeServer(client=env.client)
    async with build_worker(env.client, QUEUE, server.all()):
        yield server


async def start_campaign(
    env: WorkflowEnvironment | Client,
    leads: list[Lead],
    *,
    flow: Flow | None = None,
    campaign_id: str = "c7",
    queue: str = QUEUE,
    **options: Any,
) -> WorkflowHandle[Any, CampaignStatus]:
    inp = CampaignInput(
        campaign_id=campaign_id,
        account="jane",
        flow=flow or short_flow(),
        leads=pack(leads),
        options=CampaignOptions(**options),
    )
    client = env if isinstance(env, Client) else env.client
    return await client.start_workflow(
        CampaignOrchestratorWorkflow.run,
        inp,
        id=f"campaign-{campaign_id}",
        task_queue=queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )


async def until(
    handle: WorkflowHandle[Any, CampaignStatus], check: Callable[[CampaignStatus], bool]
) -> CampaignStatus:
    for _ in range(600):
        status = await handle.query(CampaignOrchestratorWorkflow.status)
        if check(status):
            return status
        await asyncio.sleep(0.025)
    raise AssertionError(f"status never matched: {status}")


async def test_campaign_runs_every_lead_with_bounded_concurrency_and_stagger(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    keys = [f"lead-{i}" for i in range(6)]
    fake.accept.update(keys[:3])
    handle = await start_campaign(
        env, [lead(k) for k in keys], max_concurrent=2, stagger=timedelta(seconds=30)
    )
    status = await handle.result()
    assert (status.state, status.total, status.finished, status.pending) == ("completed", 6, 6, 0)
    assert status.outcomes == {"completed": 6}
    assert status.nodes["invite"] == {"sent": 6, "accepted": 3, "not_accepted": 3}
    assert status.nodes["thanks"] == {"sent": 3}
    assert status.nodes["withdraw"] == {"withdrawn": 3}
    assert sorted(c.lead for c in fake.calls if c.type == "message") == keys[:3]
    # Each lead ran in its own workflow; at most two at once, starts 30 s apart.
    spans = []
    for key in keys:
        info = await env.client.get_workflow_handle(f"campaign-c7-lead-{key}").describe()
        assert info.status == WorkflowExecutionStatus.COMPLETED
        assert info.close_time is not None
        spans.append((info.start_time, info.close_time))
    starts = sorted(s for s, _ in spans)
    assert all(b - a >= timedelta(seconds=30) for a, b in itertools.pairwise(starts))
    for start, _ in spans:
        # A lead reports its end just before its workflow closes: allow that moment.
        overlapping = sum(1 for s, e in spans if s <= start < e - timedelta(seconds=1))
        assert overlapping <= 2


async def test_duplicate_leads_and_a_second_campaign_start_are_refused(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    leads = [lead("ann"), lead("bob"), Lead(profile_url="https://www.linkedin.com/in/ANN/")]
    handle = await start_campaign(env, leads, stagger=timedelta(0))
    with pytest.raises(WorkflowAlreadyStartedError):
        await start_campaign(env, leads)
    status = await handle.result()
    assert (status.total, status.duplicates, status.finished) == (2, 1, 2)
    assert len([c for c in fake.calls if c.type == "connect"]) == 2


async def test_large_campaign_continues_as_new_and_keeps_its_counts(temporal: Client) -> None:
    # On a real dev server: the time-skipping test server loses track of a workflow that
    # continues as new while its children signal it.
    fake = FakeServer(client=temporal)
    queue = f"can-{uuid.uuid4().hex[:8]}"
    keys = [f"member-{i:03d}" for i in range(40)]
    fake.accept.update(keys[::2])
    async with build_worker(temporal, queue, fake.all()):
        handle = await start_campaign(
            temporal,
            [lead(k) for k in keys],
            flow=short_flow("1s"),
            campaign_id=f"can-{uuid.uuid4().hex[:8]}",
            queue=queue,
            max_concurrent=5,
            stagger=timedelta(0),
            history_limit=100,
        )
        status = await handle.result()
    assert status.continued >= 2
    assert (status.total, status.finished, status.pending, status.running) == (40, 40, 0, 0)
    assert status.outcomes == {"completed": 40}
    assert status.nodes["invite"] == {"sent": 40, "accepted": 20, "not_accepted": 20}
    assert len([c for c in fake.calls if c.type == "connect"]) == 40


async def test_pause_resume_and_stop(env: WorkflowEnvironment, fake: FakeServer) -> None:
    keys = [f"p-{i}" for i in range(5)]
    handle = await start_campaign(
        env, [lead(k) for k in keys], flow=short_flow("1h"), max_concurrent=2, stagger=timedelta(0)
    )
    await until(handle, lambda s: s.nodes.get("invite", {}).get("sent") == 2)
    await handle.signal(CampaignOrchestratorWorkflow.pause)
    status = await until(handle, lambda s: s.state == "paused")
    assert (status.running, status.pending) == (2, 3)
    await env.sleep(timedelta(hours=2))  # the deadlines pass while paused: nothing happens
    await asyncio.sleep(0.3)
    assert [c.type for c in fake.calls] == ["connect", "connect"]
    status = await handle.query(CampaignOrchestratorWorkflow.status)
    assert (status.running, status.pending, status.finished) == (2, 3, 0)

    await handle.signal(CampaignOrchestratorWorkflow.resume)
    status = await until(handle, lambda s: s.finished == 2 and s.running == 2)
    assert status.nodes["withdraw"] == {"withdrawn": 2}
    await until(handle, lambda s: s.nodes["invite"].get("sent") == 4)

    await handle.signal(CampaignOrchestratorWorkflow.stop)
    status = await handle.result()
    assert status.state == "stopped"
    assert status.outcomes == {"completed": 2, "stopped": 2}
    assert status.pending == 1  # never started
    assert len([c for c in fake.calls if c.type == "connect"]) == 4
    assert len([c for c in fake.calls if c.type == "withdraw"]) == 2


async def test_account_block_holds_that_accounts_leads_only(
    env: WorkflowEnvironment, fake: FakeServer
) -> None:
    def on(account: str, key: str) -> Lead:
        return Lead(profile_url=f"https://www.linkedin.com/in/{key}/", account=account)

    leads = [on("acct-a", "a1"), on("acct-b", "b1"), on("acct-a", "a2"), on("acct-b", "b2")]
    leads += [on("acct-a", "a3"), on("acct-b", "b3")]
    fake.fail[("a1", "connect")] = ["CHECKPOINT"]
    handle = await start_campaign(env, leads, max_concurrent=4, stagger=timedelta(0))
    status = await until(handle, lambda s: "acct-a" in s.paused_accounts)
    assert status.paused_accounts["acct-a"].code == "CHECKPOINT"
    await until(handle, lambda s: s.nodes.get("invite", {}).get("sent", 0) >= 3)
    await asyncio.sleep(0.2)
    [alert] = fake.alerts  # one alert for the account, not one per lead
    assert alert.alert.handle == "acct-a"

    await env.sleep(timedelta(days=8))  # deadlines pass: acct-b's leads go on, acct-a's hold
    await until(handle, lambda s: s.nodes["invite"].get("sent") == 4)  # b3 has started
    await env.sleep(timedelta(days=8))
    status = await until(handle, lambda s: s.outcomes.get("completed") == 3)
    withdrawn = sorted(c.lead for c in fake.calls if c.type == "withdraw")
    assert withdrawn == ["b1", "b2", "b3"]
    assert status.pending == 1  # a3 is not started while its account is held
    assert {c.handle for c in fake.calls if c.lead.startswith("a")} == {"acct-a"}

    await handle.signal(CampaignOrchestratorWorkflow.account_resumed, "acct-a")
    status = await handle.result()
    assert status.outcomes == {"completed": 6}
    assert status.paused_accounts == {}
    connects = [c for c in fake.calls if c.lead == "a1" and c.type == "connect"]
    assert len(connects) == 2 and connects[0].key != connects[1].key
    assert sorted(c.lead for c in fake.calls if c.type == "withdraw") == sorted(
        ["a1", "a2", "a3", "b1", "b2", "b3"]
    )
