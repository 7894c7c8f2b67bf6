"""Campaigns end to end: the whole server (API, executor, real Chromium) against the
LinkedIn simulator, a real Temporal dev server, and the campaign worker as its own process
(`openoutreach-server campaign-worker`), killed with SIGKILL mid-campaign and restarted.

Delays are compressed (seconds instead of days). What counts is what the simulator
received: one invitation per lead, one withdrawal per unanswered one, one message per
follow-up step, nothing twice, nothing after a reply.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from campaigns import service
from campaigns.devserver import TemporalDevServer
from campaigns.flow import Flow, parse_flow
from campaigns.leads import Lead
from campaigns.models import CampaignOptions, CampaignStatus
from linkedin_sim import SimServer
from openoutreach_server.config import Settings
from tests.conftest import API_KEY
from tests.server.conftest import login, server  # noqa: F401 (the server fixture)

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = {
    "demo": ("demo@example.com", "demo-password"),
    "second": ("second@example.com", "second-password"),
}
LEADS = 20
THANKS = "Thanks for connecting, {first_name}!"
FOLLOWUP = "One more thing, {first_name}: shall we talk next week?"
CAMPAIGN_TIMEOUT_S = 420.0


@pytest.fixture
def sim_settings(settings: Settings, sim: SimServer) -> Settings:
    """The server on the simulator, fast pace, no warm-up, caps out of the way, and the
    server's detection checks (acceptances, replies) every couple of seconds."""
    settings.linkedin_base_url = sim.base_url
    settings.max_sessions = 2
    settings.caps = False
    settings.warmup_days = 0
    settings.gap_min_s = settings.gap_max_s = 0
    # Detection is being added on main: whatever its interval settings are called, make
    # them short (a field about detection or checks, in seconds).
    for name in type(settings).model_fields:
        if any(w in name for w in ("detect", "check", "poll")) and name.endswith("_s"):
            setattr(settings, name, 2.0)
    return settings


@pytest.fixture
def accounts(server: httpx.Client) -> dict[str, str]:  # noqa: F811
    """The simulator's two accounts, logged in on the server: handle -> username."""
    for handle, (username, password) in ACCOUNTS.items():
        login(server, handle, username=username, password=password)
    return {handle: username for handle, (username, _) in ACCOUNTS.items()}


@pytest.fixture
def members(sim: SimServer) -> list[str]:
    """Twenty members nobody is connected to."""
    ids = [f"camp-lead-{i:02d}" for i in range(LEADS)]
    for i, public_id in enumerate(ids):
        sim.state.upsert_profile(public_id, name=f"Lead{i:02d} Person")
    return ids


def events_available(server: httpx.Client) -> bool:  # noqa: F811
    return server.get("/events").status_code != 404


class CampaignWorker:
    """`openoutreach-server campaign-worker` in its own process."""

    def __init__(self, temporal: TemporalDevServer, server_url: str, queue: str, tmp: Path):
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OO_")},
            "OO_CAMPAIGN_TEMPORAL_ADDRESS": temporal.address,
            "OO_CAMPAIGN_SERVER_URL": server_url,
            "OO_CAMPAIGN_API_KEY": API_KEY,
            "OO_CAMPAIGN_TASK_QUEUE": queue,
            "OO_CAMPAIGN_STATE_DIR": str(tmp / "campaign-state"),
            "OO_CAMPAIGN_EVENT_WAIT_S": "2",
            "PYTHONPATH": str(ROOT),
        }
        self.log = tmp / "campaign-worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "openoutreach_server", "campaign-worker"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown, its activities' heartbeats just stop."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def worker(
    temporal_server: TemporalDevServer,
    server: httpx.Client,  # noqa: F811
    tmp_path: Path,
) -> Iterator[CampaignWorker]:
    process = CampaignWorker(
        temporal_server, str(server.base_url), f"e2e-{uuid.uuid4().hex[:8]}", tmp_path
    )
    process.start()
    yield process
    process.stop()


def campaign_flow(deadline: str, followup_delay: str) -> Flow:
    """invite -> accepted (1 s): thanks -> (`followup_delay`) follow-up;
    not accepted by `deadline`: withdraw."""
    return parse_flow(
        {
            "nodes": [
                {"id": "invite",
                 "data": {"type": "send_invite", "config": {"message": "Hi {first_name}"}}},
                {"id": "thanks", "data": {"type": "send_followup", "config": {"message": THANKS}}},
                {"id": "followup",
                 "data": {"type": "send_followup", "config": {"message": FOLLOWUP}}},
                {"id": "withdraw", "data": {"type": "withdraw_request", "config": {}}},
            ],
            "edges": [
                {"source": "invite", "target": "thanks", "type": "conditional",
                 "data": {"isPositive": True, "delay": "1s"}},
                {"source": "invite", "target": "withdraw", "type": "conditional",
                 "data": {"isPositive": False, "delay": deadline}},
                {"source": "thanks", "target": "followup", "data": {"delay": followup_delay}},
            ],
        }
    )  # fmt: skip


def leads_for(members: list[str], sim: SimServer) -> list[Lead]:
    """Half the leads on each account (the CSV's `account` column)."""
    return [
        Lead(
            profile_url=sim.profile_url(public_id),
            account="demo" if i % 2 == 0 else "second",
            fields={"first_name": f"Lead{i:02d}"},
        )
        for i, public_id in enumerate(members)
    ]


async def start(
    temporal: Client, worker: CampaignWorker, flow: Flow, leads: list[Lead]
) -> tuple[str, Any]:
    campaign_id = f"e2e{uuid.uuid4().hex[:8]}"
    options = CampaignOptions(
        max_concurrent=LEADS,
        stagger=0,  # type: ignore[arg-type]
        heartbeat=3,  # type: ignore[arg-type]  # a killed worker's runs move on in seconds
    )
    await service.start_campaign(
        temporal,
        worker.env["OO_CAMPAIGN_TASK_QUEUE"],
        campaign_id=campaign_id,
        flow=flow,
        leads=leads,
        account="demo",
        options=options,
    )
    return campaign_id, service.campaign(temporal, campaign_id)


async def wait_until(check: Any, what: str, within: float = 180.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


def by_member(records: list[dict[str, Any]], key: str = "public_id") -> Counter[str]:
    return Counter(str(r[key]) for r in records)


async def kill_and_restart(worker: CampaignWorker, sim: SimServer, after_invitations: int) -> int:
    """SIGKILL the worker once some invitations went out, restart it; returns how many had
    gone out when it died."""
    await wait_until(lambda: len(sim.invitations()) >= after_invitations, "some invitations")
    worker.kill()
    sent = len(sim.invitations())
    await asyncio.sleep(1.0)
    worker.start()
    return sent


@pytest.mark.timeout(600)
async def test_unanswered_invitations_are_withdrawn_once_despite_a_killed_worker(
    temporal: Client,
    worker: CampaignWorker,
    server: httpx.Client,  # noqa: F811
    sim: SimServer,
    accounts: dict[str, str],
    members: list[str],
) -> None:
    """Runs without the server's events: nobody accepts, every lead is withdrawn."""
    flow = campaign_flow(deadline="20s", followup_delay="5s")
    campaign_id, handle = await start(temporal, worker, flow, leads_for(members, sim))
    sent_before_kill = await kill_and_restart(worker, sim, after_invitations=6)
    status: CampaignStatus = await asyncio.wait_for(handle.result(), CAMPAIGN_TIMEOUT_S)

    invitations = by_member(sim.invitations())
    assert invitations == Counter({m: 1 for m in members})
    notes = {r["public_id"]: r["note"] for r in sim.invitations()}
    assert notes["camp-lead-03"] == "Hi Lead03"
    assert by_member(sim.state.withdrawals()) == Counter({m: 1 for m in members})
    assert sim.state.social.messages() == []
    senders = {(r["account"], r["public_id"]) for r in sim.invitations()}
    assert ("second@example.com", "camp-lead-01") in senders
    assert ("demo@example.com", "camp-lead-00") in senders
    assert status.outcomes == {"completed": LEADS}
    assert status.nodes["invite"] == {"sent": LEADS, "not_accepted": LEADS}
    # On the server: one connect and one withdraw run per lead, no more.
    query = {"tag": f"campaign-{campaign_id}", "limit": 100}
    runs = (await asyncio.to_thread(server.get, "/runs", params=query)).json()
    assert Counter(r["touchpoint"]["type"] for r in runs["items"]) == {
        "connect": 20,
        "withdraw": 20,
    }
    assert sent_before_kill < LEADS  # it died mid-campaign
    assert worker.log.read_text().count("campaign worker on") == 2


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kill", [False, True], ids=["steady", "worker-killed"])
async def test_campaign_of_twenty_leads_on_the_simulator(
    kill: bool,
    temporal: Client,
    worker: CampaignWorker,
    server: httpx.Client,  # noqa: F811
    sim: SimServer,
    accounts: dict[str, str],
    members: list[str],
) -> None:
    """Half accept, one replies after the thank-you: acceptances and replies come from the
    server's detection through its event feed, forwarded by the worker's pump."""
    assert events_available(server)
    flow = campaign_flow(deadline="90s", followup_delay="30s")
    leads = leads_for(members, sim)
    _, handle = await start(temporal, worker, flow, leads)
    accepted = members[::2]  # half of them, on both accounts
    replier = accepted[1]
    account_of = {
        m: accounts[lead.account or "demo"] for m, lead in zip(members, leads, strict=True)
    }

    async def accept_all() -> None:
        pending = set(accepted)
        while pending:
            sent = {r["public_id"] for r in sim.invitations()}
            for member in sorted(pending & sent):
                answer = await control.post(
                    sim.url("/__sim/invitations/respond"),
                    json={"account": account_of[member], "public_id": member, "action": "accept"},
                )
                assert answer.status_code == 200, answer.text
                pending.discard(member)
            await asyncio.sleep(0.2)

    async def reply_after_thanks() -> None:
        def thanked() -> bool:
            return any(m["target"] == replier for m in sim.state.social.messages())

        await wait_until(thanked, "the replier's thank-you message", within=240)
        answer = await control.post(
            sim.url("/__sim/messages/reply"),
            json={"account": account_of[replier], "from_public_id": replier, "text": "Hi! Sure."},
        )
        assert answer.status_code == 200, answer.text

    async with httpx.AsyncClient() as control:
        helpers = [asyncio.create_task(accept_all()), asyncio.create_task(reply_after_thanks())]
        if kill:
            await kill_and_restart(worker, sim, after_invitations=8)
        status: CampaignStatus = await asyncio.wait_for(handle.result(), CAMPAIGN_TIMEOUT_S)
        for task in helpers:
            await task

    assert by_member(sim.invitations()) == Counter({m: 1 for m in members})
    messages = sim.state.social.messages()
    texts: dict[str, list[str]] = {}
    for message in messages:
        texts.setdefault(message["target"], []).append(message["text"])
    for i, member in enumerate(members):
        name = f"Lead{i:02d}"
        if member == replier:
            assert texts[member] == [THANKS.format(first_name=name)]  # nothing after the reply
        elif member in accepted:
            assert texts[member] == [
                THANKS.format(first_name=name),
                FOLLOWUP.format(first_name=name),
            ]
        else:
            assert member not in texts
    not_accepted = [m for m in members if m not in accepted]
    assert by_member(sim.state.withdrawals()) == Counter({m: 1 for m in not_accepted})
    assert status.outcomes == {"completed": LEADS - 1, "replied": 1}
