"""Bring a database's schema to the current revision (Alembic), on start or by `migrate`.

A database made by release 0.1 predates Alembic: its tables were created on start, without
a version table. It is brought to the baseline revision additively (missing columns and
indexes, a uid for every account), stamped, then upgraded like any other. Several
processes starting at once on one database take turns (a file lock beside a SQLite file,
an advisory lock on PostgreSQL).
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine.url import make_url

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"
# Any constant: the advisory lock all migrating processes of one database share.
_PG_LOCK = 7_310_992_261


def sqlalchemy_url(url: str) -> str:
    """The URL SQLAlchemy needs: PostgreSQL through psycopg 3."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def alembic_config(url: str) -> Config:
    """Alembic's configuration for this database, without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


def head() -> str:
    """The newest revision this build knows."""
    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert revision is not None
    return revision


def current_revision(conn: Connection) -> str | None:
    """The revision a database is at (None: never migrated)."""
    return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _file_lock(url: str) -> Iterator[None]:
    """Processes of one host starting at once on one SQLite file migrate one at a time."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        yield
        return
    lock_path = Path(f"{parsed.database}.migrate-lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _baseline_sqlite() -> tuple[list[Any], dict[str, list[Any]]]:
    """The baseline revision's schema on SQLite: sqlite_master's (type, name, sql) rows and
    each table's columns, from a scratch database migrated to it (so it never drifts from
    revision 0001)."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/baseline.db"
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                config = alembic_config(url)
                config.attributes["connection"] = conn
                command.upgrade(config, BASELINE)
                rows = conn.exec_driver_sql(
                    "SELECT type, name, sql FROM sqlite_master"
                    " WHERE type IN ('table', 'index') AND name != 'alembic_version'"
                    " AND name NOT LIKE 'sqlite_%'"
                ).fetchall()
                columns: dict[str, list[Any]] = {
                    name: list(conn.exec_driver_sql(f"PRAGMA table_info({name})").fetchall())
                    for kind, name, _ in rows
                    if kind == "table"
                }
        finally:
            engine.dispose()
    return list(rows), columns


def _upgrade_release_01(conn: Connection) -> None:
    """Bring a release-0.1 SQLite database to the baseline: add what it lacks (tables,
    columns, indexes) exactly as revision 0001 defines them, keeping every row."""
    baseline, baseline_columns = _baseline_sqlite()
    tables = set(inspect(conn).get_table_names())
    for kind, name, sql in baseline:
        if kind == "table" and name not in tables and sql:
            conn.exec_driver_sql(sql)
    for name, columns in baseline_columns.items():
        if name not in tables:
            continue
        present = {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({name})")}
        for _cid, column, type_, notnull, default, _pk in columns:
            if column in present:
                continue
            ddl = f'"{column}" {type_}'
            if default is not None:
                ddl += f" NOT NULL DEFAULT {default}" if notnull else f" DEFAULT {default}"
            conn.exec_driver_sql(f"ALTER TABLE {name} ADD COLUMN {ddl}")
    conn.exec_driver_sql("UPDATE accounts SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL")
    # 0.1 counted any saved browser state as a session; session_cookie (new) would otherwise
    # say an account that has only its saved state has none (and refuse its login).
    conn.exec_driver_sql(
        "UPDATE accounts SET session_cookie = 1 WHERE storage_state_enc IS NOT NULL"
    )
    indexes = {
        row[0]
        for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    for kind, name, sql in baseline:
        if kind == "index" and name not in indexes and sql:
            conn.exec_driver_sql(sql)


def migrate(url: str) -> tuple[str | None, str]:
    """Upgrade the database at `url` to the newest revision; returns (from, to)."""
    engine = create_engine(sqlalchemy_url(url))
    postgres = make_url(url).get_backend_name() == "postgresql"
    try:
        with _file_lock(url), engine.connect() as conn, conn.begin():
            if postgres:  # released at commit: every host's processes take turns
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
            before = current_revision(conn)
            legacy = before is None and "runs" in inspect(conn).get_table_names()
            config = alembic_config(url)
            config.attributes["connection"] = conn
            if legacy:
                _upgrade_release_01(conn)
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
            after = current_revision(conn)
    finally:
        engine.dispose()
    return ("0.1" if legacy else before), after or head()
