"""Test helpers over the real store: accounts and runs made through its ports."""

from __future__ import annotations

import secrets
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


def statuses(store: Store) -> dict[int, str]:
    """run id -> status, read straight from the database."""
    with store.db.read() as conn:
        return {int(r["id"]): r["status"] for r in conn.execute("SELECT id, status FROM runs")}


def run_row(store: Store, run_id: int, *columns: str) -> tuple[Any, ...]:
    """Some columns of one run, read straight from the database."""
    with store.db.read() as conn:
        found = conn.execute(
            f"SELECT {', '.join(columns)} FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
    return tuple(found[column] for column in columns)


def execute(store: Store, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Run one statement in its own transaction (to set up a state by hand)."""
    with store.db.write() as conn:
        conn.execute(sql, params)
