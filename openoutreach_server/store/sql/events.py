"""The event port: the outbox of what happened, written by the other ports inside the very
transaction that made it happen, read by the feed (`GET /events`) and the webhook
deliverer. An event's id is stable and increasing: it is the feed's cursor and the
webhook-id of every delivery of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openoutreach_server.store.sql.connector import Conn, Connector
from openoutreach_server.store.sql.rows import dumps, loads

# Every type an event can have (SPEC §9).
EVENT_TYPES: tuple[str, ...] = (
    "run.completed",
    "run.failed",
    "run.interrupted",
    "run.canceled",
    "account.status_changed",
    "account.cooldown_started",
    "account.home_host_changed",
    "invitation.accepted",
    "invitation.withdrawn",
    "message.replied",
    "webhook.disabled",
)
# A run's final status, and the event that reports it.
RUN_EVENT: dict[str, str] = {
    "completed": "run.completed",
    "failed": "run.failed",
    "interrupted": "run.interrupted",
    "canceled": "run.canceled",
}
# What a run event says about its run (columns of `runs`).
RUN_EVENT_COLUMNS = (
    "id, handle, type, touchpoint, status, dry_run, result, error_code, error, retryable,"
    " tags, idempotency_key, schedule_id, callback_url"
)


@dataclass(frozen=True)
class EventRecord:
    """An event as stored."""

    id: int
    type: str
    handle: str | None
    run_id: int | None
    data: dict[str, Any]
    created_at: float


def add_event(
    conn: Conn,
    type_: str,
    data: Mapping[str, Any],
    now: float,
    *,
    handle: str | None = None,
    run_id: int | None = None,
) -> None:
    """Write one event in the caller's transaction."""
    conn.execute(
        "INSERT INTO events (type, handle, run_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
        (type_, handle, run_id, dumps(dict(data)), now),
    )


def run_event(conn: Conn, row: Mapping[str, Any], now: float) -> None:
    """The event of a run that just reached a final status (`row`: RUN_EVENT_COLUMNS)."""
    data = {
        "run_id": int(row["id"]),
        "handle": row["handle"],
        "touchpoint": row["type"],
        "input": loads(row["touchpoint"], {}),
        "status": row["status"],
        "dry_run": bool(row["dry_run"]),
        "result": loads(row["result"]),
        "error_code": row["error_code"],
        "error": row["error"],
        "retryable": None if row["retryable"] is None else bool(row["retryable"]),
        "tags": loads(row["tags"], []),
        "idempotency_key": row["idempotency_key"],
        "schedule_id": row["schedule_id"],
    }
    add_event(
        conn, RUN_EVENT[row["status"]], data, now, handle=row["handle"], run_id=int(row["id"])
    )


def run_events(conn: Conn, ids: Iterable[int], now: float) -> None:
    """The events of runs that just reached a final status (read back in the transaction)."""
    for run_id in ids:
        row = conn.execute(f"SELECT {RUN_EVENT_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        found = row.fetchone()
        if found is not None and found["status"] in RUN_EVENT:
            run_event(conn, found, now)


def status_event(
    conn: Conn, handle: str, status: str, previous: str, reason: str | None, now: float
) -> None:
    """An account's status changed."""
    data = {"handle": handle, "status": status, "previous": previous, "reason": reason}
    add_event(conn, "account.status_changed", data, now, handle=handle)


def _record(row: Mapping[str, Any]) -> EventRecord:
    return EventRecord(
        id=int(row["id"]),
        type=row["type"],
        handle=row["handle"],
        run_id=row["run_id"],
        data=loads(row["data"], {}),
        created_at=row["created_at"],
    )


class SqlEvents:
    """The event port over a SQL connector."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def after(
        self,
        cursor: int,
        *,
        types: Sequence[str] = (),
        handle: str | None = None,
        limit: int = 100,
    ) -> list[EventRecord]:
        """Events with an id above `cursor`, oldest first, matching the filters."""
        where = ["id > ?"]
        params: list[Any] = [cursor]
        if types:
            where.append(f"type IN ({', '.join('?' * len(types))})")
            params += list(types)
        if handle is not None:
            where.append("handle = ?")
            params.append(handle)
        sql = f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY id LIMIT ?"
        with self.db.read() as conn:
            return [_record(row) for row in conn.execute(sql, (*params, limit)).fetchall()]

    def get(self, event_id: int) -> EventRecord | None:
        """One event."""
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else _record(row)

    def last_id(self) -> int:
        """The newest event's id (0 when there is none)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT max(id) AS last FROM events").fetchone()
        return int(row["last"] or 0)
