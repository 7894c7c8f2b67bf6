"""Migrations on both backends: a database migrated from empty has the models' schema, and
`openoutreach-server migrate` is idempotent and says what it did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from openoutreach_server.store.migrate import head, migrate, sqlalchemy_url
from tests.store.schema_check import (
    EXPRESSION_INDEXES,
    descending_columns,
    diff_names,
    expected_where_clauses,
    schema_diff,
    where_clauses,
)
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database (no table at all) on the backend under test."""
    if backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("pg_server")
        return server.create_database()
    return f"sqlite:///{tmp_path / 'empty.db'}"


def assert_models_schema(url: str, backend: str) -> None:
    """The database has exactly the models' schema, as far as it can be compared."""
    differences = diff_names(schema_diff(url))
    if backend == "sqlite":
        # SQLite's reflection loses an expression index's sort order: the only difference
        # Alembic may report, checked below from the index itself.
        expected = {
            (op, name) for name in EXPRESSION_INDEXES for op in ("add_index", "remove_index")
        }
        assert set(differences) <= expected, differences
    else:
        assert differences == []
    assert where_clauses(url) == expected_where_clauses()
    assert descending_columns(url, "ix_runs_claim") == ["priority"]


def _alembic_versions(url: str) -> list[str]:
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def migrate_cli(url: str, data_dir: Path) -> str:
    """`openoutreach-server migrate` in its own process; returns what it printed."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OO_")},
        "OO_DATA_DIR": str(data_dir),
        "OO_DATABASE_URL": url,
        "OO_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-m", "openoutreach_server", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_database_migrated_from_empty_has_the_models_schema(empty_url: str, backend: str) -> None:
    assert migrate(empty_url) == (None, head())
    assert_models_schema(empty_url, backend)


def test_the_schema_check_sees_a_lost_partial_condition(empty_url: str, backend: str) -> None:
    """The check is not blind: an index that lost its WHERE clause is reported."""
    migrate(empty_url)
    engine = create_engine(sqlalchemy_url(empty_url))
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX uq_runs_one_running_per_handle"))
        conn.execute(text("CREATE UNIQUE INDEX uq_runs_one_running_per_handle ON runs (handle)"))
    engine.dispose()
    assert "uq_runs_one_running_per_handle" not in where_clauses(empty_url)
    with pytest.raises(AssertionError):
        assert_models_schema(empty_url, backend)


def test_migrate_command_is_idempotent_and_says_what_it_did(
    empty_url: str, backend: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = migrate_cli(empty_url, data_dir)
    assert first == f"schema migrated from empty to revision {head()}"
    second = migrate_cli(empty_url, data_dir)
    assert second == f"schema at revision {head()}: nothing to do"
    assert _alembic_versions(empty_url) == [head()]
    assert_models_schema(empty_url, backend)
