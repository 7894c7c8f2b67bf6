"""Every run method against a real API-only server; effects read from the SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from openoutreach_client import (
    Client,
    Conflict,
    ConnectInput,
    ErrorCode,
    NotFound,
    RunFailed,
    VisitInput,
    idempotency_key,
)
from openoutreach_server.config import Settings
from tests.client.conftest import PROFILE, Requests, execute, rows


@pytest.fixture
def jane(oo: Client) -> str:
    oo.accounts.create("jane", li_at="cookie-value")
    return "jane"


def test_create_sends_every_option_and_the_database_holds_them(
    oo: Client, jane: str, data_dir: Path
) -> None:
    start = datetime(2030, 1, 31, 9, 0, tzinfo=UTC)
    key = idempotency_key("campaign-7", "lead-42", "invite")
    run = oo.runs.create(
        jane,
        ConnectInput(profile_url=PROFILE, note="Hi John,\nconnect?"),
        dry_run=True,
        not_before=start,
        priority=7,
        tags=["campaign-7", "wave-1"],
        callback_url="https://93.184.215.14/hooks/oo",
        on_quota="fail",
        idempotency_key=key,
    )
    assert run.status == "pending" and run.dry_run and run.priority == 7
    assert run.not_before == start and run.tags == ["campaign-7", "wave-1"]
    (row,) = rows(data_dir, "SELECT * FROM runs WHERE id = ?", run.run_id)
    assert json.loads(row["touchpoint"]) == {
        "type": "connect",
        "profile_url": PROFILE,
        "note": "Hi John,\nconnect?",
    }
    assert (row["dry_run"], row["priority"], row["on_quota"]) == (1, 7, "fail")
    assert row["not_before"] == start.timestamp()
    assert json.loads(row["tags"]) == ["campaign-7", "wave-1"]
    assert row["callback_url"] == "https://93.184.215.14/hooks/oo"
    assert row["idempotency_key"] == key

    as_dict = oo.runs.create(jane, {"type": "visit", "profile_url": PROFILE, "dwell_s": [1, 2]})
    assert as_dict.touchpoint["dwell_s"] == [1, 2]
    with pytest.raises(ValueError, match="timezone-aware"):
        oo.runs.create(jane, VisitInput(profile_url=PROFILE), not_before=datetime(2030, 1, 1))
    assert len(rows(data_dir, "SELECT id FROM runs")) == 2


def test_idempotency_replay_returns_the_same_run(oo: Client, jane: str, data_dir: Path) -> None:
    key = idempotency_key("lead-42", "connect")
    touchpoint = ConnectInput(profile_url=PROFILE, note="Hi!")
    first = oo.runs.create(jane, touchpoint, tags=["t"], idempotency_key=key)
    # The same request as a dict is the same body for the server.
    again = oo.runs.create(
        jane,
        {"type": "connect", "profile_url": PROFILE, "note": "Hi!"},
        tags=["t"],
        idempotency_key=key,
    )
    assert again.run_id == first.run_id
    assert len(rows(data_dir, "SELECT id FROM runs")) == 1
    with pytest.raises(Conflict) as err:
        oo.runs.create(jane, ConnectInput(profile_url=PROFILE, note="Other"), idempotency_key=key)
    assert err.value.status == 409 and "Idempotency-Key" in err.value.detail
    assert len(rows(data_dir, "SELECT id FROM runs")) == 1


def test_get_with_wait_is_a_long_poll(oo: Client, jane: str) -> None:
    run = oo.runs.create(jane, VisitInput(profile_url=PROFILE))
    got = oo.runs.get(run.run_id)
    assert got.run_id == run.run_id and got.waiting_reason
    held = oo.runs.get(run.run_id, wait=0.5)  # no worker: still pending after the wait
    assert held.status == "pending" and not held.done
    with pytest.raises(NotFound):
        oo.runs.get(999_999)


def test_list_filters_and_iterate_follow_the_cursor(
    api_requests: tuple[Client, Requests], data_dir: Path
) -> None:
    oo, sent = api_requests
    oo.accounts.create("jane", li_at="cookie-value")
    oo.accounts.create("sam", li_at="cookie-value")
    ids = [
        oo.runs.create(handle, VisitInput(profile_url=PROFILE), tags=[f"t{i % 2}"]).run_id
        for i, handle in enumerate(["jane", "sam", "jane", "jane", "sam", "jane", "jane"])
    ]
    oo.runs.cancel(ids[0])

    page = oo.runs.list(limit=3)
    assert [r.run_id for r in page.items] == ids[::-1][:3] and page.next_cursor
    assert [r.run_id for r in oo.runs.list(cursor=page.next_cursor, limit=3).items] == (
        ids[::-1][3:6]
    )
    before = sent.count("GET", "/runs")
    assert [r.run_id for r in oo.runs.iterate(limit=2)] == ids[::-1]
    assert sent.count("GET", "/runs") - before == 4  # 7 runs, 2 a page

    jane_runs = [ids[i] for i in (0, 2, 3, 5, 6)]
    assert [r.run_id for r in oo.runs.iterate(handle="jane", limit=2)] == jane_runs[::-1]
    assert [r.run_id for r in oo.runs.iterate(status="canceled")] == [ids[0]]
    assert [r.run_id for r in oo.runs.iterate(tag="t1")] == [ids[5], ids[3], ids[1]]
    assert [r.run_id for r in oo.runs.iterate(type="visit", handle="sam")] == [ids[4], ids[1]]
    assert list(oo.runs.iterate(type="login")) == []
    future = datetime.now(UTC) + timedelta(hours=1)
    assert list(oo.runs.iterate(created_after=future)) == []
    assert len(list(oo.runs.iterate(created_before=future))) == 7
    execute(data_dir, "UPDATE runs SET schedule_id = 5 WHERE id = ?", ids[2])
    assert [r.run_id for r in oo.runs.iterate(schedule_id=5)] == [ids[2]]


def test_cancel_and_cancel_many(oo: Client, jane: str, data_dir: Path) -> None:
    one = oo.runs.create(jane, VisitInput(profile_url=PROFILE))
    canceled = oo.runs.cancel(one.run_id)
    assert canceled.status == "canceled" and canceled.error_code is ErrorCode.CANCELED
    with pytest.raises(RunFailed) as err:
        canceled.raise_for_error()
    assert err.value.code is ErrorCode.CANCELED and err.value.run_id == one.run_id
    assert oo.runs.cancel(one.run_id).status == "canceled"  # canceling again changes nothing
    started = oo.runs.create(jane, VisitInput(profile_url=PROFILE))
    execute(data_dir, "UPDATE runs SET status = 'running' WHERE id = ?", started.run_id)
    with pytest.raises(Conflict):  # a started action is never cut off
        oo.runs.cancel(started.run_id)
    execute(data_dir, "UPDATE runs SET status = 'completed' WHERE id = ?", started.run_id)

    tagged = [
        oo.runs.create(jane, VisitInput(profile_url=PROFILE), tags=["campaign-7"]).run_id
        for _ in range(3)
    ]
    other = oo.runs.create(jane, VisitInput(profile_url=PROFILE), tags=["other"]).run_id
    out = oo.runs.cancel_many(tag="campaign-7")
    assert out.canceled == 3 and sorted(out.run_ids) == tagged
    statuses = dict((r["id"], r["status"]) for r in rows(data_dir, "SELECT id, status FROM runs"))
    assert [statuses[i] for i in tagged] == ["canceled"] * 3
    assert statuses[other] == "pending"


def test_download_artifact(oo: Client, jane: str, settings: Settings, data_dir: Path) -> None:
    run = oo.runs.create(jane, VisitInput(profile_url=PROFILE))
    # A failed run's artifact, as the executor would leave it (no browser in this suite).
    folder = Path(settings.artifacts_dir) / str(run.run_id)
    folder.mkdir(parents=True)
    (folder / "page.html").write_bytes(b"<html>\x00\xff binary-safe</html>")
    execute(data_dir, "UPDATE runs SET artifacts = ? WHERE id = ?", '["page.html"]', run.run_id)
    assert oo.runs.download_artifact(run.run_id, "page.html") == (
        b"<html>\x00\xff binary-safe</html>"
    )
    with pytest.raises(NotFound):
        oo.runs.download_artifact(run.run_id, "trace.zip")
