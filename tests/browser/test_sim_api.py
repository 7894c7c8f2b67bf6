"""The simulator's /__sim/ control endpoints and page routing, over plain HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from linkedin_sim import SimServer


@pytest.fixture
def client(sim: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, follow_redirects=False, timeout=10) as http:
        yield http


def signed_in(client: httpx.Client, li_at: str = "sim-li-at-demo") -> httpx.Client:
    client.cookies.set("li_at", li_at)
    return client


def test_routing(client: httpx.Client) -> None:
    assert client.get("/feed/").headers["location"] == "/login?session_redirect=%2Ffeed%2F"
    assert client.get("/in/jane-doe/").headers["location"].startswith("/authwall?")
    signed_in(client)
    assert client.get("/feed/").status_code == 200
    assert client.get("/in/nobody/").headers["location"] == "/404/"
    moved = client.get("/in/rita-old-slug/")
    assert (moved.status_code, moved.headers["location"]) == (301, "/in/rita-renamed/")


def test_profiles_accounts_and_events(client: httpx.Client) -> None:
    client.post("/__sim/accounts", json={"username": "new@example.com", "li_at": "cookie-new"})
    client.post(
        "/__sim/profiles",
        json={
            "public_id": "zed",
            "name": "Zed Zero",
            "placement": "more_menu",
            "relationships": {"new@example.com": "connected"},
        },
    ).raise_for_status()
    page = signed_in(client, "cookie-new").get("/in/zed/")
    assert page.status_code == 200 and "Zed Zero" in page.text and ">1st<" in page.text
    assert client.get("/__sim/visits").json()[-1]["account"] == "new@example.com"
    assert client.post("/__sim/reset").json() == {"ok": True}
    assert client.get("/__sim/visits").json() == []
    assert client.get("/in/zed/").status_code == 302  # cookie no longer valid after reset


def test_faults(client: httpx.Client) -> None:
    signed_in(client)
    client.post("/__sim/faults", json={"path_prefix": "/in/slow-sam/", "delay_ms": 300})
    started = time.monotonic()
    assert client.get("/in/slow-sam/").status_code == 200
    assert time.monotonic() - started >= 0.3
    client.post("/__sim/faults", json={"path_prefix": "/feed/", "action": "rate_limit", "times": 1})
    limited = client.get("/feed/")
    assert limited.status_code == 429 and "<main" not in limited.text
    assert client.get("/feed/").status_code == 200
    client.post("/__sim/faults", json={"path_prefix": "/feed/", "action": "checkpoint"})
    assert client.get("/feed/").headers["location"].startswith("/checkpoint/challenge/")
    client.delete("/__sim/faults")
    assert client.get("/__sim/faults").json() == []


def test_invitation_endpoint_needs_csrf(client: httpx.Client, sim: SimServer) -> None:
    signed_in(client)
    client.cookies.set("JSESSIONID", '"ajax:1"')
    urn = sim.state.profiles["jane-doe"].urn
    url = "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2"
    body = {"invitee": {"inviteeUnion": {"memberProfile": urn}}, "customMessage": " x\n"}
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={"csrf-token": "ajax:1"}).status_code == 201
    assert client.post(url, json=body, headers={"csrf-token": "ajax:1"}).status_code == 409
    assert [i["note"] for i in client.get("/__sim/invitations").json()] == [" x\n"]


def test_state_endpoint_shows_no_account_secret(client: httpx.Client) -> None:
    state = client.get("/__sim/state").json()
    text = str(state)
    for secret in ("demo-password", "sim-li-at-demo", "123456"):
        assert secret not in text
    assert any(a.get("username") == "checkpoint@example.com" for a in state["accounts"])
