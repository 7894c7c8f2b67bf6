"""API contract over real HTTP: auth, validation, idempotency, cancel, pagination, secrets."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from linkedin.touchpoints.models import TOUCHPOINT_TYPES

PROFILE = "https://www.linkedin.com/in/john-smith/"


def _count(data_dir: Path, table: str) -> int:
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _visit(handle: str = "jane", **extra: object) -> dict[str, object]:
    return {"handle": handle, "touchpoint": {"type": "visit", "profile_url": PROFILE}, **extra}


def test_every_endpoint_but_health_requires_the_key(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    anonymous = httpx.Client(base_url=str(api.base_url))
    checked = 0
    for path, methods in spec["paths"].items():
        concrete = (
            path.replace("{handle}", "jane").replace("{run_id}", "1").replace("{name}", "x.png")
        )
        for method in methods:
            for headers in ({}, {"X-API-Key": "wrong"}):
                response = anonymous.request(method.upper(), concrete, headers=headers, json={})
                if path == "/health":
                    assert response.status_code == 200
                else:
                    assert response.status_code == 401, (method, path, response.text)
                    assert response.headers["content-type"].startswith("application/problem+json")
                checked += 1
    assert checked >= 24
    assert anonymous.get("/health").json()["status"] == "ok"


def test_invalid_account_names_the_field_and_writes_nothing(
    api: httpx.Client, data_dir: Path
) -> None:
    cases = [
        ({"handle": "Bad Handle!"}, "handle"),
        ({"handle": "ok", "timezone": "Mars/Olympus"}, "timezone"),
        ({"handle": "ok", "proxy": "ftp://x"}, "proxy"),
        ({"handle": "ok", "surprise": 1}, "surprise"),
        (
            {
                "handle": "ok",
                "working_hours": [{"days": ["mon"], "start": "18:00", "end": "09:00"}],
            },
            "working_hours.0",
        ),
    ]
    for body, field in cases:
        response = api.post("/accounts", json=body)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["status"] == 422
        assert any(e["field"].startswith(field) for e in problem["errors"]), problem
        assert field.split(".")[0] in problem["detail"]
    assert _count(data_dir, "accounts") == 0


def test_invalid_run_names_the_field_and_writes_nothing(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    cases = [
        (_visit(handle="nobody"), "handle"),
        ({"handle": account, "touchpoint": {"type": "teleport"}}, "touchpoint"),
        (
            {
                "handle": account,
                "touchpoint": {"type": "connect", "profile_url": PROFILE, "note": "x" * 301},
            },
            "touchpoint.note",
        ),
        (
            {
                "handle": account,
                "touchpoint": {"type": "visit", "profile_url": "https://evil.example/in/x/"},
            },
            "touchpoint.profile_url",
        ),
        (
            {
                "handle": account,
                "touchpoint": {"type": "visit", "profile_url": "https://www.linkedin.com/feed/"},
            },
            "touchpoint.profile_url",
        ),
        (
            {
                "handle": account,
                "touchpoint": {"type": "connect", "profile_url": PROFILE, "note": "🚀" * 151},
            },
            "touchpoint.note",
        ),
        (
            {
                "handle": account,
                "touchpoint": {
                    "type": "connect",
                    "profile_url": PROFILE,
                    "note": "line one\r\nline two",
                },
            },
            "touchpoint.note",
        ),
        (_visit(not_before="2026-01-01T09:00:00"), "not_before"),
        (_visit(priority=1000), "priority"),
        (_visit(on_quota="maybe"), "on_quota"),
    ]
    for body, field in cases:
        response = api.post("/runs", json=body)
        assert response.status_code == 422, (body, response.text)
        fields = [e["field"] for e in response.json()["errors"]]
        assert any(f.startswith(field) for f in fields), (field, fields)
    response = api.post("/runs", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert _count(data_dir, "runs") == 0


def test_note_is_stored_exactly(api: httpx.Client, account: str, data_dir: Path) -> None:
    note = "  Hi Jane,\n\nloved it 🚀 — café\t \n"
    body = {
        "handle": account,
        "touchpoint": {"type": "connect", "profile_url": PROFILE, "note": note},
    }
    run = api.post("/runs", json=body).json()
    assert run["touchpoint"]["note"] == note
    assert api.get(f"/runs/{run['run_id']}").json()["touchpoint"]["note"] == note
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        stored = conn.execute("SELECT touchpoint FROM runs WHERE id = ?", (run["run_id"],))
        assert json.loads(stored.fetchone()[0])["note"] == note


def test_idempotency_concurrent_same_key_makes_one_run(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    def post(_: int) -> httpx.Response:
        return api.post("/runs", json=_visit(), headers={"Idempotency-Key": "k-1"})

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(post, range(24)))
    assert {r.status_code for r in responses} <= {200, 201}
    assert sum(r.status_code == 201 for r in responses) == 1
    assert len({r.json()["run_id"] for r in responses}) == 1
    assert _count(data_dir, "runs") == 1

    other = api.post("/runs", json=_visit(priority=5), headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"]
    assert _count(data_dir, "runs") == 1


def test_cancel_pending_then_refuse_finished(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    run = api.post("/runs", json=_visit()).json()
    assert run["status"] == "pending"
    assert run["waiting_reason"].startswith("account needs_login")
    canceled = api.post(f"/runs/{run['run_id']}/cancel")
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "canceled"
    assert canceled.json()["error_code"] == "CANCELED"
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        assert conn.execute("SELECT status FROM runs").fetchone()[0] == "canceled"
    assert api.post(f"/runs/{run['run_id']}/cancel").status_code == 200  # idempotent

    done = api.post("/runs", json=_visit()).json()
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        conn.execute("UPDATE runs SET status='completed' WHERE id=?", (done["run_id"],))
    refused = api.post(f"/runs/{done['run_id']}/cancel")
    assert refused.status_code == 409
    assert api.post("/runs/999999/cancel").status_code == 404


def test_list_filters_and_cursor_pagination(api: httpx.Client, account: str) -> None:
    api.post("/accounts", json={"handle": "sam", "li_at": "x"})
    ids = [
        api.post("/runs", json=_visit(tags=["a"] if i % 2 else ["b"])).json()["run_id"]
        for i in range(7)
    ]
    ids.append(api.post("/runs", json=_visit(handle="sam")).json()["run_id"])
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 3, "handle": account}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/runs", params=params).json()
        seen += [r["run_id"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(ids[:7], reverse=True)
    tagged = api.get("/runs", params={"tag": "a"}).json()["items"]
    assert {r["run_id"] for r in tagged} == {ids[i] for i in range(7) if i % 2}
    assert api.get("/runs", params={"status": "completed"}).json()["items"] == []
    assert len(api.get("/runs", params={"type": "visit"}).json()["items"]) == 8
    bad = api.get("/runs", params={"status": "sleeping"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    assert api.get("/runs", params={"cursor": "abc"}).status_code == 422


@pytest.mark.parametrize("secret_field", ["password", "li_at"])
def test_secrets_never_returned_and_encrypted_at_rest(
    api: httpx.Client, data_dir: Path, secret_field: str
) -> None:
    secret = "s3cret-VALUE-that-must-not-leak"
    body = {
        "handle": "leaky",
        "username": "a@example.com",
        secret_field: secret,
        "proxy": "http://user:proxypass@127.0.0.1:9",
    }
    created = api.post("/accounts", json=body)
    assert created.status_code == 201
    for response in (created, api.get("/accounts/leaky"), api.get("/accounts")):
        assert secret not in response.text
        assert "proxypass" not in response.text
    account = created.json()
    assert account["has_proxy"] is True
    assert account["status"] == "needs_login"
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        sealed = conn.execute(
            f"SELECT {secret_field}_enc, proxy_enc FROM accounts WHERE handle = 'leaky'"
        ).fetchone()
    assert all(sealed), "the secrets must be stored (sealed), not dropped"
    raw = (data_dir / "openoutreach.db").read_bytes()
    for path in data_dir.glob("openoutreach.db*"):
        raw += path.read_bytes()
    assert secret.encode() not in raw
    assert b"proxypass" not in raw


def test_account_lifecycle(api: httpx.Client, data_dir: Path) -> None:
    assert api.post("/accounts", json={"handle": "amy", "li_at": "x"}).status_code == 201
    assert api.post("/accounts", json={"handle": "amy"}).status_code == 409
    patched = api.patch("/accounts/amy", json={"display_name": "Amy", "timezone": "Europe/Paris"})
    assert patched.json()["display_name"] == "Amy"
    assert patched.json()["identity"]["timezone_id"] == "Europe/Paris"
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        row = conn.execute("SELECT display_name, timezone FROM accounts").fetchone()
    assert row == ("Amy", "Europe/Paris")
    assert api.post("/accounts/amy/resume").status_code == 409  # not paused
    assert api.post("/accounts/amy/pause", json={"reason": "holiday"}).json()["status"] == "paused"
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        row = conn.execute("SELECT status, status_reason FROM accounts").fetchone()
    assert row == ("paused", "holiday")
    # amy never logged in: resume returns her to needs_login, never to active (issue 12.1).
    assert api.post("/accounts/amy/resume").json()["status"] == "needs_login"
    run = api.post("/runs", json=_visit(handle="amy")).json()
    assert api.delete("/accounts/amy").status_code == 204
    assert api.get("/accounts/amy").status_code == 404
    assert api.get(f"/runs/{run['run_id']}").json()["status"] == "canceled"
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        status = conn.execute("SELECT status FROM runs WHERE id = ?", (run["run_id"],))
        assert status.fetchone()[0] == "canceled"
    assert api.delete("/accounts/amy").status_code == 404
    assert _count(data_dir, "accounts") == 0


def test_openapi_has_examples_for_every_touchpoint(api: httpx.Client) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    examples = {
        example["type"]
        for schema in schemas.values()
        for example in schema.get("examples", [])
        if isinstance(example, dict) and "type" in example
    }
    assert examples == set(TOUCHPOINT_TYPES)
