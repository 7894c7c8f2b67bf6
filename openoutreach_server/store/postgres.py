"""The PostgreSQL connector: one database shared by an API and workers on several hosts.

Every guarantee is enforced by the database exactly as on SQLite (the same partial unique
indexes); where SQLite serialises whole write transactions, PostgreSQL locks rows: the
claim skips accounts another host is deciding about (`FOR UPDATE ... SKIP LOCKED`), and a
statement that may hit a unique index runs in a savepoint so the transaction survives.

The ports' SQL is written once, with `?` placeholders, and translated here (placeholders,
SQLite's `INDEXED BY` hints dropped). Connections come from a small pool per process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from sqlalchemy.engine.url import make_url

from openoutreach_server.store.migrate import migrate

_INDEXED_BY = re.compile(r"\s+INDEXED BY \w+", re.IGNORECASE)


@lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """SQLite-flavoured SQL of the ports as PostgreSQL (psycopg) reads it."""
    return _INDEXED_BY.sub("", sql).replace("%", "%%").replace("?", "%s")


def conninfo(url: str) -> str:
    """A libpq URI from a SQLAlchemy-style URL (`postgresql+psycopg://` is accepted)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# Taken before an event is written, held to commit: event ids then commit in increasing
# order, so a reader that saw event N has seen every event below N (the feed's cursor and
# the webhook fan-out rely on it). NOTIFY is sent at commit, and only if it commits.
_BEFORE_EVENT = "SELECT pg_advisory_xact_lock(%s), pg_notify('oo_events', '')"
EVENTS_LOCK_KEY = 0x6F6F_6576  # "ooev"


class PgConn:
    """A pooled connection inside a transaction, speaking the ports' SQL."""

    def __init__(self, conn: psycopg.Connection[dict[str, Any]]) -> None:
        self.raw = conn
        self._events_locked = False

    def execute(self, sql: str, params: Any = (), /) -> psycopg.Cursor[dict[str, Any]]:
        """Run one statement."""
        if not self._events_locked and sql.startswith("INSERT INTO events"):
            self.raw.execute(_BEFORE_EVENT, (EVENTS_LOCK_KEY,))
            self._events_locked = True
        return self.raw.execute(translate(sql), params)

    def executemany(self, sql: str, params: Any, /) -> psycopg.Cursor[dict[str, Any]]:
        """Run one statement for each parameter set."""
        cursor = self.raw.cursor()
        cursor.executemany(translate(sql), params)
        return cursor


class PostgresConnector:
    """Pooled connections to one PostgreSQL database."""

    kind = "postgresql"
    integrity_errors: tuple[type[Exception], ...] = (psycopg.errors.IntegrityError,)
    for_update = " FOR UPDATE"
    tag_match = (
        "EXISTS (SELECT 1 FROM json_array_elements_text(runs.tags::json) AS t(value)"
        " WHERE t.value = ?)"
    )
    # Accounts are not locked while a claim decides (that would let one busy host starve
    # the others): the unique index refuses a second running run of an account, and the
    # run itself is taken with SKIP LOCKED.
    claim_target = (
        "id = (SELECT p.id FROM runs p WHERE p.id = ? AND p.status = 'pending'"
        " FOR UPDATE SKIP LOCKED)"
    )
    due_lock = " FOR UPDATE OF s SKIP LOCKED"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, *, max_connections: int = 8) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string()}")
        self.url = url
        self._pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
            conninfo(url),
            min_size=1,
            max_size=max_connections,
            kwargs={"row_factory": dict_row},
            open=True,
            name="openoutreach",
        )

    @contextmanager
    def write(self) -> Iterator[PgConn]:
        """A transaction, committed on success and rolled back on error."""
        with self._pool.connection() as conn, conn.transaction():
            yield PgConn(conn)

    @contextmanager
    def read(self) -> Iterator[PgConn]:
        """A read-only transaction."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            yield PgConn(conn)

    @contextmanager
    def conflict_guard(self, conn: Any) -> Iterator[None]:
        """A savepoint: a unique violation inside rolls back to it, not the transaction."""
        with conn.raw.transaction():
            yield

    def db_time(self) -> float | None:
        """The database server's clock: every host of a cluster reads the same time."""
        with self._pool.connection() as conn:
            row = conn.execute("SELECT extract(epoch FROM clock_timestamp()) AS t").fetchone()
        assert row is not None
        return float(row["t"])

    def create_schema(self) -> None:
        """Bring the schema to the newest revision (store/migrate.py)."""
        migrate(self.url)

    def dispose(self) -> None:
        """Close every connection of the pool."""
        self._pool.close()
