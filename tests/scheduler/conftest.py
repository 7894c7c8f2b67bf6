"""Helpers for schedule tests: a database, accounts and schedules made through the real code."""

from __future__ import annotations

from typing import Any

import pytest

from openoutreach_server.schedules import first_fire
from openoutreach_server.store import Store
from tests.support.store import add_accounts

PROFILE = "https://www.linkedin.com/in/john-smith/"
VISIT = {"type": "visit", "profile_url": PROFILE, "dwell_s": [2.0, 6.0], "scroll": True}


@pytest.fixture
def db(database: Store) -> Store:
    """The test database with an account `jane`."""
    add_accounts(database, ["jane"])
    return database


def add_schedule(db: Store, now: float, cron: str, tz: str = "UTC", **extra: Any) -> int:
    """Create a schedule through the schedule port, its first fire computed as the service
    does."""
    fields: dict[str, Any] = {
        "handle": "jane",
        "type": "visit",
        "touchpoint": VISIT,
        "cron": cron,
        "timezone": tz,
        "tags": [],
        "active": True,
        "dry_run": False,
        "priority": 0,
        "created_at": now,
        "updated_at": now,
        "fires": 0,
        "skipped_fires": 0,
        **extra,
    }
    fields["next_fire_at"] = first_fire(cron, tz, now) if fields["active"] else None
    return db.schedules.create(fields).id


def fire_times(db: Store, schedule_id: int) -> list[float]:
    """The fire_time of every run of a schedule, in insertion order."""
    with db.db.read() as conn:
        rows = conn.execute(
            "SELECT fire_time FROM runs WHERE schedule_id = ? ORDER BY id", (schedule_id,)
        ).fetchall()
    return [r["fire_time"] for r in rows]


def schedule_row(db: Store, schedule_id: int) -> dict[str, Any]:
    """The schedule's row as a dict."""
    with db.db.read() as conn:
        return dict(conn.execute("SELECT * FROM schedules WHERE id = ?", (schedule_id,)).fetchone())


def patch_schedule(
    db: Store, schedule_id: int, changes: dict[str, Any], now: float
) -> dict[str, Any]:
    """Apply a PATCH through the schedule service at time `now`; returns the stored row."""
    from cryptography.fernet import Fernet

    from openoutreach_server import schedules
    from openoutreach_server.clock import FakeClock
    from openoutreach_server.config import Settings
    from openoutreach_server.context import ServerContext
    from openoutreach_server.crypto import SecretBox
    from openoutreach_server.schemas import SchedulePatch

    ctx = ServerContext(
        settings=Settings(schedule_min_interval_s=0),
        store=db,
        box=SecretBox(Fernet.generate_key()),
        api_keys=[],
        clock=FakeClock(now),
    )
    schedules.patch(ctx, schedule_id, SchedulePatch.model_validate(changes))
    return schedule_row(db, schedule_id)
