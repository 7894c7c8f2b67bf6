"""The metrics port: every figure `GET /metrics` shows, counted in the database at scrape time.

The API process does not run the runs and workers may be on other hosts, so nothing here is
kept in process memory: one read transaction of a few GROUP BY queries per scrape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openoutreach_server.store.sql.connector import Conn, Connector

# Final statuses whose runs were started: each such run is observed once by both histograms.
_STARTED_FINAL = "('completed', 'failed', 'interrupted')"
FANOUT_CURSOR_KEY = "webhooks.fanout_cursor"


@dataclass(frozen=True)
class Histogram:
    """Observations of one label set: cumulative counts per upper bound, count and sum."""

    buckets: tuple[int, ...]
    count: int
    total: float


@dataclass(frozen=True)
class HostLoad:
    """The live workers of one host, summed."""

    workers: int
    open_sessions: int
    memory_bytes: int


@dataclass(frozen=True)
class MetricsSnapshot:
    """Counts read in one transaction."""

    # (type, status) -> runs, every status
    runs: dict[tuple[str, str], int]
    # type -> duration (completed_at - started_at) and queue wait (started_at - due time)
    durations: dict[str, Histogram]
    waits: dict[str, Histogram]
    accounts: dict[str, int]
    hosts: dict[str, HostLoad]
    deliveries: dict[str, int]
    events_undelivered: int
    # active -> schedules
    schedules: dict[bool, int]


class SqlMetrics:
    """The metrics port over a SQL connector."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def snapshot(
        self,
        now: float,
        stale_s: float,
        duration_buckets: Sequence[float],
        wait_buckets: Sequence[float],
    ) -> MetricsSnapshot:
        """Every figure at once. A worker is live if it heartbeated within `stale_s`;
        histogram buckets are upper bounds in seconds (cumulative, `+Inf` is the count)."""
        histogram_sql = _histogram_sql(len(duration_buckets), len(wait_buckets))
        with self.db.read() as conn:
            runs = {
                (row["type"], row["status"]): int(row["n"])
                for row in conn.execute(
                    "SELECT type, status, COUNT(*) AS n FROM runs GROUP BY type, status"
                )
            }
            durations: dict[str, Histogram] = {}
            waits: dict[str, Histogram] = {}
            for row in conn.execute(histogram_sql, (*duration_buckets, *wait_buckets)):
                count = int(row["n"])
                durations[row["type"]] = Histogram(
                    tuple(int(row[f"d{i}"]) for i in range(len(duration_buckets))),
                    count,
                    float(row["d_sum"]),
                )
                waits[row["type"]] = Histogram(
                    tuple(int(row[f"w{i}"]) for i in range(len(wait_buckets))),
                    count,
                    float(row["w_sum"]),
                )
            accounts = {
                row["status"]: int(row["n"])
                for row in conn.execute(
                    "SELECT status, COUNT(*) AS n FROM accounts GROUP BY status"
                )
            }
            hosts = {
                row["host"]: HostLoad(
                    int(row["n"]), int(row["sessions"] or 0), int(row["memory"] or 0)
                )
                for row in conn.execute(
                    "SELECT host, COUNT(*) AS n, SUM(open_sessions) AS sessions,"
                    " SUM(memory_bytes) AS memory FROM workers"
                    " WHERE stopped_at IS NULL AND heartbeat_at >= ? GROUP BY host",
                    (now - stale_s,),
                )
            }
            deliveries = {
                row["status"]: int(row["n"])
                for row in conn.execute(
                    "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status"
                )
            }
            schedules = {
                bool(row["active"]): int(row["n"])
                for row in conn.execute(
                    "SELECT active, COUNT(*) AS n FROM schedules GROUP BY active"
                )
            }
            undelivered = deliveries.get("pending", 0) + self._not_fanned_out(conn)
        return MetricsSnapshot(
            runs=runs,
            durations=durations,
            waits=waits,
            accounts=accounts,
            hosts=hosts,
            deliveries=deliveries,
            events_undelivered=undelivered,
            schedules=schedules,
        )

    @staticmethod
    def _not_fanned_out(conn: Conn) -> int:
        """Events above the fan-out cursor that will become deliveries: all of them while an
        enabled webhook exists, else those of runs with a callback_url."""
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (FANOUT_CURSOR_KEY,)).fetchone()
        try:
            cursor = int(row["value"]) if row is not None else 0
        except (TypeError, ValueError):
            cursor = 0
        webhook = conn.execute(
            "SELECT id FROM webhooks WHERE enabled = ? LIMIT 1", (True,)
        ).fetchone()
        if webhook is not None:
            found = conn.execute("SELECT COUNT(*) AS n FROM events WHERE id > ?", (cursor,))
        else:
            found = conn.execute(
                "SELECT COUNT(*) AS n FROM events e JOIN runs r ON r.id = e.run_id"
                " WHERE e.id > ? AND r.callback_url IS NOT NULL",
                (cursor,),
            )
        return int(found.fetchone()["n"])


def _histogram_sql(durations: int, waits: int) -> str:
    """Both histograms per type in one pass over the finished runs; one `?` per bound."""
    due = "CASE WHEN not_before > created_at THEN not_before ELSE created_at END"
    columns = [
        *(f"SUM(CASE WHEN d <= ? THEN 1 ELSE 0 END) AS d{i}" for i in range(durations)),
        *(f"SUM(CASE WHEN w <= ? THEN 1 ELSE 0 END) AS w{i}" for i in range(waits)),
    ]
    return (
        "SELECT type, COUNT(*) AS n, SUM(d) AS d_sum, SUM(w) AS w_sum, "
        + ", ".join(columns)
        + " FROM (SELECT type, completed_at - started_at AS d,"
        + f" started_at - {due} AS w FROM runs"
        + f" WHERE status IN {_STARTED_FINAL}"
        + " AND started_at IS NOT NULL AND completed_at IS NOT NULL) AS finished"
        + " GROUP BY type"
    )
