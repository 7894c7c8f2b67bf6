"""All persistence behind small ports: runs, accounts, schedules, workers, events,
tracking (detection), webhooks, metrics, and a notifier.

Routers and services call these and never write SQL or open transactions themselves; every
public method of a port is one transaction. `open_store(settings)` picks the backend from
the database URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine.url import make_url

from linkedin.touchpoints.registry import SIDE_EFFECTING
from openoutreach_server.clock import Clock, DatabaseClock, SystemClock
from openoutreach_server.config import Settings
from openoutreach_server.datadir import secure_data_dir
from openoutreach_server.store.notifier import (
    EVENTS,
    Notifier,
    PgNotifier,
    UnixSocketNotifier,
)
from openoutreach_server.store.postgres import PostgresConnector, conninfo
from openoutreach_server.store.sql.accounts import SqlAccounts
from openoutreach_server.store.sql.connector import Connector
from openoutreach_server.store.sql.events import SqlEvents
from openoutreach_server.store.sql.metrics import SqlMetrics
from openoutreach_server.store.sql.runs import SqlRuns
from openoutreach_server.store.sql.schedules import SqlSchedules
from openoutreach_server.store.sql.tracking import SqlTracking
from openoutreach_server.store.sql.webhooks import SqlWebhooks
from openoutreach_server.store.sql.workers import SqlWorkers
from openoutreach_server.store.sqlite import SqliteConnector


@dataclass
class Store:
    """The ports of one database."""

    db: Connector
    runs: SqlRuns
    accounts: SqlAccounts
    schedules: SqlSchedules
    workers: SqlWorkers
    events: SqlEvents
    tracking: SqlTracking
    webhooks: SqlWebhooks
    metrics: SqlMetrics
    notifier: Notifier

    @property
    def kind(self) -> str:
        """The backend: "sqlite" or "postgresql"."""
        return self.db.kind

    def ping(self) -> None:
        """Raise unless the database answers."""
        with self.db.read() as conn:
            conn.execute("SELECT 1").fetchone()

    def clock(self) -> Clock:
        """The clock every process of this database must share: the database server's on
        PostgreSQL (hosts may disagree), this host's on SQLite."""
        if self.db.db_time() is None:
            return SystemClock()
        return DatabaseClock(self.db.db_time)

    def dispose(self) -> None:
        """Close every connection."""
        close = getattr(self.notifier, "close", None)
        if close is not None:
            close()
        self.db.dispose()


def store_for(db: Connector, notifier: Notifier) -> Store:
    """The ports over one connector."""
    return Store(
        db=db,
        runs=SqlRuns(db),
        accounts=SqlAccounts(db),
        schedules=SqlSchedules(db, side_effecting=lambda type_: type_ in SIDE_EFFECTING),
        workers=SqlWorkers(db),
        events=SqlEvents(db),
        tracking=SqlTracking(db),
        webhooks=SqlWebhooks(db),
        metrics=SqlMetrics(db),
        notifier=notifier,
    )


def open_store(settings: Settings, *, migrate: bool = True) -> Store:
    """Connect to the configured database (SQLite or PostgreSQL, by its URL) and bring its
    schema up to date."""
    url = settings.db_url
    db: Connector
    notifier: Notifier
    if make_url(url).get_backend_name() == "postgresql":
        db = PostgresConnector(url, max_connections=settings.db_pool_size)
        notifier = PgNotifier(conninfo(url))
    else:
        # Outside the data dir when that is too deep for socket paths: private all the same.
        unix = UnixSocketNotifier(secure_data_dir(settings.wake_dir))
        # PostgreSQL notifies committed events itself (in the transaction, store/postgres.py).
        db = SqliteConnector(url, on_events=lambda: unix.notify(EVENTS))
        notifier = unix
    if migrate:
        db.create_schema()
    return store_for(db, notifier)
