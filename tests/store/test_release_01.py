"""A database made by release 0.1 (no Alembic) is migrated with every row kept, and the
server works on it.

The old database is built from tests/store/release_0_1.sql: 0.1's DDL (commit f87b940) and
rows written the way 0.1 wrote them. No code of 0.1 is imported.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from openoutreach_server.config import Settings
from openoutreach_server.crypto import SecretBox
from openoutreach_server.main import create_app
from openoutreach_server.store.migrate import head
from openoutreach_server.store.records import Claimed
from tests.conftest import API_KEY
from tests.store.schema_check import (
    EXPRESSION_INDEXES,
    descending_columns,
    diff_names,
    expected_where_clauses,
    schema_diff,
    where_clauses,
)
from tests.store.test_migrations import migrate_cli
from tests.support.live import LiveServer

FIXTURE = Path(__file__).with_name("release_0_1.sql")
# The key the fixture's secrets were sealed with (0.1 kept it in $OO_DATA_DIR/secret.key).
RELEASE_01_SECRET_KEY = "cGhuN1Mxr0w95dZB5x_74UsNJXTKSsS9fFgCYtOrpwc="
TABLES = ("accounts", "runs", "schedules")


def _rows(path: Path, table: str, columns: list[str] | None = None) -> dict[Any, dict[str, Any]]:
    key = "handle" if table == "accounts" else "id"
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute(f"SELECT * FROM {table}")]
    return {r[key]: {c: r[c] for c in (columns or list(r))} for r in rows}


@pytest.fixture
def old_data_dir(tmp_path: Path) -> Path:
    """A data dir as release 0.1 left it: the database and its secret key."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        conn.executescript(FIXTURE.read_text())
    (data_dir / "secret.key").write_text(RELEASE_01_SECRET_KEY)
    (data_dir / "secret.key").chmod(0o600)
    return data_dir


def test_release_01_database_is_migrated_with_every_row_kept(old_data_dir: Path) -> None:
    path = old_data_dir / "openoutreach.db"
    url = f"sqlite:///{path}"
    before = {table: _rows(path, table) for table in TABLES}
    assert [len(before[t]) for t in TABLES] == [3, 10, 2]

    assert migrate_cli(url, old_data_dir) == f"schema migrated from 0.1 to revision {head()}"
    assert migrate_cli(url, old_data_dir) == f"schema at revision {head()}: nothing to do"

    for table in TABLES:
        old_columns = list(next(iter(before[table].values())))
        assert _rows(path, table, old_columns) == before[table], f"{table} changed"
    accounts = _rows(path, "accounts")
    uids = [a["uid"] for a in accounts.values()]
    assert all(len(uid) == 32 and int(uid, 16) >= 0 for uid in uids)
    assert len(set(uids)) == 3
    # What 0.1 reported as a session (li_at or a saved state) is still one.
    assert {h: bool(a["session_cookie"]) for h, a in accounts.items()} == {
        "jane": True,
        "sam": False,
        "max": False,
    }
    # And the secrets sealed by 0.1 open with the same key.
    box = SecretBox(RELEASE_01_SECRET_KEY.encode())
    state = box.open_json(accounts["jane"]["storage_state_enc"])
    assert [c["name"] for c in state["cookies"]] == ["li_at"]
    assert box.open(accounts["sam"]["password_enc"]) == "sam-password"

    # Everything the models need is there, with every guarantee the indexes carry.
    differences = diff_names(schema_diff(url))
    missing = [d for d in differences if d[0].startswith("add_") and d[1] not in EXPRESSION_INDEXES]
    assert missing == []
    assert where_clauses(url) == expected_where_clauses()
    assert descending_columns(url, "ix_runs_claim") == ["priority"]
    # What differs from a fresh database, and why it is harmless: 0.1 declared JSON columns
    # as JSON (a type name only, for SQLite), kept defaults in Python (the ports write every
    # column), and had accounts.next_action_at (pacing, now last_action_at + gap_draw).
    assert {op for op, _ in differences} <= {
        "modify_type",
        "modify_default",
        "modify_nullable",
        "remove_column",
        "remove_index",
        "add_index",
    }
    assert [name for op, name in differences if op == "remove_column"] == [
        "accounts.next_action_at"
    ]


def test_the_server_works_on_a_release_01_database(old_data_dir: Path) -> None:
    settings = Settings(
        data_dir=old_data_dir,
        api_keys=API_KEY,
        pace="fast",
        lease_s=2.0,
        shutdown_grace_s=2.0,
        worker_host="h1",
        # Schedule 1's fires were missed long ago; with no grace they are skipped, not run,
        # whatever the time of day the test runs at.
        schedule_grace_s=0.0,
    )
    executed: list[int] = []

    async def noop(run: Claimed) -> dict[str, Any]:
        executed.append(run.id)
        return {"ok": True}

    with (
        LiveServer(create_app(settings, run_fn=noop)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=30) as api,
    ):
        listed = api.get("/runs", params={"limit": 100}).json()["items"]
        assert sorted(r["run_id"] for r in listed) == list(range(1, 11))
        old = {r["run_id"]: r for r in listed}
        assert old[1]["result"]["public_identifier"] == "john-smith"
        assert old[2]["error_code"] == "UI_CHANGED"
        assert old[2]["artifacts"] == ["screenshot.png", "page.html", "trace.zip"]
        assert old[3]["status"] == "interrupted"
        assert old[6]["schedule_id"] == 1
        assert old[7]["dry_run"] is True
        assert old[7]["touchpoint"]["note"] == "Hi John,\nshall we connect? 👋"
        assert [r["run_id"] for r in api.get("/runs?tag=campaign-7").json()["items"]] == [5]
        assert old[10]["waiting_reason"] == "account paused: holiday"

        jane = api.get("/accounts/jane").json()
        assert (jane["status"], jane["timezone"], jane["has_session"]) == (
            "active",
            "Europe/Paris",
            True,
        )
        assert jane["quotas"] == {"connect": {"day": 25}}
        assert jane["identity"]["viewport"] == [1440, 900]
        maxi = api.get("/accounts/max").json()
        assert (maxi["status"], maxi["has_proxy"], maxi["status_reason"]) == (
            "paused",
            True,
            "holiday",
        )
        assert maxi["working_hours"][0]["start"] == "09:00"
        sam = api.get("/accounts/sam").json()
        assert (sam["status"], sam["has_password"], sam["username"]) == (
            "needs_login",
            True,
            "sam@example.com",
        )

        # The old pending run of an active account is claimed and done; so is a new one.
        posted = api.post(
            "/runs",
            json={
                "handle": "jane",
                "touchpoint": {
                    "type": "visit",
                    "profile_url": "https://www.linkedin.com/in/john-smith/",
                },
            },
        )
        assert posted.status_code == 201, posted.text
        new_id = posted.json()["run_id"]
        assert new_id == 11
        for run_id in (5, new_id):
            done = api.get(f"/runs/{run_id}", params={"wait": 20}).json()
            assert (done["status"], done["result"]) == ("completed", {"ok": True})
        assert sorted(executed) == [5, new_id]
        # Runs of accounts that cannot run still wait, and say why.
        assert "needs_login" in api.get("/runs/4").json()["waiting_reason"]
        assert api.get("/runs/10").json()["status"] == "pending"

        # New rows on the old tables: an account and a schedule.
        created = api.post("/accounts", json={"handle": "new", "li_at": "cookie"})
        assert created.status_code == 201, created.text
        schedule = api.post(
            "/schedules",
            json={
                "handle": "new",
                "touchpoint": {"type": "visit", "profile_url": "https://www.linkedin.com/in/x/"},
                "cron": "0 9 * * *",
            },
        )
        assert schedule.status_code == 201, schedule.text
        schedules = api.get("/schedules").json()["items"]
        assert sorted(s["schedule_id"] for s in schedules) == [1, 2, 3]
        paused = next(s for s in schedules if s["schedule_id"] == 2)
        assert (paused["active"], paused["skipped_fires"], paused["dry_run"]) == (False, 2, True)
        # The poller took over the old active schedule: its missed fires skipped and counted.
        hourly = next(s for s in schedules if s["schedule_id"] == 1)
        assert (hourly["fires"], hourly["last_fire_at"] is not None) == (1, True)
        assert hourly["skipped_fires"] >= 1
        assert hourly["next_fire_at"] > _iso(time.time())


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()
