"""Fixtures for the client suite: the typed client against a real server over real HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openoutreach_client import Client
from tests.conftest import API_KEY

PROFILE = "https://www.linkedin.com/in/john-smith/"


@pytest.fixture
def oo(api: httpx.Client) -> Iterator[Client]:
    """The sync client against an API-only server (no worker: runs stay pending)."""
    with Client(str(api.base_url), API_KEY) as client:
        yield client


class Requests:
    """Every request an httpx client sent, recorded by an event hook."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> None:
        self.sent.append((request.method, request.url.path))

    def count(self, method: str, path: str) -> int:
        """How many requests of this method went to this path."""
        return self.sent.count((method, path))


def rows(data_dir: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    """Rows of a query on the server's SQLite file, as dicts."""
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params).fetchall()]


def execute(data_dir: Path, sql: str, *params: Any) -> None:
    """Change the server's SQLite file behind its back (state the API cannot produce)."""
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        conn.execute(sql, params)


@pytest.fixture
def api_requests(api: httpx.Client) -> Iterator[tuple[Client, Requests]]:
    """The sync client, with every request it sends recorded."""
    sent = Requests()
    with (
        httpx.Client(event_hooks={"request": [sent]}) as http,
        Client(str(api.base_url), API_KEY, http_client=http) as client,
    ):
        yield client, sent
