"""The /schedules API over real HTTP: CRUD, validation naming the field, runs by schedule."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.conftest import API_KEY
from tests.scheduler.conftest import PROFILE
from tests.support.live import LiveServer


def _count(data_dir: Path, table: str) -> int:
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _body(**extra: Any) -> dict[str, Any]:
    return {
        "handle": "jane",
        "touchpoint": {"type": "visit", "profile_url": PROFILE},
        "cron": "30 9 * * mon-fri",
        "timezone": "Europe/Paris",
        **extra,
    }


def test_create_get_list_patch_delete(api: httpx.Client, account: str, data_dir: Path) -> None:
    created = api.post("/schedules", json=_body(tags=["weekday"]))
    assert created.status_code == 201, created.text
    schedule = created.json()
    sid = schedule["schedule_id"]
    assert schedule["active"] is True and schedule["next_fire_at"] is not None
    assert schedule["cron"] == "30 9 * * mon-fri" and schedule["timezone"] == "Europe/Paris"
    assert schedule["touchpoint"]["dwell_s"] == [2.0, 6.0]  # stored as validated
    assert (schedule["fires"], schedule["skipped_fires"], schedule["tags"]) == (0, 0, ["weekday"])
    assert api.get(f"/schedules/{sid}").json() == schedule

    second = api.post("/schedules", json=_body(cron="*/5 * * * *", active=False)).json()
    assert second["next_fire_at"] is None
    page = api.get("/schedules", params={"limit": 1}).json()
    assert [s["schedule_id"] for s in page["items"]] == [second["schedule_id"]]
    page2 = api.get("/schedules", params={"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [s["schedule_id"] for s in page2["items"]] == [sid] and page2["next_cursor"] is None
    active = api.get("/schedules", params={"active": True}).json()["items"]
    assert [s["schedule_id"] for s in active] == [sid]

    paused = api.patch(f"/schedules/{sid}", json={"active": False}).json()
    assert paused["active"] is False and paused["next_fire_at"] is None
    resumed = api.patch(
        f"/schedules/{sid}", json={"active": True, "cron": "0 10 * * *", "timezone": "UTC"}
    ).json()
    assert resumed["next_fire_at"].endswith("10:00:00Z")
    assert resumed["cron"] == "0 10 * * *"

    assert api.delete(f"/schedules/{sid}").status_code == 204
    assert api.get(f"/schedules/{sid}").status_code == 404
    assert api.delete(f"/schedules/{sid}").status_code == 404
    assert api.patch(f"/schedules/{sid}", json={"active": False}).status_code == 404
    assert _count(data_dir, "schedules") == 1


def test_invalid_schedule_names_the_field_and_writes_nothing(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    cases = [
        (_body(handle="nobody"), "handle"),
        (_body(handle="Bad!"), "handle"),
        (_body(cron="* * * *"), "cron"),
        (_body(cron="* * * * * * *"), "cron"),
        (_body(cron="99 * * * *"), "cron"),
        (_body(cron="0 0 30 2 *"), "cron"),  # 30 February never comes
        (_body(timezone="Mars/Olympus"), "timezone"),
        (_body(touchpoint={"type": "teleport"}), "touchpoint"),
        (
            _body(touchpoint={"type": "visit", "profile_url": "https://evil.example/in/x/"}),
            "touchpoint.profile_url",
        ),
        (_body(tags=[""]), "tags"),
        (_body(priority=1000), "priority"),
        (_body(surprise=1), "surprise"),
    ]
    for body, field in cases:
        response = api.post("/schedules", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert any(e["field"].startswith(field) for e in problem["errors"]), (field, problem)
    assert _count(data_dir, "schedules") == 0

    sid = api.post("/schedules", json=_body()).json()["schedule_id"]
    before = api.get(f"/schedules/{sid}").json()
    patches: list[tuple[dict[str, Any], str]] = [
        ({"cron": "nope"}, "cron"),
        ({"cron": "0 0 31 4 *"}, "cron"),
        ({"timezone": "Nowhere"}, "timezone"),
        ({"active": None}, "active"),
        (
            {"touchpoint": {"type": "visit", "profile_url": "https://evil.example/in/x/"}},
            "touchpoint",
        ),
        ({"handle": "other"}, "handle"),
    ]
    for patch, field in patches:
        response = api.patch(f"/schedules/{sid}", json=patch)
        assert response.status_code == 422, (patch, response.text)
        assert any(e["field"].startswith(field) for e in response.json()["errors"]), patch
    assert api.get(f"/schedules/{sid}").json() == before


def test_runs_of_a_schedule_are_listed_by_schedule_id_and_kept_after_delete(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    sid = api.post("/schedules", json=_body()).json()["schedule_id"]
    # Runs as the poller writes them (this server has no worker, so no poller).
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        for fire in (1000.0, 2000.0):
            conn.execute(
                "INSERT INTO runs (handle, type, touchpoint, side_effecting, status, dry_run,"
                " priority, not_before, tags, on_quota, attempt, max_attempts, artifacts,"
                " created_at, schedule_id, fire_time) VALUES ('jane', 'visit', '{}', 0,"
                " 'pending', 0, 0, ?, '[]', 'wait', 0, 3, '[]', ?, ?, ?)",
                (fire, fire, sid, fire),
            )
    other = api.post(
        "/runs", json={"handle": "jane", "touchpoint": {"type": "visit", "profile_url": PROFILE}}
    )
    assert other.json()["schedule_id"] is None and other.json()["fire_time"] is None
    listed = api.get("/runs", params={"schedule_id": sid}).json()["items"]
    assert [r["fire_time"] for r in listed] == ["1970-01-01T00:33:20Z", "1970-01-01T00:16:40Z"]
    assert {r["schedule_id"] for r in listed} == {sid}
    assert api.delete(f"/schedules/{sid}").status_code == 204
    assert len(api.get("/runs", params={"schedule_id": sid}).json()["items"]) == 2


def test_openapi_documents_the_schedule_endpoints(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    assert {"/schedules", "/schedules/{schedule_id}"} <= set(spec["paths"])
    create = spec["components"]["schemas"]["ScheduleCreate"]
    assert create["examples"][0]["cron"] == "30 9 * * mon-fri"


def test_a_cron_firing_too_often_is_refused_with_its_fields_spelled_out(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    # Quartz / node-cron "every 30 s" (seconds first) reads here as every second of two minutes.
    response = api.post("/schedules", json=_body(cron="*/30 * * * * *"))
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == "cron"
    assert "fires every 1 s" in error["message"] and "minimum interval of 60 s" in error["message"]
    assert "minute=*/30" in error["message"] and "second=*" in error["message"]
    assert "seconds are the LAST field" in error["message"]
    every_minute = api.post("/schedules", json=_body(cron="* * * * *"))
    assert every_minute.status_code == 201, every_minute.text
    sid = every_minute.json()["schedule_id"]
    assert api.patch(f"/schedules/{sid}", json={"cron": "* * * * * */10"}).status_code == 422
    assert _count(data_dir, "schedules") == 1
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        assert conn.execute("SELECT cron FROM schedules").fetchone()[0] == "* * * * *"


def test_an_impossible_date_gets_a_sentence(api: httpx.Client, account: str) -> None:
    response = api.post("/schedules", json=_body(cron="0 0 31 2 *"))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "never fires: no calendar date matches it" in detail
    assert "17" not in detail  # no epoch timestamp in a sentence meant for people


def test_the_minimum_interval_is_a_setting(settings: Settings) -> None:
    settings.schedule_min_interval_s = 0
    with (
        LiveServer(create_app(settings, worker=False)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}) as client,
    ):
        client.post("/accounts", json={"handle": "jane", "li_at": "x"}).raise_for_status()
        assert client.post("/schedules", json=_body(cron="* * * * * */2")).status_code == 201
