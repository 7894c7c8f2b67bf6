"""The worker port: which worker processes run, on which host, and how busy they are."""

from __future__ import annotations

from dataclasses import dataclass

from openoutreach_server.store.sql.connector import Connector


@dataclass(frozen=True)
class WorkerRecord:
    """A worker process as it last reported itself."""

    id: str
    host: str
    pid: int
    started_at: float
    heartbeat_at: float
    capacity: int
    running: int
    open_sessions: int


@dataclass(frozen=True)
class HostRecord:
    """A host: its live workers and the accounts pinned to it."""

    host: str
    workers: list[WorkerRecord]
    accounts: list[str]


class SqlWorkers:
    """The worker port over a SQL connector."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def register(self, worker_id: str, host: str, pid: int, capacity: int, now: float) -> None:
        """Record a worker that starts (or starts again under the same id)."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM workers WHERE id = ?", (worker_id,))
            conn.execute(
                "INSERT INTO workers (id, host, pid, started_at, heartbeat_at, capacity,"
                " running, open_sessions) VALUES (?, ?, ?, ?, ?, ?, 0, 0)",
                (worker_id, host, pid, now, now, capacity),
            )

    def heartbeat(
        self,
        worker_id: str,
        now: float,
        running: int,
        open_sessions: int,
        memory_bytes: int = 0,
    ) -> None:
        """The worker is alive, with this load (and its browser's resident memory)."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE workers SET heartbeat_at = ?, running = ?, open_sessions = ?,"
                " memory_bytes = ? WHERE id = ?",
                (now, running, open_sessions, memory_bytes, worker_id),
            )

    def stopped(self, worker_id: str, now: float) -> None:
        """The worker stopped cleanly."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE workers SET stopped_at = ?, running = 0, open_sessions = 0,"
                " memory_bytes = 0 WHERE id = ?",
                (now, worker_id),
            )

    def hosts(self, now: float, stale_s: float) -> list[HostRecord]:
        """Hosts with a live worker (heartbeat within `stale_s`) or pinned accounts."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT * FROM workers WHERE stopped_at IS NULL AND heartbeat_at >= ?"
                " ORDER BY host, id",
                (now - stale_s,),
            ).fetchall()
            pinned = conn.execute(
                "SELECT handle, home_host FROM accounts WHERE home_host IS NOT NULL ORDER BY handle"
            ).fetchall()
        workers: dict[str, list[WorkerRecord]] = {}
        for row in rows:
            workers.setdefault(row["host"], []).append(
                WorkerRecord(
                    id=row["id"],
                    host=row["host"],
                    pid=row["pid"],
                    started_at=row["started_at"],
                    heartbeat_at=row["heartbeat_at"],
                    capacity=row["capacity"],
                    running=row["running"],
                    open_sessions=row["open_sessions"],
                )
            )
        accounts: dict[str, list[str]] = {}
        for row in pinned:
            accounts.setdefault(row["home_host"], []).append(row["handle"])
        return [
            HostRecord(host=host, workers=workers.get(host, []), accounts=accounts.get(host, []))
            for host in sorted(set(workers) | set(accounts))
        ]

    def prune(self, before: float) -> int:
        """Forget workers not heard of since `before` (stopped or dead long ago)."""
        with self.db.write() as conn:
            return int(
                conn.execute("DELETE FROM workers WHERE heartbeat_at < ?", (before,)).rowcount
            )
