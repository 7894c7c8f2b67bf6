"""`client.events`: the event feed. Against a stand-in serving the documented contract
(`GET /events?after=&type=&type=&handle=&limit=&wait=`), and against the real server once
it has the endpoint (skipped, saying so, while `/events` is a 404)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query

from openoutreach_client import AsyncClient, Client, Event
from tests.client.conftest import PROFILE
from tests.conftest import API_KEY
from tests.support.live import LiveServer

FEED = [
    {"id": 1, "type": "run.completed", "timestamp": "2026-12-01T10:00:00Z",
     "data": {"handle": "jane"}},
    {"id": 2, "type": "invitation.accepted", "timestamp": "2026-12-01T10:01:00Z",
     "data": {"handle": "jane", "public_identifier": "john-smith", "run_id": 1}},
    {"id": 3, "type": "message.replied", "timestamp": "2026-12-01T10:02:00Z",
     "data": {"handle": "sam", "public_identifier": "ann"}},
    {"id": 4, "type": "invitation.accepted", "timestamp": "2026-12-01T10:03:00Z",
     "data": {"handle": "jane", "public_identifier": "ann", "run_id": 9}},
]  # fmt: skip


@pytest.fixture
def stand_in() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A server answering /events as the contract says; records each query."""
    app = FastAPI()
    asked: list[dict[str, Any]] = []

    @app.get("/events")
    def events(
        after: int = 0,
        type: Annotated[list[str] | None, Query()] = None,
        handle: str | None = None,
        limit: int = 100,
        wait: float | None = None,
    ) -> dict[str, Any]:
        asked.append({"after": after, "type": type, "handle": handle, "limit": limit, "wait": wait})
        items = [
            e
            for e in FEED
            if e["id"] > after
            and (not type or e["type"] in type)
            and (handle is None or e["data"].get("handle") == handle)
        ][:limit]
        return {"items": items, "next_cursor": str(items[-1]["id"]) if items else str(after)}

    with LiveServer(app) as live:
        yield live.url, asked


def test_list_sends_repeated_types_and_parses_events(
    stand_in: tuple[str, list[dict[str, Any]]],
) -> None:
    url, asked = stand_in
    with Client(url, API_KEY) as oo:
        page = oo.events.list(
            after=1, types=["invitation.accepted", "message.replied"], handle="jane", wait=5
        )
    assert [e.id for e in page.items] == [2, 4]
    assert isinstance(page.items[0], Event)
    assert page.items[0].data["public_identifier"] == "john-smith"
    assert page.items[0].timestamp.year == 2026
    assert page.next_cursor == "4"
    assert asked == [
        {
            "after": 1,
            "type": ["invitation.accepted", "message.replied"],
            "handle": "jane",
            "limit": 100,
            "wait": 5.0,
        }
    ]


async def test_iterate_follows_the_cursor_until_the_end(
    stand_in: tuple[str, list[dict[str, Any]]],
) -> None:
    url, asked = stand_in
    with Client(url, API_KEY) as oo:
        assert [e.id for e in oo.events.iterate(limit=2)] == [1, 2, 3, 4]
    assert [a["after"] for a in asked] == [0, 2, 4]
    async with AsyncClient(url, API_KEY) as aoo:
        seen = [e.id async for e in aoo.events.iterate(after=2, types=["invitation.accepted"])]
    assert seen == [4]


def test_the_real_server_feed(api: httpx.Client) -> None:
    assert api.get("/events").status_code == 200
    with Client(str(api.base_url), API_KEY) as oo:
        oo.accounts.create("jane", li_at="cookie-value")
        run = oo.runs.create("jane", {"type": "visit", "profile_url": PROFILE})
        oo.runs.cancel(run.run_id)
        page = oo.events.list(types=["run.canceled"], wait=5)
        [canceled] = [e for e in page.items if e.data.get("run_id") == run.run_id]
        assert canceled.type == "run.canceled"
        assert canceled.data["handle"] == "jane"
        later = oo.events.list(after=page.next_cursor, types=["run.canceled"], wait=0)
        assert later.items == []
