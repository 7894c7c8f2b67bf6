"""The claim and `waiting_reason` follow one decision; dry runs are not held by caps; the
pacing gap follows the current pace. On a real SQLite file, at given times."""

from __future__ import annotations

import json
import random

import pytest

from openoutreach_server.safety import DAY, SafetySettings
from openoutreach_server.store import Store
from openoutreach_server.store.records import Outcome, RunFilter
from tests.support.store import add_accounts, add_run

T0 = 1_800_000_000.0
RULES = SafetySettings(warmup_days=0)


@pytest.fixture
def db(database: Store) -> Store:
    add_accounts(database, ["a"], now=T0 - 100 * DAY)
    return database


def _reasons(db: Store, now: float, rules: SafetySettings = RULES) -> dict[int, str]:
    runs = [r for r in db.runs.find(RunFilter(handle="a"), limit=500)[0] if r.status == "pending"]
    return db.runs.waiting_reasons(runs, now, rules)


def _claim(db: Store, now: float, rules: SafetySettings = RULES) -> list[int]:
    claimed = db.runs.claim(now=now, limit=8, worker_id="w", lease_s=60, rules=rules)
    return [c.id for c in claimed]


def _finish(db: Store, run_id: int, now: float, rules: SafetySettings = RULES) -> None:
    db.runs.finish([Outcome(run_id, result={})], now=now, worker_id="w", rules=rules)


def _set_quota(db: Store, quotas: dict[str, dict[str, int]]) -> None:
    db.accounts.update("a", lambda _: {"quotas": quotas})


def test_the_run_said_ready_is_the_one_the_claim_takes(db: Store) -> None:
    # A capped touchpoint at the front, then runs that may go: whatever the mix, the only
    # run explained as "ready" is exactly the run the next claim starts.
    _set_quota(db, {"connect": {"hour": 1}})
    rng = random.Random(3)
    now = T0
    for step in range(40):
        if rng.random() < 0.6:
            kind = rng.choice(["connect", "visit", "message"])
            add_run(db, "a", type_=kind, now=now, priority=rng.choice([0, 0, 5]))
        reasons = _reasons(db, now)
        ready = [run_id for run_id, why in reasons.items() if why.startswith("ready")]
        claimed = _claim(db, now)
        assert ready == claimed, (step, reasons, claimed)
        for run_id in claimed:
            _finish(db, run_id, now + 1)
        now += 5 if step % 7 else 1800


def test_queued_behind_counts_only_runs_that_will_go_first(db: Store) -> None:
    _set_quota(db, {"connect": {"hour": 1}})
    first = add_run(db, "a", type_="connect", now=T0)
    assert _claim(db, T0) == [first]
    _finish(db, first, T0 + 1)
    held = add_run(db, "a", type_="connect", now=T0, priority=10)  # capped, ahead in order
    visit = add_run(db, "a", type_="visit", now=T0)
    later = add_run(db, "a", type_="visit", now=T0)
    reasons = _reasons(db, T0 + 2)
    assert reasons[held].startswith("quota window: connect 1/1 per hour")
    # The held connect is not counted: the visit goes next, the other visit after it.
    assert reasons[visit].startswith("ready")
    assert reasons[later] == "queued behind 1 run(s) of this account"
    assert _claim(db, T0 + 2) == [visit]


def test_dry_runs_are_not_held_by_caps_or_warm_up(db: Store) -> None:
    _set_quota(db, {"connect": {"hour": 1, "day": 1}})
    real = add_run(db, "a", type_="connect", now=T0)
    assert _claim(db, T0) == [real]
    _finish(db, real, T0 + 1)
    capped = add_run(db, "a", type_="connect", now=T0 + 2)
    dry = add_run(db, "a", type_="connect", now=T0 + 2, dry_run=True)
    reasons = _reasons(db, T0 + 3)
    assert reasons[capped].startswith("quota window")
    assert reasons[dry].startswith("ready")
    assert _claim(db, T0 + 3) == [dry]  # goes at once, and does not count
    _finish(db, dry, T0 + 4)
    usage = db.runs.counted_starts("a", ["connect"], T0 + 5)
    assert usage == {"connect": [T0]}


def test_a_brand_new_accounts_dry_runs_skip_warm_up(database: Store) -> None:
    add_accounts(database, ["new"], now=T0)  # day 0 of warm-up: 25 % of the caps
    rules = SafetySettings(warmup_days=21, warmup_start=0.25)
    database.accounts.update("new", lambda _: {"quotas": json.loads('{"connect": {"hour": 2}}')})
    # floor(2 * 0.25) = 0 connects an hour today: a real connect waits, a dry run does not.
    real = add_run(database, "new", type_="connect", now=T0)
    dry = add_run(database, "new", type_="connect", now=T0, dry_run=True)
    claimed = database.runs.claim(now=T0, limit=8, worker_id="w", lease_s=60, rules=rules)
    assert [c.id for c in claimed] == [dry]
    assert real not in [c.id for c in claimed]


def test_a_pacing_gap_drawn_at_human_pace_does_not_hold_a_fast_restart(db: Store) -> None:
    human = SafetySettings(warmup_days=0, gap_min_s=180, gap_max_s=180)
    first, second = add_run(db, "a", now=T0), add_run(db, "a", now=T0)
    assert _claim(db, T0, human) == [first]
    _finish(db, first, T0 + 1, human)
    assert _claim(db, T0 + 2, human) == []  # 3 minutes at human pace
    assert "pacing" in _reasons(db, T0 + 2, human)[second]
    fast = SafetySettings(warmup_days=0)  # the server restarted with OO_PACE=fast
    assert _reasons(db, T0 + 2, fast)[second].startswith("ready")
    assert _claim(db, T0 + 2, fast) == [second]
