"""What the SQL ports need from a backend: transactions on a DB-API connection, and the few
SQL fragments where SQLite and PostgreSQL differ."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol


class Cursor(Protocol):
    """The part of a DB-API cursor the ports use; rows are read by column name."""

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        ...

    def fetchone(self) -> Any:
        """The next row, or None."""
        ...

    def fetchall(self) -> list[Any]:
        """The remaining rows."""
        ...

    def __iter__(self) -> Any:
        """Iterate over the rows."""
        ...


class Conn(Protocol):
    """A connection inside a transaction; statements use `?` placeholders."""

    def execute(self, sql: str, params: Any = ..., /) -> Cursor:
        """Run one statement."""
        ...

    def executemany(self, sql: str, params: Any, /) -> Cursor:
        """Run one statement for each parameter set."""
        ...


class Connector(Protocol):
    """A database backend, as the SQL ports see it."""

    kind: str
    url: str
    integrity_errors: tuple[type[Exception], ...]
    # " FOR UPDATE" where rows must be locked for a read-then-write; "" where the whole
    # transaction is serialised anyway (SQLite's BEGIN IMMEDIATE).
    for_update: str
    # A condition true when the run's JSON `tags` contains the one bound parameter.
    tag_match: str
    # The run a claim takes: `id = ?` and still pending. Where claims run concurrently (other
    # hosts) a run another claim is taking is skipped, not waited for (SKIP LOCKED).
    claim_target: str
    # Appended to the poller's query of due schedules, likewise.
    due_lock: str
    # Appended to a single-table SELECT of rows to take (webhook deliveries), likewise.
    skip_locked: str

    def write(self) -> AbstractContextManager[Conn]:
        """A write transaction, committed on success, rolled back on error."""
        ...

    def read(self) -> AbstractContextManager[Conn]:
        """A read-only transaction."""
        ...

    def conflict_guard(self, conn: Conn) -> AbstractContextManager[None]:
        """Around a statement that may violate a unique index: afterwards the transaction
        can go on (a savepoint where a violation would abort the whole transaction)."""
        ...

    def db_time(self) -> float | None:
        """The database server's clock (UNIX seconds), or None when it is this host's."""
        ...

    def create_schema(self) -> None:
        """Bring the schema up to date."""
        ...

    def dispose(self) -> None:
        """Close every connection."""
        ...
