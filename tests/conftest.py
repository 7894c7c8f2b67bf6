"""Fixtures shared by every suite: a data dir, settings, a live API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from linkedin_sim import SimServer
from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from openoutreach_server.store import Store, open_store
from openoutreach_server.store.migrate import migrate
from tests.support.live import LiveServer
from tests.support.postgres import PostgresServer

API_KEY = "test-key-0123456789"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh data directory (real SQLite file inside)."""
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Settings for a test server; the simulator URL is set by the browser suites."""
    return Settings(
        data_dir=data_dir,
        api_keys=API_KEY,
        pace="fast",
        linkedin_base_url="https://www.linkedin.com",
        lease_s=2.0,
        retry_base_s=0.0,
        shutdown_grace_s=2.0,
    )


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    """Real HTTP against an API-only server (no worker: runs stay pending)."""
    app = create_app(settings, worker=False)
    with (
        LiveServer(app) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}, timeout=30) as client,
    ):
        yield client


@pytest.fixture
def account(api: httpx.Client) -> str:
    """An account named `jane`, created through the API (so it stays `needs_login`)."""
    response = api.post("/accounts", json={"handle": "jane", "li_at": "cookie-value"})
    assert response.status_code == 201, response.text
    return "jane"


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimServer]:
    """The LinkedIn simulator on a free local port, shared by the whole session."""
    with SimServer() as server:
        yield server


@pytest.fixture
def sim(sim_server: SimServer) -> SimServer:
    """The simulator, reset to its seed data (and no faults) for this test."""
    sim_server.reset()
    return sim_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for the whole session (started on first use), with a
    migrated template database that each test's database is copied from."""
    with PostgresServer() as server:
        template = server.create_database("oo_template")
        migrate(template)
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend a conformance test runs on: every guarantee, on both."""
    return str(request.param)


@pytest.fixture
def database(settings: Settings, backend: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """The test's store, schema created (no accounts): a real SQLite file, or a fresh
    PostgreSQL database (settings.database_url then points at it)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("pg_server")
        settings.database_url = server.create_database(template="oo_template")
    store = open_store(settings)
    yield store
    store.dispose()
