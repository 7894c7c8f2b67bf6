"""Silent misconfiguration is a 422 naming the field, and nothing is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

PROFILE = "https://www.linkedin.com/in/john-smith/"
POST = "https://www.linkedin.com/feed/update/urn:li:activity:7260000000000000001/"


def _rows(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        return conn.execute(sql).fetchall()


def _refused(response: httpx.Response, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert field in [e["field"] for e in problem["errors"]], problem
    return dict(problem)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quotas": {"conect": {"day": 10}}}, "quotas.conect"),
        ({"quotas": {"connect": {"dya": 10}}}, "quotas.connect.dya"),
        ({"storage_state": {"cookies": [], "orgins": []}}, "storage_state.orgins"),
        (
            {"storage_state": {"cookies": [{"name": "li_at", "value": "x", "domian": "a"}]}},
            "storage_state.cookies.0.domian",
        ),
        (
            {"working_hours": [{"days": ["mon"], "start": "09:00", "end": "17:00", "tz": "x"}]},
            "working_hours.0.tz",
        ),
        ({"password": "secret-pass"}, "password"),
    ],
)
def test_unknown_keys_and_half_credentials_are_refused_on_create(
    api: httpx.Client, data_dir: Path, body: dict[str, Any], field: str
) -> None:
    problem = _refused(api.post("/accounts", json={"handle": "jane", **body}), field)
    assert field.split(".")[0] in problem["detail"]
    assert _rows(data_dir, "SELECT handle FROM accounts") == []


def test_a_typo_in_quotas_does_not_leave_the_defaults_in_force_on_patch(
    api: httpx.Client, account: str, data_dir: Path
) -> None:
    _refused(
        api.patch(f"/accounts/{account}", json={"quotas": {"conect": {"day": 5}}}), "quotas.conect"
    )
    _refused(api.patch(f"/accounts/{account}", json={"password": "pw-without-user"}), "password")
    assert _rows(data_dir, "SELECT quotas, password_enc FROM accounts") == [(None, None)]
    ok = api.patch(f"/accounts/{account}", json={"quotas": {"connect": {"day": 5}}})
    assert ok.status_code == 200 and ok.json()["quotas"] == {"connect": {"day": 5}}


@pytest.mark.parametrize(
    ("touchpoint", "field"),
    [
        ({"type": "connect", "profile_url": PROFILE, "note": " \n\t "}, "touchpoint.note"),
        ({"type": "message", "profile_url": PROFILE, "text": "   "}, "touchpoint.text"),
        ({"type": "comment", "post_url": POST, "text": "\n\n"}, "touchpoint.text"),
        ({"type": "inmail", "profile_url": PROFILE, "body": " \t"}, "touchpoint.body"),
    ],
)
def test_whitespace_only_text_is_refused(
    api: httpx.Client, account: str, data_dir: Path, touchpoint: dict[str, Any], field: str
) -> None:
    problem = _refused(api.post("/runs", json={"handle": account, "touchpoint": touchpoint}), field)
    assert "visible characters" in problem["detail"]
    assert _rows(data_dir, "SELECT id FROM runs") == []


def test_a_full_storage_state_is_accepted_and_sealed(api: httpx.Client, data_dir: Path) -> None:
    state = {
        "cookies": [
            {
                "name": "li_at",
                "value": "AQEDAR-sealed-please",
                "domain": ".linkedin.com",
                "path": "/",
                "expires": 1893456000,
                "httpOnly": True,
                "secure": True,
                "sameSite": "None",
            }
        ],
        "origins": [
            {"origin": "https://www.linkedin.com", "localStorage": [{"name": "k", "value": "v"}]}
        ],
    }
    created = api.post("/accounts", json={"handle": "sam", "storage_state": state})
    assert created.status_code == 201, created.text
    assert created.json()["has_session"] is True
    sealed = _rows(data_dir, "SELECT storage_state_enc FROM accounts")[0][0]
    assert sealed and b"AQEDAR-sealed-please" not in sealed
