"""The SQLite connector: one database file shared by every process of one host.

WAL, `synchronous=NORMAL`, a busy timeout, foreign keys; every write transaction starts
with `BEGIN IMMEDIATE`, so the claim's read-then-write can never fail with SQLITE_BUSY
halfway (a deferred transaction can, despite the busy timeout), and threads of one process
queue on a lock instead of in SQLite's busy handler, whose millisecond sleeps would add
latency to every contended write.

Plain `sqlite3` on purpose: the queue's statements run once or twice per run, and building
them through SQLAlchemy cost more than executing them (docs/benchmarks.md). SQLAlchemy
defines the schema (schema.py); Alembic migrates it (migrate.py).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy.engine.url import make_url

from openoutreach_server.store.migrate import migrate

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
)


class SqliteConnector:
    """Connections to one SQLite file: a write lock per process, one connection per thread."""

    kind = "sqlite"
    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    # SQL fragments where the dialects differ (see store/sql/).
    for_update = ""
    tag_match = "EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE value = ?)"
    # BEGIN IMMEDIATE serialises every write transaction: nothing to skip.
    claim_target = "id = ? AND status = 'pending'"
    due_lock = ""
    skip_locked = ""

    def __init__(self, url: str, *, on_events: Callable[[], None] | None = None) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            raise ValueError(f"not a SQLite URL: {url}")
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("the database must be a file: several processes share it")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.path = parsed.database
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        # Called after a write transaction that added events commits (wakes the deliverer).
        self.on_events = on_events

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            for pragma in _PRAGMAS:
                conn.execute(pragma)
            self._watch_events(conn)
            self._local.conn = conn
            self._all.append(conn)
        return conn

    def _watch_events(self, conn: sqlite3.Connection) -> None:
        """A temporary trigger (this connection only) that notes an insert into `events`, so
        the commit can wake the deliverer without a query on every write."""

        def written() -> None:
            self._local.events = True

        conn.create_function("oo_event_written", 0, written)
        # Before the migration there is no events table: loops fall back to due times.
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute(
                "CREATE TEMP TRIGGER IF NOT EXISTS oo_event_written AFTER INSERT ON main.events"
                " BEGIN SELECT oo_event_written(); END"
            )

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on success, rolled back on error."""
        with self._write_lock:
            conn = self._conn()
            self._local.events = False
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            events = self._local.events
        if events and self.on_events is not None:
            self.on_events()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read-only snapshot (never blocks writers, WAL)."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def conflict_guard(self, conn: Any) -> AbstractContextManager[None]:
        """A unique violation does not abort a SQLite transaction: nothing to do."""
        return nullcontext()

    def db_time(self) -> float | None:
        """One host shares the file: its clock is the clock."""
        return None

    def create_schema(self) -> None:
        """Bring the schema to the newest revision (store/migrate.py)."""
        migrate(self.url)

    def dispose(self) -> None:
        """Close every connection this connector opened."""
        for conn in self._all:
            conn.close()
        self._all.clear()
        self._local = threading.local()
