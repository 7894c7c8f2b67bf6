"""A database made by an earlier build gains new columns and indexes on start."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from openoutreach_server.store import store_for
from openoutreach_server.store.notifier import UnixSocketNotifier
from openoutreach_server.store.sqlite import SqliteConnector


def test_old_database_gains_columns_and_unique_indexes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # the shape of the first release's tables
        conn.execute(
            "CREATE TABLE accounts (handle VARCHAR(64) PRIMARY KEY, status VARCHAR(20),"
            " timezone VARCHAR(64), created_at FLOAT, updated_at FLOAT)"
        )
        conn.execute(
            "CREATE TABLE runs (id INTEGER PRIMARY KEY, handle VARCHAR(64), type VARCHAR(32),"
            " touchpoint JSON, side_effecting BOOLEAN, status VARCHAR(16), not_before FLOAT,"
            " created_at FLOAT)"
        )
        conn.execute("INSERT INTO accounts VALUES ('a', 'active', 'UTC', 0, 0)")
        conn.execute("INSERT INTO runs VALUES (1, 'a', 'visit', '{}', 0, 'completed', 0, 0)")
    db = SqliteConnector(f"sqlite:///{path}")
    db.create_schema()
    db.create_schema()  # idempotent
    with sqlite3.connect(path) as conn:
        run_columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
        accounts = {row[1]: row for row in conn.execute("PRAGMA table_info(accounts)")}
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(runs)")}
        epoch = conn.execute("SELECT session_epoch FROM accounts WHERE handle = 'a'").fetchone()
    assert {"schedule_id", "fire_time", "lease_expires_at", "idempotency_key"} <= run_columns
    assert {"session_epoch", "cooldowns", "last_action_at", "uid"} <= set(accounts)
    assert {"uq_runs_one_running_per_handle", "uq_runs_schedule_fire", "ix_runs_claim"} <= indexes
    assert epoch == (0,)  # the server default filled the existing row
    old_run = store_for(db, UnixSocketNotifier(tmp_path / "wake")).runs.get(1)
    assert old_run is not None
    assert (old_run.status, old_run.dry_run, old_run.tags, old_run.priority) == (
        "completed",
        False,
        [],
        0,
    )
