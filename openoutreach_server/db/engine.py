"""SQLite engine: WAL, busy timeout, and `BEGIN IMMEDIATE` for every write transaction."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session, sessionmaker

from openoutreach_server.db.models import Base

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
)


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _added_column(column: Any, conn: Any) -> str:
    """DDL for a column added to a table that already has rows.

    SQLite refuses NOT NULL without a default there, so a scalar default becomes the
    column's DEFAULT, and a column without one is added as nullable.
    """
    ddl = f'"{column.name}" {column.type.compile(dialect=conn.dialect)}'
    if column.server_default is not None:
        return f"{ddl} DEFAULT {column.server_default.arg.text}"
    default = column.default.arg if column.default is not None else None
    if isinstance(default, bool):
        return f"{ddl} NOT NULL DEFAULT {int(default)}"
    if isinstance(default, int | float):
        return f"{ddl} NOT NULL DEFAULT {default}"
    if isinstance(default, str):
        quoted = default.replace("'", "''")
        return f"{ddl} NOT NULL DEFAULT '{quoted}'"
    return ddl


class Database:
    """Two engines on one file: writes take the lock up front, reads never block writers."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            raise ValueError("only SQLite is supported (OO_DATABASE_URL=sqlite:///...)")
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("the database must be a file: several processes share it")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.path = parsed.database
        self._local = threading.local()
        # A deferred read-then-write transaction can fail with SQLITE_BUSY despite
        # busy_timeout; BEGIN IMMEDIATE waits for the write lock instead.
        self.write_engine = _sqlite_engine(url, "BEGIN IMMEDIATE")
        self.read_engine = _sqlite_engine(url, "BEGIN")
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        # Threads of one process queue here instead of in SQLite's busy handler, whose
        # millisecond sleeps would add latency to every contended write.
        self._write_lock = threading.Lock()

    def _raw(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            for pragma in _PRAGMAS:
                conn.execute(pragma)
            self._local.conn = conn
        return conn

    @contextmanager
    def raw_write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this thread's plain sqlite3 connection (the hot paths).

        SQLAlchemy's statement building costs more than the SQL itself on the queue's
        per-run paths; this keeps the same locking rules without it.
        """
        with self._write_lock:
            conn = self._raw()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def raw_read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction on this thread's plain sqlite3 connection."""
        conn = self._raw()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def create_schema(self) -> None:
        """Create missing tables, then add missing columns and indexes to existing ones.

        Additive changes only (idempotent): a database made by an earlier build gains new
        nullable or defaulted columns and every index, including the unique ones that
        carry guarantees. Anything else would need a real migration.
        """
        Base.metadata.create_all(self.write_engine)
        with self.write_engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                present = {
                    row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table.name})")
                }
                for column in table.columns:
                    if column.name not in present:
                        conn.exec_driver_sql(
                            f"ALTER TABLE {table.name} ADD COLUMN {_added_column(column, conn)}"
                        )
            for table in Base.metadata.sorted_tables:
                for index in table.indexes:
                    index.create(conn, checkfirst=True)
            # Accounts made before they had an immutable uid get one now.
            conn.exec_driver_sql(
                "UPDATE accounts SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL"
            )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed on success and rolled back on error."""
        with self._write_lock, self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot."""
        with self._reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection (and this thread's plain one)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        self.write_engine.dispose()
        self.read_engine.dispose()
