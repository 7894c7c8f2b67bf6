"""AsyncClient: the same methods, awaited, on a representative subset against a real server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from openoutreach_client import (
    AsyncClient,
    Conflict,
    ConnectInput,
    ErrorCode,
    InvalidInput,
    NotFound,
    RunFailed,
    Unauthorized,
    VisitInput,
    WaitTimeout,
    idempotency_key,
)
from tests.client.conftest import PROFILE, Requests, rows
from tests.conftest import API_KEY


async def test_async_client_end_to_end_against_the_api(api: httpx.Client, data_dir: Path) -> None:
    sent = Requests()

    async def record(request: httpx.Request) -> None:
        sent(request)

    async with (
        httpx.AsyncClient(event_hooks={"request": [record]}) as http,
        AsyncClient(str(api.base_url), API_KEY, http_client=http) as oo,
    ):
        assert (await oo.health()).status == "ok"
        account = await oo.accounts.create("jane", li_at="cookie-value", timezone="Europe/Paris")
        assert account.status == "needs_login"
        assert [a.handle for a in await oo.accounts.list()] == ["jane"]
        paused = await oo.accounts.pause("jane", "holiday")
        assert paused.status == "paused"
        assert rows(data_dir, "SELECT status, timezone FROM accounts") == [
            {"status": "paused", "timezone": "Europe/Paris"}
        ]
        await oo.accounts.resume("jane")

        key = idempotency_key("campaign-7", "lead-42", "invite")
        touchpoint = ConnectInput(profile_url=PROFILE, note="Hi John!")
        run = await oo.runs.create("jane", touchpoint, tags=["c7"], idempotency_key=key)
        again = await oo.runs.create("jane", touchpoint, tags=["c7"], idempotency_key=key)
        assert again.run_id == run.run_id
        (row,) = rows(data_dir, "SELECT id, idempotency_key, touchpoint FROM runs")
        assert row["id"] == run.run_id and row["idempotency_key"] == key
        assert json.loads(row["touchpoint"])["note"] == "Hi John!"
        with pytest.raises(Conflict):
            await oo.runs.create("jane", VisitInput(profile_url=PROFILE), idempotency_key=key)

        more = [
            (await oo.runs.create("jane", VisitInput(profile_url=PROFILE))).run_id for _ in range(4)
        ]
        before = sent.count("GET", "/runs")
        listed = [r.run_id async for r in oo.runs.iterate(limit=2)]
        assert listed == [*more[::-1], run.run_id]
        assert sent.count("GET", "/runs") - before == 3

        async def cancel_later() -> None:
            await asyncio.sleep(1.0)
            await oo.runs.cancel(run.run_id)

        canceller = asyncio.create_task(cancel_later())
        ended = await oo.wait_for(run, timeout=60)
        await canceller
        assert ended.status == "canceled"
        assert sent.count("GET", f"/runs/{run.run_id}") <= 2
        with pytest.raises(RunFailed) as failed:
            ended.raise_for_error()
        assert failed.value.code is ErrorCode.CANCELED
        with pytest.raises(WaitTimeout):
            await oo.wait_for(more[0], timeout=0.5)

        canceled = await oo.runs.cancel_many(handle="jane")
        assert sorted(canceled.run_ids) == more
        assert {r["status"] for r in rows(data_dir, "SELECT status FROM runs")} == {"canceled"}

        schedule = await oo.schedules.create("jane", VisitInput(profile_url=PROFILE), "0 9 * * *")
        assert [s.schedule_id async for s in oo.schedules.iterate()] == [schedule.schedule_id]
        await oo.schedules.delete(schedule.schedule_id)
        assert rows(data_dir, "SELECT id FROM schedules") == []

        with pytest.raises(NotFound):
            await oo.runs.get(424242)
        with pytest.raises(InvalidInput) as err:
            await oo.runs.create("jane", {"type": "visit", "profile_url": "nope"})
        assert "touchpoint.profile_url" in err.value.fields


async def test_async_wrong_key_and_who_closes_the_http_client(api: httpx.Client) -> None:
    oo = AsyncClient(str(api.base_url), "wrong")
    async with oo:
        with pytest.raises(Unauthorized):
            await oo.accounts.list()
    assert oo._http.is_closed  # made by the client: closed with it
    async with httpx.AsyncClient() as http:
        async with AsyncClient(str(api.base_url), API_KEY, http_client=http) as injected:
            assert (await injected.accounts.list()) == []
        assert not http.is_closed  # injected: the caller's to close
