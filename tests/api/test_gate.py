"""The Gate middleware over real HTTP: the key before the body, body caps, ids, docs, 500s."""

from __future__ import annotations

import base64
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from loguru import logger

from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.conftest import API_KEY
from tests.support.live import LiveServer

PROFILE = "https://www.linkedin.com/in/john-smith/"


def _count(data_dir: Path, table: str) -> int:
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _is_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    for key in ("type", "title", "status", "detail"):
        assert key in body, body
    assert body["status"] == status
    return dict(body)


def test_a_body_without_the_key_is_refused_before_it_is_read(api: httpx.Client) -> None:
    anonymous = httpx.Client(base_url=str(api.base_url))
    malformed = anonymous.post(
        "/runs", content=b"{not json", headers={"content-type": "application/json"}
    )
    _is_problem(malformed, 401)  # not 422: nothing of the body was looked at

    def endless() -> Iterator[bytes]:
        chunk = b"x" * 65536
        for _ in range(400):  # 26 MB if anyone read it all
            yield chunk

    streamed = anonymous.post("/runs", content=endless())
    _is_problem(streamed, 401)


def test_a_body_over_the_cap_is_413_and_writes_nothing(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    big_note = "x" * (2 * 1024 * 1024)
    body = {"handle": account, "touchpoint": {"type": "connect", "profile_url": PROFILE}}
    body["touchpoint"]["note"] = big_note  # type: ignore[index]
    problem = _is_problem(api.post("/runs", json=body), 413)
    assert "1048576" in str(problem["detail"])

    def chunks() -> Iterator[bytes]:  # no content-length: counted while it streams
        yield b'{"handle": "jane", "touchpoint": {"type": "visit", "profile_url": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}}'

    _is_problem(api.post("/runs", content=chunks()), 413)
    assert _count(data_dir, "runs") == 0


def test_malformed_json_names_line_and_column(api: httpx.Client, account: str) -> None:
    response = api.post(
        "/runs",
        content=b'{"handle": "jane",\n  "touchpoint": oops}',
        headers={"content-type": "application/json"},
    )
    problem = _is_problem(response, 422)
    assert problem["errors"] == [
        {
            "field": "body",
            "message": "body is not valid JSON at line 2 column 17: Expecting value",
            "type": "json_invalid",
        }
    ]
    assert problem["detail"] == "body is not valid JSON at line 2 column 17: Expecting value"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/runs/99999999999999999999"),
        ("POST", "/runs/99999999999999999999/cancel"),
        ("GET", "/runs/99999999999999999999/artifacts/page.html"),
        ("GET", "/runs/0"),
        ("GET", "/runs/-1"),
        ("GET", "/schedules/99999999999999999999"),
        ("PATCH", "/schedules/99999999999999999999"),
        ("DELETE", "/schedules/99999999999999999999"),
        ("GET", "/runs?schedule_id=99999999999999999999"),
    ],
)
def test_ids_out_of_range_are_422_not_500(api: httpx.Client, method: str, path: str) -> None:
    response = api.request(method, path, json={} if method == "PATCH" else None)
    _is_problem(response, 422)


def test_docs_need_the_key_and_load_nothing_from_outside(api: httpx.Client) -> None:
    anonymous = httpx.Client(base_url=str(api.base_url))
    for path in ("/docs", "/openapi.json"):
        refused = anonymous.get(path)
        _is_problem(refused, 401)
        assert refused.headers["www-authenticate"].startswith("Basic")
    basic = "Basic " + base64.b64encode(f"any:{API_KEY}".encode()).decode()
    page = anonymous.get("/docs", headers={"Authorization": basic})
    assert page.status_code == 200
    assert anonymous.get("/openapi.json", headers={"Authorization": basic}).status_code == 200
    external = re.findall(r"""(?:src|href)=["'](https?:)?//""", page.text)
    assert external == [], "the docs page must not load assets from another host"
    assets = re.findall(r"""(?:src|href)=["'](/docs/assets/[^"']+)""", page.text)
    assert len(assets) >= 2
    for asset in assets:
        assert api.get(asset).status_code == 200, asset
    assert anonymous.get("/redoc").status_code == 401  # unknown paths leak nothing either
    assert api.get("/redoc").status_code == 404


def test_docs_can_be_turned_off(settings: Settings) -> None:
    settings.docs = False
    with (
        LiveServer(create_app(settings, worker=False)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}) as client,
    ):
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 404
        assert client.get("/health").status_code == 200


def test_an_unexpected_error_is_a_500_problem_with_a_request_id_in_the_log(
    settings: Settings,
) -> None:
    app: FastAPI = create_app(settings, worker=False)

    @app.get("/boom")
    def boom() -> None:
        secret_local = "do-not-print-me"  # noqa: F841 - must never reach the log
        raise RuntimeError("kaboom")

    lines: list[str] = []
    sink = logger.add(lines.append, format="{message}\n{exception}", diagnose=False)
    try:
        with (
            LiveServer(app) as live,
            httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}) as client,
        ):
            response = client.get("/boom")
    finally:
        logger.remove(sink)
    problem = _is_problem(response, 500)
    request_id = str(problem["request_id"])
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert response.headers["x-request-id"] == request_id
    assert "kaboom" not in response.text and "Traceback" not in response.text
    logged = "".join(lines)
    assert request_id in logged and "RuntimeError: kaboom" in logged
    assert "do-not-print-me" not in logged
