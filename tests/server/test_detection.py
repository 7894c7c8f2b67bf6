"""The server notices accepted invitations, vanished ones and replies by itself, end to end
against the simulator: each event arrives exactly once."""

from __future__ import annotations

import time
from typing import Any

import httpx

from linkedin_sim import SimServer
from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.conftest import API_KEY
from tests.server.conftest import login, wait_run
from tests.support.live import LiveServer
from tests.support.receiver import Receiver

DEMO = "demo@example.com"


def _run(client: httpx.Client, touchpoint: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {"handle": "demo", "touchpoint": touchpoint, **extra}
    response = client.post("/runs", json=body)
    assert response.status_code == 201, response.text
    run = wait_run(client, response.json()["run_id"])
    assert run["status"] == "completed", run
    return run


def _events_until(client: httpx.Client, wanted: set[str], timeout: float = 60.0) -> list[Any]:
    seen: list[Any] = []
    cursor = "0"
    deadline = time.monotonic() + timeout
    while not wanted <= {e["type"] for e in seen}:
        assert time.monotonic() < deadline, [e["type"] for e in seen]
        page = client.get("/events", params={"after": cursor, "wait": 5}).json()
        seen += page["items"]
        cursor = page["next_cursor"]
    return seen


def test_acceptance_withdrawal_and_reply_are_noticed_once(
    sim_settings: Settings, sim: SimServer
) -> None:
    sim_settings.detection_interval_s = 1.0
    sim_settings.webhook_allow_private = True
    with (
        LiveServer(create_app(sim_settings)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=60) as client,
        Receiver() as hook_receiver,
        Receiver() as callback,
    ):
        login(client, "demo", li_at="sim-li-at-demo")
        kinds = ["invitation.accepted", "invitation.withdrawn", "message.replied"]
        hook = client.post("/webhooks", json={"url": hook_receiver.url, "event_types": kinds})
        secret = hook.json()["secret"]
        for public_id in ("jane-doe", "john-smith", "ivan-instant"):
            touchpoint = {"type": "connect", "profile_url": sim.profile_url(public_id)}
            extra = {"callback_url": callback.url} if public_id == "jane-doe" else {}
            _run(client, touchpoint, **extra)
        message = _run(
            client,
            {
                "type": "message",
                "profile_url": sim.profile_url("carl-connected"),
                "text": "Hi Carl, shall we talk?",
            },
        )
        pending = client.get("/accounts/demo/invitations").json()
        assert sorted(i["public_identifier"] for i in pending) == [
            "ivan-instant",
            "jane-doe",
            "john-smith",
        ]
        assert {i["status"] for i in pending} == {"pending"}

        # Behind the page: Jane accepts, John ignores the invitation, Carl replies.
        for public_id, action in (("jane-doe", "accept"), ("john-smith", "decline")):
            body = {"account": DEMO, "public_id": public_id, "action": action}
            httpx.post(f"{sim.base_url}/__sim/invitations/respond", json=body).raise_for_status()
        reply = {"account": DEMO, "from_public_id": "carl-connected", "text": "Sure, Tuesday?"}
        httpx.post(f"{sim.base_url}/__sim/messages/reply", json=reply).raise_for_status()

        wanted = {"invitation.accepted", "invitation.withdrawn", "message.replied"}
        events = _events_until(client, wanted)
        time.sleep(3)  # more detection checks run meanwhile: nothing is reported twice
        events += client.get("/events", params={"after": events[-1]["id"], "limit": 500}).json()[
            "items"
        ]

        found = [e for e in events if e["type"] in wanted]
        assert sorted((e["type"], e["data"]["public_identifier"]) for e in found) == [
            ("invitation.accepted", "jane-doe"),
            ("invitation.withdrawn", "john-smith"),
            ("message.replied", "carl-connected"),
        ]
        replied = next(e for e in found if e["type"] == "message.replied")["data"]
        assert replied["run_id"] == message["run_id"] and replied["handle"] == "demo"
        accepted = next(e for e in found if e["type"] == "invitation.accepted")["data"]
        assert accepted["profile_url"] == sim.profile_url("jane-doe")

        statuses = {
            i["public_identifier"]: i["status"]
            for i in client.get("/accounts/demo/invitations").json()
        }
        assert statuses == {
            "jane-doe": "accepted",
            "john-smith": "withdrawn",
            "ivan-instant": "pending",
        }
        # The webhook got each of them once; Jane's connect run heard of its acceptance.
        got = [r.verify(secret) for r in hook_receiver.wait_for(3)]
        assert sorted(e["type"] for e in got) == sorted(kinds)
        assert {e["id"] for e in got} == {e["id"] for e in found}
        callback_secret = client.get("/webhooks/callback-secret").json()["secret"]
        heard = [r.verify(callback_secret)["type"] for r in callback.wait_for(2)]
        assert sorted(heard) == ["invitation.accepted", "run.completed"]
        assert len(hook_receiver.requests) == 3
        # The checks are ordinary, low-priority, read-only runs of the account.
        checks = client.get("/runs", params={"tag": "detection", "limit": 500}).json()["items"]
        assert {r["touchpoint"]["type"] for r in checks} >= {"sent_invitations", "inbox"}
        assert all(r["priority"] == -1000 for r in checks)
