"""Every account method against a real API-only server; effects read from the SQLite file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from openoutreach_client import UNSET, Client, Conflict, NotFound, VisitInput
from tests.client.conftest import PROFILE, execute, rows

HOURS = [{"days": ["mon", "tue"], "start": "09:00", "end": "17:30"}]


def _account(data_dir: Path, handle: str) -> dict[str, Any]:
    (row,) = rows(data_dir, "SELECT * FROM accounts WHERE handle = ?", handle)
    return row


def test_create_list_get_and_delete(oo: Client, data_dir: Path) -> None:
    created = oo.accounts.create(
        "jane",
        display_name="Jane D.",
        username="jane@example.com",
        password="hunter2-secret",
        proxy="http://user:pw@proxy.example:8080",
        timezone="Europe/Paris",
        working_hours=HOURS,
        quotas={"connect": {"day": 25}},
    )
    assert created.handle == "jane" and created.status == "needs_login"
    assert created.has_password and created.has_proxy and not created.has_session
    row = _account(data_dir, "jane")
    assert row["display_name"] == "Jane D." and row["username"] == "jane@example.com"
    assert row["timezone"] == "Europe/Paris"
    assert json.loads(str(row["working_hours"])) == HOURS
    assert json.loads(str(row["quotas"])) == {"connect": {"day": 25}}
    assert row["password_enc"] and b"hunter2" not in row["password_enc"]

    oo.accounts.create("sam", li_at="cookie-value")
    assert [a.handle for a in oo.accounts.list()] == ["jane", "sam"]
    sam = oo.accounts.get("sam")
    assert sam.has_session and not sam.has_password

    run = oo.runs.create("sam", VisitInput(profile_url=PROFILE))
    assert oo.accounts.delete("sam") is None
    assert rows(data_dir, "SELECT handle FROM accounts") == [{"handle": "jane"}]
    assert rows(data_dir, "SELECT status FROM runs WHERE id = ?", run.run_id) == [
        {"status": "canceled"}
    ]
    with pytest.raises(NotFound):
        oo.accounts.get("sam")


def test_patch_changes_only_the_fields_given_and_none_clears(oo: Client, data_dir: Path) -> None:
    oo.accounts.create("jane", li_at="cookie-value", display_name="Jane", working_hours=HOURS)
    patched = oo.accounts.patch("jane", display_name="Jane Doe", timezone="America/New_York")
    assert patched.display_name == "Jane Doe" and patched.timezone == "America/New_York"
    row = _account(data_dir, "jane")
    assert row["display_name"] == "Jane Doe" and row["timezone"] == "America/New_York"
    assert json.loads(str(row["working_hours"])) == HOURS  # not given: untouched

    oo.accounts.patch("jane", working_hours=None, display_name=UNSET)
    row = _account(data_dir, "jane")
    assert row["working_hours"] is None
    assert row["display_name"] == "Jane Doe"


def test_login_and_checkpoint_queue_login_runs(oo: Client, data_dir: Path) -> None:
    oo.accounts.create("jane", li_at="cookie-value")
    out = oo.accounts.login("jane", wait=0.2)  # no worker: the login stays pending (202)
    assert out.pending and out.run.status == "pending" and out.account.handle == "jane"
    (run,) = rows(data_dir, "SELECT id, type, status FROM runs")
    assert run == {"id": out.run.run_id, "type": "login", "status": "pending"}

    with pytest.raises(Conflict):  # not in checkpoint
        oo.accounts.submit_checkpoint("jane", "123456", wait=0)
    execute(data_dir, "UPDATE accounts SET status = 'checkpoint' WHERE handle = 'jane'")
    answered = oo.accounts.submit_checkpoint("jane", "123456", wait=0.2)
    assert answered.pending
    assert answered.run.touchpoint == {"type": "login", "mode": "pin"}
    row = _account(data_dir, "jane")
    assert row["pin_enc"] and b"123456" not in row["pin_enc"]


def test_pause_resume_usage_and_cooldowns(oo: Client, data_dir: Path) -> None:
    oo.accounts.create("jane", li_at="cookie-value")
    paused = oo.accounts.pause("jane", "holiday")
    assert paused.status == "paused" and paused.paused_from == "needs_login"
    row = _account(data_dir, "jane")
    assert (row["status"], row["status_reason"], row["paused_from"]) == (
        "paused",
        "holiday",
        "needs_login",
    )
    assert oo.accounts.resume("jane").status == "needs_login"
    assert _account(data_dir, "jane")["status"] == "needs_login"
    with pytest.raises(Conflict):
        oo.accounts.resume("jane")

    usage = oo.accounts.usage("jane")
    assert usage.handle == "jane"
    assert usage.touchpoints["connect"].windows["day"].used == 0
    assert 0 < usage.warmup_factor <= 1

    until = time.time() + 3600
    execute(
        data_dir,
        "UPDATE accounts SET cooldowns = ? WHERE handle = 'jane'",
        json.dumps({"connect": until, "*": until}),
    )
    assert set(oo.accounts.get("jane").cooldowns) == {"connect", "*"}
    assert set(oo.accounts.clear_cooldowns("jane", "connect").cooldowns) == {"*"}
    assert set(json.loads(str(_account(data_dir, "jane")["cooldowns"]))) == {"*"}
    with pytest.raises(NotFound):
        oo.accounts.clear_cooldowns("jane", "connect")
    assert oo.accounts.clear_cooldowns("jane").cooldowns == {}
    assert json.loads(str(_account(data_dir, "jane")["cooldowns"] or "{}")) == {}


def test_health(oo: Client) -> None:
    health = oo.health()
    assert health.status == "ok" and health.worker is False and health.database == "sqlite"
