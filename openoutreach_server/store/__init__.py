"""All persistence behind small ports: runs, accounts, schedules, and a notifier.

Routers and services call these and never write SQL or open transactions themselves; every
public method of a port is one transaction. `open_store(settings)` picks the backend from
the database URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linkedin.touchpoints.models import SIDE_EFFECTING
from openoutreach_server.config import Settings
from openoutreach_server.store.notifier import Notifier, UnixSocketNotifier
from openoutreach_server.store.sql.accounts import SqlAccounts
from openoutreach_server.store.sql.connector import Connector
from openoutreach_server.store.sql.runs import SqlRuns
from openoutreach_server.store.sql.schedules import SqlSchedules
from openoutreach_server.store.sqlite import SqliteConnector


@dataclass
class Store:
    """The ports of one database."""

    db: Connector
    runs: SqlRuns
    accounts: SqlAccounts
    schedules: SqlSchedules
    notifier: Notifier

    @property
    def kind(self) -> str:
        """The backend: "sqlite" or "postgresql"."""
        return self.db.kind

    def ping(self) -> None:
        """Raise unless the database answers."""
        with self.db.read() as conn:
            conn.execute("SELECT 1").fetchone()

    def dispose(self) -> None:
        """Close every connection."""
        self.db.dispose()


def store_for(db: Connector, notifier: Notifier) -> Store:
    """The ports over one connector."""
    return Store(
        db=db,
        runs=SqlRuns(db),
        accounts=SqlAccounts(db),
        schedules=SqlSchedules(db, side_effecting=lambda type_: type_ in SIDE_EFFECTING),
        notifier=notifier,
    )


def open_store(settings: Settings, **_: Any) -> Store:
    """Connect to the configured database and bring its schema up to date."""
    db = SqliteConnector(settings.db_url)
    db.create_schema()
    return store_for(db, UnixSocketNotifier(settings.wake_dir))
