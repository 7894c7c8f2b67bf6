"""Helpers for schedule tests: a database, accounts and schedules made through the real code."""

from __future__ import annotations

from typing import Any

import pytest

from openoutreach_server import schedules
from openoutreach_server.db.engine import Database
from tests.queue.conftest import add_accounts

PROFILE = "https://www.linkedin.com/in/john-smith/"
VISIT = {"type": "visit", "profile_url": PROFILE, "dwell_s": [2.0, 6.0], "scroll": True}


@pytest.fixture
def db(database: Database) -> Database:
    """The test database with an account `jane`."""
    add_accounts(database, ["jane"])
    return database


def add_schedule(db: Database, now: float, cron: str, tz: str = "UTC", **extra: Any) -> int:
    """Create a schedule through schedules.create (as the API does)."""
    fields = {
        "handle": "jane",
        "touchpoint": VISIT,
        "cron": cron,
        "timezone": tz,
        "tags": [],
        "active": True,
        "dry_run": False,
        "priority": 0,
        **extra,
    }
    with db.raw_write() as conn:
        return int(schedules.create(conn, fields, now)["id"])


def fire_times(db: Database, schedule_id: int) -> list[float]:
    """The fire_time of every run of a schedule, in insertion order."""
    with db.raw_read() as conn:
        rows = conn.execute(
            "SELECT fire_time FROM runs WHERE schedule_id = ? ORDER BY id", (schedule_id,)
        ).fetchall()
    return [r[0] for r in rows]


def schedule_row(db: Database, schedule_id: int) -> dict[str, Any]:
    """The schedule's row as a dict."""
    with db.raw_read() as conn:
        return dict(conn.execute("SELECT * FROM schedules WHERE id = ?", (schedule_id,)).fetchone())
