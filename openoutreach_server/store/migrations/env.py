"""Alembic environment: the schema of store/schema.py, on the URL the server was given."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from openoutreach_server.store.schema import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Apply migrations on a connection passed by store.migrate, or on the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode recreates the table instead.
        render_as_batch=True,
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
