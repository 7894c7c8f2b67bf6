"""The statements that insert runs, shared by the ports that create runs (runs, schedule
fires, detection checks)."""

from __future__ import annotations

from typing import Any

from openoutreach_server.store.records import NewRun
from openoutreach_server.store.sql.rows import dumps

INSERT_COLUMNS = (
    "handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags,"
    " callback_url, on_quota, idempotency_key, request_hash, attempt, max_attempts,"
    " artifacts, created_at"
)
INSERT = (
    f"INSERT INTO runs ({INSERT_COLUMNS})"
    " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '[]', ?) RETURNING id"
)
# The hot path: insert only if the account exists, in one statement (no row: no account).
INSERT_IF_ACCOUNT = (
    f"INSERT INTO runs ({INSERT_COLUMNS})"
    " SELECT ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '[]', ?"
    " WHERE EXISTS (SELECT 1 FROM accounts WHERE handle = ?) RETURNING id"
)
# A schedule's fire: a run that also carries its fire's identity. A fire already inserted
# (by this process or another) is left alone by the unique index uq_runs_schedule_fire.
INSERT_FIRE = (
    f"INSERT INTO runs ({INSERT_COLUMNS}, schedule_id, fire_time)"
    " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '[]', ?, ?, ?)"
    " ON CONFLICT (schedule_id, fire_time) WHERE schedule_id IS NOT NULL DO NOTHING"
    " RETURNING id"
)


def insert_values(
    new: NewRun, now: float, idempotency_key: str | None = None, body_hash: str | None = None
) -> tuple[Any, ...]:
    """The values of a run insert, in column order (without schedule_id / fire_time)."""
    return (
        new.handle,
        new.type,
        dumps(new.touchpoint),
        new.side_effecting,
        new.dry_run,
        new.priority,
        new.not_before if new.not_before is not None else now,
        dumps(new.tags),
        new.callback_url,
        new.on_quota,
        idempotency_key,
        body_hash,
        new.max_attempts,
        now,
    )
