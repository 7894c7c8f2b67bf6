"""Every schedule method against a real API-only server; effects read from the SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openoutreach_client import Client, InvalidInput, NotFound, RecentPostsInput, VisitInput
from tests.client.conftest import PROFILE, Requests, execute, rows


def test_create_get_patch_and_delete(oo: Client, data_dir: Path) -> None:
    oo.accounts.create("jane", li_at="cookie-value")
    schedule = oo.schedules.create(
        "jane",
        VisitInput(profile_url=PROFILE, dwell_s=(3, 8)),
        "30 9 * * mon-fri",
        timezone="Europe/Paris",
        tags=["daily"],
        priority=3,
        dry_run=True,
    )
    assert schedule.active and schedule.next_fire_at is not None and schedule.fires == 0
    (row,) = rows(data_dir, "SELECT * FROM schedules")
    assert (row["id"], row["cron"], row["timezone"], row["priority"], row["dry_run"]) == (
        schedule.schedule_id,
        "30 9 * * mon-fri",
        "Europe/Paris",
        3,
        1,
    )
    assert json.loads(row["touchpoint"])["dwell_s"] == [3, 8]
    assert json.loads(row["tags"]) == ["daily"]
    assert oo.schedules.get(schedule.schedule_id) == schedule

    paused = oo.schedules.patch(schedule.schedule_id, active=False)
    assert not paused.active and paused.next_fire_at is None
    (row,) = rows(data_dir, "SELECT active, next_fire_at, cron FROM schedules")
    assert row == {"active": 0, "next_fire_at": None, "cron": "30 9 * * mon-fri"}
    resumed = oo.schedules.patch(
        schedule.schedule_id,
        active=True,
        cron="0 10 * * mon-fri",
        touchpoint=RecentPostsInput(profile_url=PROFILE, limit=5),
        tags=["posts"],
    )
    assert resumed.active and resumed.next_fire_at is not None
    (row,) = rows(data_dir, "SELECT * FROM schedules")
    assert (row["cron"], row["type"], json.loads(row["tags"])) == (
        "0 10 * * mon-fri",
        "recent_posts",
        ["posts"],
    )
    with pytest.raises(InvalidInput) as err:
        oo.schedules.patch(schedule.schedule_id, cron="not a cron")
    assert "cron" in err.value.fields

    # Runs it queued (linked by hand: the poller does not run in an API-only server).
    kept = oo.runs.create("jane", VisitInput(profile_url=PROFILE)).run_id
    pending = oo.runs.create("jane", VisitInput(profile_url=PROFILE)).run_id
    execute(data_dir, "UPDATE runs SET schedule_id = ?", schedule.schedule_id)
    execute(data_dir, "UPDATE runs SET status = 'completed' WHERE id = ?", kept)
    assert oo.schedules.delete(schedule.schedule_id, cancel_pending=True) is None
    assert rows(data_dir, "SELECT id FROM schedules") == []
    assert rows(data_dir, "SELECT id, status FROM runs ORDER BY id") == [
        {"id": kept, "status": "completed"},
        {"id": pending, "status": "canceled"},
    ]
    with pytest.raises(NotFound):
        oo.schedules.get(schedule.schedule_id)


def test_delete_keeps_pending_runs_by_default(oo: Client, data_dir: Path) -> None:
    oo.accounts.create("jane", li_at="cookie-value")
    schedule = oo.schedules.create("jane", {"type": "visit", "profile_url": PROFILE}, "0 * * * *")
    run = oo.runs.create("jane", VisitInput(profile_url=PROFILE))
    execute(data_dir, "UPDATE runs SET schedule_id = ?", schedule.schedule_id)
    oo.schedules.delete(schedule.schedule_id)
    assert rows(data_dir, "SELECT status FROM runs WHERE id = ?", run.run_id) == [
        {"status": "pending"}
    ]


def test_list_filters_and_iterate_follow_the_cursor(
    api_requests: tuple[Client, Requests],
) -> None:
    oo, sent = api_requests
    oo.accounts.create("jane", li_at="cookie-value")
    oo.accounts.create("sam", li_at="cookie-value")
    ids = [
        oo.schedules.create(
            handle, VisitInput(profile_url=PROFILE), "0 9 * * *", active=handle == "jane"
        ).schedule_id
        for handle in ["jane", "sam", "jane", "jane", "sam"]
    ]
    page = oo.schedules.list(limit=2)
    assert [s.schedule_id for s in page.items] == ids[::-1][:2] and page.next_cursor
    before = sent.count("GET", "/schedules")
    assert [s.schedule_id for s in oo.schedules.iterate(limit=2)] == ids[::-1]
    assert sent.count("GET", "/schedules") - before == 3
    assert [s.schedule_id for s in oo.schedules.iterate(handle="sam")] == [ids[4], ids[1]]
    assert [s.schedule_id for s in oo.schedules.iterate(active=True, limit=1)] == [
        ids[3],
        ids[2],
        ids[0],
    ]
    assert [s.schedule_id for s in oo.schedules.list(active=False).items] == [ids[4], ids[1]]
