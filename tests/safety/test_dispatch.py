"""The dispatcher applies the safety rules: claims on a real SQLite file at given times."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from linkedin.touchpoints.errors import ErrorCode
from openoutreach_server import safety
from openoutreach_server.config import Settings
from openoutreach_server.safety import DAY, SafetySettings
from openoutreach_server.store import Store, open_store
from openoutreach_server.store.records import Claimed, Outcome
from tests.support.store import add_accounts, add_run

T0 = 1_800_000_000.0  # a fixed "now": nothing here sleeps
RULES = SafetySettings(warmup_days=0)


@pytest.fixture
def db(database: Store) -> Store:
    add_accounts(database, ["a"], now=T0 - 100 * DAY)
    return database


def _claim(db: Store, now: float, rules: SafetySettings = RULES) -> list[Claimed]:
    return db.runs.claim(now=now, limit=8, worker_id="w", lease_s=60, rules=rules)


def _finish(
    db: Store,
    run_id: int,
    now: float,
    code: str | None = None,
    rules: SafetySettings = RULES,
) -> None:
    outcome = Outcome(run_id, result={} if code is None else None, code=code, message="x")
    db.runs.finish_and_claim(
        [outcome],
        now=now,
        limit=0,
        worker_id="w",
        lease_s=60,
        retry_base_s=0,
        rules=rules,
        rng=random.Random(1),
    )


def _account(db: Store) -> Any:
    with db.db.read() as conn:
        row = conn.execute("SELECT * FROM accounts WHERE handle = 'a'").fetchone()
        return row


def _set(db: Store, **values: object) -> None:
    with db.db.write() as conn:
        for column, value in values.items():
            conn.execute(f"UPDATE accounts SET {column} = ? WHERE handle = 'a'", (value,))


def _status(db: Store, run_id: int) -> tuple[str, str | None]:
    with db.db.read() as conn:
        row = conn.execute("SELECT status, error_code FROM runs WHERE id = ?", (run_id,)).fetchone()
        return row["status"], row["error_code"]


def test_pacing_gap_is_enforced_by_the_dispatcher(db: Store) -> None:
    rules = SafetySettings(warmup_days=0, gap_min_s=60, gap_max_s=60)
    first, second = add_run(db, "a", now=T0), add_run(db, "a", now=T0)
    assert [c.id for c in _claim(db, T0, rules)] == [first]
    _finish(db, first, T0 + 5, rules=rules)
    account = _account(db)
    assert (account["last_action_at"], account["gap_draw"]) == (
        T0 + 5,
        pytest.approx(0.134, abs=1e-3),
    )
    assert (
        safety.next_action_at(
            safety.AccountSafety(created_at=0, last_action_at=T0 + 5, gap_draw=account["gap_draw"]),
            rules,
        )
        == T0 + 65
    )
    assert _claim(db, T0 + 64, rules) == []  # nobody sleeps holding the account meanwhile
    assert [c.id for c in _claim(db, T0 + 65, rules)] == [second]


def test_caps_hold_one_touchpoint_and_let_others_pass(db: Store) -> None:
    _set(db, quotas=json.dumps({"connect": {"hour": 2}}))
    connects = [add_run(db, "a", type_="connect", now=T0) for _ in range(3)]
    visit = add_run(db, "a", type_="visit", now=T0)
    now = T0
    taken = []
    for _ in range(3):
        claimed = _claim(db, now)
        assert len(claimed) == 1
        taken.append(claimed[0].id)
        _finish(db, claimed[0].id, now + 1)
        now += 10
    assert taken == [connects[0], connects[1], visit]  # the third connect waits its window
    assert _claim(db, now) == []
    assert _status(db, connects[2]) == ("pending", None)
    # An hour after the first connect started, its use leaves the window.
    assert [c.id for c in _claim(db, T0 + 3600 + 1)] == [connects[2]]


def test_on_quota_fail_fails_with_quota_exceeded(db: Store) -> None:
    _set(db, quotas=json.dumps({"connect": {"hour": 1}}))
    first = add_run(db, "a", type_="connect", now=T0)
    eager = add_run(db, "a", type_="connect", now=T0, on_quota="fail")
    patient = add_run(db, "a", type_="connect", now=T0)
    assert [c.id for c in _claim(db, T0)] == [first]
    _finish(db, first, T0 + 1)
    assert _claim(db, T0 + 2) == []
    assert _status(db, eager) == ("failed", "QUOTA_EXCEEDED")
    assert _status(db, patient) == ("pending", None)


def test_warmup_scales_a_new_accounts_caps(settings: Settings) -> None:
    db = open_store(settings)
    add_accounts(db, ["a"], now=T0)  # created now: 25 % of the caps
    rules = SafetySettings(warmup_days=21, warmup_start=0.25)
    runs = [add_run(db, "a", type_="connect", now=T0) for _ in range(6)]
    now = T0
    for _ in range(5):  # 20/h * 0.25 = 5
        (claimed,) = _claim(db, now, rules)
        _finish(db, claimed.id, now + 1, rules=rules)
        now += 5
    assert _claim(db, now, rules) == []
    assert _status(db, runs[5]) == ("pending", None)


def test_rate_limit_cools_down_every_touchpoint_then_releases(db: Store) -> None:
    failing = add_run(db, "a", type_="visit", now=T0)
    after = add_run(db, "a", type_="visit", now=T0)
    _claim(db, T0)
    _finish(db, failing, T0 + 1, code=ErrorCode.RATE_LIMITED)
    assert _status(db, failing) == ("failed", "RATE_LIMITED")
    assert _account(db)["status"] == "active"
    until = json.loads(_account(db)["cooldowns"])["*"]
    assert until == T0 + 1 + RULES.cooldown_rate_limited_s
    assert _claim(db, until - 1) == []
    assert [c.id for c in _claim(db, until)] == [after]


def test_circuit_breaker_pauses_after_consecutive_technical_failures(db: Store) -> None:
    runs = [add_run(db, "a", type_="visit", now=T0) for _ in range(5)]
    now = T0
    # A target that does not exist is not the account's fault: it does not count.
    (claimed,) = _claim(db, now)
    _finish(db, claimed.id, now, code=ErrorCode.PROFILE_NOT_FOUND)
    for _ in range(3):
        now += 1
        (claimed,) = _claim(db, now)
        _finish(db, claimed.id, now, code=ErrorCode.UI_CHANGED)
    account = _account(db)
    assert account["status"] == "paused"
    assert account["consecutive_failures"] == 3
    assert "circuit breaker: 3 failures in a row (last UI_CHANGED" in account["status_reason"]
    assert _claim(db, now + 1) == []
    assert _status(db, runs[4]) == ("pending", None)


def test_linkedin_unavailable_does_not_trip_the_breaker(db: Store) -> None:
    # LinkedIn's own 5xx / error pages say nothing about the account or the automation.
    runs = [add_run(db, "a", type_="visit", now=T0) for _ in range(4)]
    now = T0
    for _ in range(3):
        now += 1
        (claimed,) = _claim(db, now)
        _finish(db, claimed.id, now, code=ErrorCode.LINKEDIN_UNAVAILABLE)
        assert _status(db, claimed.id) == ("failed", "LINKEDIN_UNAVAILABLE")
    account = _account(db)
    assert account["status"] == "active"
    assert account["consecutive_failures"] == 0
    assert account["status_reason"] is None
    # The account still runs: the next run is claimed.
    assert [c.id for c in _claim(db, now + 1)] == [runs[3]]


def test_success_resets_the_breaker(db: Store) -> None:
    for _ in range(3):
        add_run(db, "a", type_="visit", now=T0)
    now = T0
    for code in (ErrorCode.UI_CHANGED, ErrorCode.UI_CHANGED, None):
        if code is None:
            assert _account(db)["consecutive_failures"] == 2  # counted so far
        (claimed,) = _claim(db, now)
        _finish(db, claimed.id, now, code=code)
        now += 1
    assert _account(db)["consecutive_failures"] == 0
    assert _account(db)["status"] == "active"


def test_working_hours_hold_the_account(db: Store) -> None:
    hours = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]
    _set(db, working_hours=json.dumps(hours), timezone="Europe/Paris")
    run = add_run(db, "a", now=T0)  # T0 is Friday 2027-01-15 08:00 UTC
    saturday_noon = datetime(2027, 1, 16, 12, tzinfo=UTC).timestamp()
    assert _claim(db, saturday_noon) == []
    monday_nine_paris = datetime(2027, 1, 18, 9, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
    assert _claim(db, monday_nine_paris - 1) == []
    assert [c.id for c in _claim(db, monday_nine_paris)] == [run]
