"""Test helpers over the real store: accounts and runs made through its ports."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path
from typing import Any

from linkedin.touchpoints.models import SIDE_EFFECTING
from openoutreach_server.store import Store
from openoutreach_server.store.records import NewRun


def add_accounts(store: Store, handles: list[str], now: float = 0.0, **fields: Any) -> None:
    """Insert active accounts directly (no login needed for fake touchpoints)."""
    for handle in handles:
        store.accounts.create(
            {
                "handle": handle,
                "uid": secrets.token_hex(16),
                "status": "active",
                "timezone": "UTC",
                "created_at": now,
                "updated_at": now,
                "session_epoch": 0,
                "session_cookie": False,
                "consecutive_failures": 0,
                **fields,
            }
        )


def add_run(
    store: Store, handle: str, type_: str = "visit", now: float = 0.0, **kwargs: Any
) -> int:
    """Enqueue one run through the run port."""
    new = NewRun(
        handle=handle,
        type=type_,
        touchpoint={"type": type_, "profile_url": "https://www.linkedin.com/in/x/"},
        side_effecting=type_ in SIDE_EFFECTING,
        **kwargs,
    )
    run, _ = store.runs.enqueue(new, now)
    return run.id


def statuses(path: Path | str) -> dict[int, str]:
    """run id -> status, read straight from the SQLite file."""
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT id, status FROM runs").fetchall())


def db_path(store: Store) -> str:
    """The SQLite file behind a store."""
    return str(store.db.path)
