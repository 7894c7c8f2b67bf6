"""/webhooks over real HTTP: registering, changing, secrets, and refusing targets on
private addresses (the server must never be made to call its own network)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from openoutreach_server.config import Settings
from openoutreach_server.main import create_app
from tests.conftest import API_KEY
from tests.support.live import LiveServer

PUBLIC = "https://93.184.215.14/hooks/oo"  # an IP literal: no DNS lookup, never contacted
PROFILE = "https://www.linkedin.com/in/john-smith/"


def test_register_change_and_remove(api: httpx.Client) -> None:
    created = api.post(
        "/webhooks",
        json={"url": PUBLIC, "event_types": ["run.failed", "run.completed"], "description": "crm"},
    )
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 40
    assert hook["event_types"] == ["run.completed", "run.failed"] and hook["enabled"]
    shown = api.get(f"/webhooks/{hook['id']}").json()
    assert "secret" not in shown and shown["url"] == PUBLIC
    assert [h["id"] for h in api.get("/webhooks").json()["items"]] == [hook["id"]]
    patched = api.patch(
        f"/webhooks/{hook['id']}", json={"event_types": None, "description": None}
    ).json()
    assert patched["event_types"] is None and patched["description"] is None
    assert patched["url"] == PUBLIC and patched["enabled"]
    off = api.patch(f"/webhooks/{hook['id']}", json={"enabled": False}).json()
    assert off["enabled"] is False
    assert api.get(f"/webhooks/{hook['id']}/deliveries").json() == {
        "items": [],
        "next_cursor": None,
    }
    assert api.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert api.get(f"/webhooks/{hook['id']}").status_code == 404
    assert api.delete(f"/webhooks/{hook['id']}").status_code == 404
    assert api.get("/webhooks").json()["items"] == []


def test_the_secret_is_stored_sealed(api: httpx.Client, settings: Settings) -> None:
    hook = api.post("/webhooks", json={"url": PUBLIC}).json()
    raw = (settings.data_dir / "openoutreach.db").read_bytes()
    wal = settings.data_dir / "openoutreach.db-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert hook["secret"].encode() not in raw
    assert hook["secret"].removeprefix("whsec_").encode() not in raw


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://224.0.0.1/",
    ],
)
def test_private_targets_are_refused(api: httpx.Client, url: str) -> None:
    response = api.post("/webhooks", json={"url": url})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "url" and "OO_WEBHOOK_ALLOW_PRIVATE" in error["message"]
    assert api.get("/webhooks").json()["items"] == []


def test_a_runs_callback_url_is_checked_the_same_way(api: httpx.Client, account: str) -> None:
    body = {
        "handle": account,
        "touchpoint": {"type": "visit", "profile_url": PROFILE},
        "callback_url": "http://127.0.0.1:8080/cb",
    }
    response = api.post("/runs", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "callback_url"
    assert api.get("/runs").json()["items"] == []
    body["callback_url"] = PUBLIC
    assert api.post("/runs", json=body).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://93.184.215.14/"}, "url"),
        ({"url": "https://user:pw@93.184.215.14/"}, "url"),
        ({"url": "https:///nohost"}, "url"),
        ({"url": PUBLIC, "event_types": ["run.exploded"]}, "event_types"),
        ({"url": PUBLIC, "event_types": []}, "event_types"),
        ({"url": PUBLIC, "secret": "whsec_mine"}, "secret"),
        ({}, "url"),
    ],
)
def test_bad_webhooks_are_422_naming_the_field(
    api: httpx.Client, body: dict[str, object], field: str
) -> None:
    response = api.post("/webhooks", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert api.get("/webhooks").json()["items"] == []


def test_unknown_ids_are_404(api: httpx.Client) -> None:
    assert api.get("/webhooks/42").status_code == 404
    assert api.patch("/webhooks/42", json={"enabled": True}).status_code == 404
    assert api.post("/webhooks/42/rotate-secret").status_code == 404
    assert api.get("/webhooks/42/deliveries").status_code == 404
    assert api.post("/events/42/redeliver").status_code == 404
    assert api.get("/webhooks/0").status_code == 422


def test_the_callback_secret_is_stable_until_rotated(api: httpx.Client) -> None:
    first = api.get("/webhooks/callback-secret").json()["secret"]
    assert first.startswith("whsec_")
    assert api.get("/webhooks/callback-secret").json()["secret"] == first
    rotated = api.post("/webhooks/callback-secret/rotate").json()["secret"]
    assert rotated != first
    assert api.get("/webhooks/callback-secret").json()["secret"] == rotated


@pytest.fixture
def fixed_secret_api(settings: Settings) -> Iterator[httpx.Client]:
    settings.webhook_secret = SecretStr("whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY")
    with (
        LiveServer(create_app(settings, worker=False)) as live,
        httpx.Client(base_url=live.url, headers={"X-API-Key": API_KEY}) as client,
    ):
        yield client


def test_oo_webhook_secret_sets_the_callback_secret(fixed_secret_api: httpx.Client) -> None:
    shown = fixed_secret_api.get("/webhooks/callback-secret").json()["secret"]
    assert shown == "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    refused = fixed_secret_api.post("/webhooks/callback-secret/rotate")
    assert refused.status_code == 409 and "OO_WEBHOOK_SECRET" in refused.json()["detail"]


def test_a_malformed_oo_webhook_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        Settings(webhook_secret="not-a-secret")  # type: ignore[arg-type]
