"""Compare a live database's schema with the models (store/schema.py), on SQLite and
PostgreSQL, as far as each can be reflected.

Alembic's `compare_metadata` compares tables, columns (type, nullability, server default),
and indexes (columns, uniqueness). It does not compare a partial index's WHERE clause on
either backend, and SQLite's reflection drops an index column's sort order (so the
`priority DESC` of ix_runs_claim reads as a different index). Both are checked here from
the reflected definitions instead: `where_clauses` and `descending_columns`.
"""

from __future__ import annotations

import re
import sqlite3
import warnings
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine.url import make_url

from openoutreach_server.store.migrate import sqlalchemy_url
from openoutreach_server.store.schema import Base

# Indexes whose column list has an expression (`text("priority DESC")`): SQLite reflects them
# without the sort order, so Alembic sees them as removed and added again.
EXPRESSION_INDEXES = frozenset({"ix_runs_claim"})


def schema_diff(url: str) -> list[Any]:
    """Alembic's differences between the database at `url` and the models."""
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            # SQLAlchemy warns that it skips expression-based indexes on SQLite.
            warnings.simplefilter("ignore")
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def diff_names(diff: list[Any]) -> list[tuple[str, str]]:
    """(operation, object name) of each difference, flattening column modifications."""
    out: list[tuple[str, str]] = []
    for item in diff:
        if isinstance(item, list):  # modify_* on one column: a list of tuples
            out += [(op[0], f"{op[2]}.{op[3]}") for op in item]
        elif item[0] in ("add_index", "remove_index"):
            out.append((item[0], item[1].name))
        elif item[0] in ("add_column", "remove_column"):
            out.append((item[0], f"{item[2]}.{item[3].name}"))
        elif item[0] in ("add_table", "remove_table"):
            out.append((item[0], item[1].name))
        else:
            out.append((item[0], repr(item[1:])))
    return out


def _normalise(condition: str) -> str:
    """A WHERE clause without casts, parentheses, quotes' types, case and spacing."""
    condition = re.sub(r"::\w+", "", condition)
    condition = condition.replace("(", "").replace(")", "")
    return re.sub(r"\s+", " ", condition).strip().lower()


def expected_where_clauses() -> dict[str, str]:
    """Partial indexes of the models: index name -> normalised WHERE clause."""
    out = {}
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            where = index.dialect_options["sqlite"]["where"]
            if where is not None:
                out[index.name or ""] = _normalise(str(where))
    return out


def where_clauses(url: str) -> dict[str, str]:
    """Partial indexes of the database: index name -> normalised WHERE clause."""
    engine = create_engine(sqlalchemy_url(url))
    backend = make_url(url).get_backend_name()
    out = {}
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inspector = inspect(conn)
            for table in inspector.get_table_names():
                for index in inspector.get_indexes(table):
                    where = index.get("dialect_options", {}).get(f"{backend}_where")
                    if where is not None:
                        out[index["name"]] = _normalise(str(where))
    finally:
        engine.dispose()
    return out


def descending_columns(url: str, index: str) -> list[str]:
    """Columns of `index` sorted descending, read from the database itself."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with sqlite3.connect(str(parsed.database)) as conn:
            rows = conn.execute(f"PRAGMA index_xinfo({index})").fetchall()
        # (seqno, cid, name, desc, coll, key): key columns only
        return [row[2] for row in rows if row[5] and row[3]]
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            definition = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": index}
            ).scalar_one()
    finally:
        engine.dispose()
    columns = definition.split("(", 1)[1].rsplit(")", 1)[0].split(",")
    return [c.split()[0] for c in (c.strip() for c in columns) if c.upper().endswith(" DESC")]
