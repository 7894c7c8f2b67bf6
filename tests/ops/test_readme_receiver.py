"""The README's ten-line webhook receiver works against what the server signs."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from openoutreach_server.events.signing import new_secret, payload, signed_headers
from openoutreach_server.store.sql.events import EventRecord

README = Path(__file__).resolve().parents[2] / "README.md"


def _receiver_source() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    [source] = [b for b in blocks if "Webhook(" in b and "Flask" in b]
    return source


def test_the_readme_receiver_is_ten_lines() -> None:
    # Blank lines are the formatter's (ruff formats the README's code blocks), not code.
    code = [line for line in _receiver_source().splitlines() if line.strip()]
    assert len(code) <= 10


def test_the_readme_receiver_accepts_a_signed_event_and_refuses_a_forged_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = new_secret()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(_receiver_source().replace("whsec_...", secret), namespace)
    client = namespace["app"].test_client()
    event = EventRecord(41, "invitation.accepted", "jane", 7, {"run_id": 7}, time.time())
    body = payload(event)
    headers = signed_headers(secret, event.id, body, time.time())
    ok = client.post("/hooks/oo", data=body, headers=headers)
    assert ok.status_code == 204
    assert "41 invitation.accepted {'run_id': 7}" in capsys.readouterr().out
    forged = signed_headers(new_secret(), event.id, body, time.time())
    assert client.post("/hooks/oo", data=body, headers=forged).status_code == 400
