"""Helpers for executor tests: accounts and runs made through the real queue."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from linkedin.touchpoints.models import SIDE_EFFECTING
from openoutreach_server import queue
from openoutreach_server.db.engine import Database
from openoutreach_server.db.models import Account


def add_accounts(db: Database, handles: list[str], now: float = 0.0) -> None:
    """Insert active accounts directly (no login needed for fake touchpoints)."""
    with db.write() as s:
        for handle in handles:
            s.add(
                Account(
                    handle=handle, status="active", timezone="UTC", created_at=now, updated_at=now
                )
            )


def add_run(
    db: Database, handle: str, type_: str = "visit", now: float = 0.0, **kwargs: object
) -> int:
    """Enqueue one run through the queue module."""
    new = queue.NewRun(
        handle=handle,
        type=type_,
        touchpoint={"type": type_, "profile_url": "https://www.linkedin.com/in/x/"},
        side_effecting=type_ in SIDE_EFFECTING,
        **kwargs,  # type: ignore[arg-type]
    )
    run, _ = queue.enqueue(db, new, now)
    return int(run["id"])


def statuses(path: Path) -> dict[int, str]:
    """run id -> status, read straight from the file."""
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT id, status FROM runs").fetchall())
