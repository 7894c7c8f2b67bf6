"""No artifact of any failed run holds a password, a PIN or a session cookie, in any form.

Secrets with quotes, backslashes and non-ASCII characters go through a wrong password, a
PIN checkpoint (a wrong code, then the right one) and two mid-run session expiries, at
both paces: at human pace every credential is typed one key at a time.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

from linkedin_sim import SimServer
from linkedin_sim.state import Fault
from openoutreach_server.config import Settings
from tests.server.conftest import wait_run

PASSWORD = "p\"a\\ss wörd ☃'x"
WRONG_PASSWORD = "q\"b\\tt wärd ☂'y"
PIN = "482915"
WRONG_PIN = "735192"
LI_AT = "sim-li-at-Zq7Wv3Kp9Rt2"
USER = "checkpoint@example.com"
_KEYS = {"fill", "type", "press", "keyboardType", "keyboardPress", "keyboardInsertText"}


def _forms(secret: str) -> set[bytes]:
    forms = {
        secret,
        secret[::-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }
    return {f.encode() for f in forms}


def _members(path: Path) -> dict[str, bytes]:
    """An artifact's content, or each member of a zip artifact."""
    data = path.read_bytes()
    if not path.name.endswith(".zip"):
        return {path.name: data}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {f"{path.name}/{name}": archive.read(name) for name in archive.namelist()}


def _typed(events: list[dict[str, Any]]) -> str:
    """Everything keyboard, fill and press events carry, in order, concatenated."""
    values = []
    for event in events:
        if event.get("type") == "before" and event.get("method") in _KEYS:
            params = event.get("params", {})
            values += [str(params.get(k, "")) for k in ("value", "text", "key")]
    return "".join(values)


def _checked_artifacts(artifacts: Path, secrets: list[str]) -> list[str]:
    files = sorted(p for p in artifacts.rglob("*") if p.is_file())
    checked = []
    for path in files:
        for name, content in _members(path).items():
            checked.append(name)
            for secret in secrets:
                for form in _forms(secret):
                    assert form not in content, (name, secret)
            assert not re.search(rb"ajax(:|%3A|\\u003a)\d{6,}", content), name
            if name.endswith(".trace"):
                lines = content.decode().splitlines()
                typed = _typed([json.loads(line) for line in lines if line])
                for secret in secrets:
                    assert secret not in typed and secret[::-1] not in typed, name
                    # Keyboard events keep no character of a credential at all.
                    assert not set(secret) & set(typed.replace("[REDACTED]", "")), name
    return checked


def _login(client: httpx.Client, path: str, **kwargs: Any) -> dict[str, Any]:
    response = client.post(f"/accounts/gated/{path}", params={"wait": 120}, **kwargs)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _run(client: httpx.Client, touchpoint: dict[str, Any]) -> dict[str, Any]:
    created = client.post("/runs", json={"handle": "gated", "touchpoint": touchpoint})
    assert created.status_code == 201, created.text
    return wait_run(client, created.json()["run_id"], timeout=120)


def _through_the_checkpoint(client: httpx.Client) -> None:
    assert _login(client, "login")["run"]["error_code"] == "CHECKPOINT"
    wrong = _login(client, "checkpoint", json={"code": WRONG_PIN})
    assert wrong["run"]["error_code"] == "CHECKPOINT"
    right = _login(client, "checkpoint", json={"code": PIN})
    assert right["account"]["status"] == "active", right


@pytest.mark.parametrize("pace", ["fast", "human"])
def test_no_secret_in_any_artifact_at_either_pace(
    pace: str, sim_settings: Settings, sim: SimServer, request: pytest.FixtureRequest
) -> None:
    sim_settings.pace = pace  # type: ignore[assignment]
    sim_settings.gap_min_s = sim_settings.gap_max_s = 0.0
    client: httpx.Client = request.getfixturevalue("server")
    sim.state.upsert_account(USER, password=PASSWORD, li_at=LI_AT, checkpoint_pin=PIN)

    created = client.post(
        "/accounts", json={"handle": "gated", "username": USER, "password": WRONG_PASSWORD}
    )
    assert created.status_code == 201, created.text
    assert _login(client, "login")["run"]["error_code"] == "AUTH_FAILED"
    assert client.patch("/accounts/gated", json={"password": PASSWORD}).status_code == 200
    _through_the_checkpoint(client)

    # The session expires in the middle of a visit (LinkedIn drops li_at on the way)...
    sim.state.add_fault(Fault(path_prefix="/in/jane-doe/", action="session_expired", times=1))
    visit = _run(client, {"type": "visit", "profile_url": sim.profile_url("jane-doe")})
    assert visit["error_code"] == "SESSION_EXPIRED", visit
    assert "trace.zip" in visit["artifacts"]

    # ...and in the middle of an enrich, after the page read the cookie jar and sent the
    # csrf token: li_at is gone from the jar by the time the trace is saved.
    _through_the_checkpoint(client)
    sim.state.add_fault(Fault(path_prefix="/voyager/api/", action="session_expired", times=1))
    enrich = _run(client, {"type": "enrich", "public_identifier": "john-smith"})
    assert enrich["error_code"] == "SESSION_EXPIRED", enrich
    assert "trace.zip" in enrich["artifacts"]
    with zipfile.ZipFile(
        io.BytesIO(client.get(f"/runs/{enrich['run_id']}/artifacts/trace.zip").content)
    ) as archive:
        trace = archive.read("trace.trace").decode()
    assert '"method": "cookies"' in trace and "[REDACTED]" in trace

    failed = client.get("/runs", params={"handle": "gated", "status": "failed", "limit": 50})
    runs = failed.json()["items"]
    codes = sorted(r["error_code"] for r in runs)
    assert codes == ["AUTH_FAILED"] + ["CHECKPOINT"] * 4 + ["SESSION_EXPIRED"] * 2, codes
    for run in runs:
        if run["touchpoint"]["type"] == "login":
            assert set(run["artifacts"]) == {"screenshot.png", "page.html"}, run
    checked = _checked_artifacts(
        sim_settings.artifacts_dir, [PASSWORD, WRONG_PASSWORD, PIN, WRONG_PIN, LI_AT]
    )
    assert sum(name.endswith("trace.zip/trace.trace") for name in checked) == 2
    assert sum(name == "page.html" for name in checked) == len(runs)
