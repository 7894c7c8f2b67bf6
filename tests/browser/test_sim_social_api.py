"""The simulator's posts / messaging controls and routes, over plain HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from linkedin_sim import SimServer


@pytest.fixture
def client(sim: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, follow_redirects=False, timeout=10) as http:
        yield http


def test_post_controls(client: httpx.Client) -> None:
    assert client.post("/__sim/posts", json={"author": "x", "text": "t", "age": "3x"}).is_error
    made = client.post("/__sim/posts", json={"author": "john-smith", "text": "t", "age": "1w"})
    urn = made.json()["urn"]
    assert any(p["urn"] == urn and p["age"] == "1w" for p in client.get("/__sim/posts").json())
    bad = {"account": "demo@example.com", "target": urn, "reaction": "WOW"}
    assert client.post("/__sim/reactions", json=bad).status_code == 400
    client.post("/__sim/reactions", json={**bad, "reaction": "LOVE"})
    state = client.get("/__sim/messaging").json()
    assert {"account": "demo@example.com", "target": urn, "reaction": "LOVE"} in state[
        "reactions_now"
    ]
    # Putting a reaction in place is setup, not an event.
    assert client.get("/__sim/reactions").json() == []


def test_messaging_controls(client: httpx.Client) -> None:
    body = {"account": "demo@example.com", "enter_to_send": False, "inmail_credits": 2}
    assert client.post("/__sim/messaging/settings", json=body).json() == {
        "account": "demo@example.com",
        "enter_to_send": False,
        "premium": True,
        "inmail_credits": 2,
        "credits_wording": "count",
        "subject_required": False,
        "message_max_chars": None,
    }
    for path in ("/__sim/messages", "/__sim/inmails", "/__sim/comments"):
        assert client.get(path).json() == []


def test_routes(client: httpx.Client) -> None:
    post = "/feed/update/urn:li:activity:7300000000000000201/"
    assert client.get(post).headers["location"].startswith("/login?session_redirect=")
    client.cookies.set("li_at", "sim-li-at-demo")
    assert client.get(post).status_code == 200
    assert client.get("/feed/update/urn:li:activity:1/").status_code == 404
    assert client.get("/in/nobody/recent-activity/all/").headers["location"] == "/404/"
    moved = client.get("/in/rita-old-slug/recent-activity/all/")
    assert moved.headers["location"] == "/in/rita-renamed/recent-activity/all/"
    thread = client.get("/messaging/compose/?recipient=carl-connected")
    assert thread.headers["location"].startswith("/messaging/thread/2-")
    assert "Try Premium" not in client.get("/messaging/compose/?recipient=jane-doe").text
    client.post("/__sim/messaging/settings", json={"account": "demo@example.com", "premium": False})
    assert "Try Premium" in client.get("/messaging/compose/?recipient=jane-doe").text
    # The XHRs check the csrf token like LinkedIn's API.
    send = "/voyager/api/voyagerMessagingDashMessengerMessages?action=createMessage"
    assert client.post(send, json={"recipient": "x", "text": "hi"}).status_code == 403
