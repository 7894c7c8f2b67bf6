"""GET /events over real HTTP: cursor, filters, long-poll, validation."""

from __future__ import annotations

import threading
import time

import httpx

PROFILE = "https://www.linkedin.com/in/john-smith/"


def _run(api: httpx.Client, **extra: object) -> int:
    body = {"handle": "jane", "touchpoint": {"type": "visit", "profile_url": PROFILE}, **extra}
    response = api.post("/runs", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["run_id"])


def test_the_feed_pages_by_cursor_and_filters(api: httpx.Client, account: str) -> None:
    runs = [_run(api, tags=["c1"]) for _ in range(3)]
    for run_id in runs:
        api.post(f"/runs/{run_id}/cancel").raise_for_status()
    api.post("/accounts/jane/pause", json={"reason": "holiday"}).raise_for_status()
    page = api.get("/events", params={"limit": 2}).json()
    assert [e["type"] for e in page["items"]] == ["run.canceled", "run.canceled"]
    assert [e["data"]["run_id"] for e in page["items"]] == runs[:2]
    rest = api.get("/events", params={"after": page["next_cursor"]}).json()
    assert [e["type"] for e in rest["items"]] == ["run.canceled", "account.status_changed"]
    assert rest["items"][1]["data"] == {
        "handle": "jane",
        "status": "paused",
        "previous": "needs_login",
        "reason": "holiday",
    }
    empty = api.get("/events", params={"after": rest["next_cursor"]}).json()
    assert empty == {"items": [], "next_cursor": rest["next_cursor"]}
    only = api.get("/events", params={"type": "account.status_changed,run.completed"}).json()
    assert [e["type"] for e in only["items"]] == ["account.status_changed"]
    repeated = api.get("/events", params=[("type", "run.canceled"), ("type", "webhook.disabled")])
    assert len(repeated.json()["items"]) == 3
    assert api.get("/events", params={"handle": "nobody"}).json()["items"] == []
    event = page["items"][0]
    assert set(event) == {"id", "type", "timestamp", "data"}
    assert event["data"]["tags"] == ["c1"] and event["data"]["handle"] == "jane"


def test_a_long_poll_answers_when_an_event_arrives(api: httpx.Client, account: str) -> None:
    cursor = api.get("/events").json()["next_cursor"]
    run_id = _run(api)

    def cancel_later() -> None:
        time.sleep(0.8)
        api.post(f"/runs/{run_id}/cancel")

    threading.Thread(target=cancel_later).start()
    started = time.monotonic()
    page = api.get("/events", params={"after": cursor, "wait": 20}).json()
    assert 0.7 < time.monotonic() - started < 10
    assert [e["type"] for e in page["items"]] == ["run.canceled"]


def test_bad_feed_parameters_are_422(api: httpx.Client) -> None:
    for params, field in (
        ({"type": "run.exploded"}, "type"),
        ({"after": -1}, "after"),
        ({"wait": 61}, "wait"),
        ({"limit": 0}, "limit"),
        ({"handle": "Not A Handle"}, "handle"),
    ):
        response = api.get("/events", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
