"""The safety rules as pure functions of state and time: caps, warm-up, hours, gaps."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from openoutreach_server import safety
from openoutreach_server.safety import DAY, HOUR, AccountSafety, SafetySettings


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_caps_hold_until_the_oldest_use_leaves_the_window() -> None:
    now = ts("2026-03-02T12:00:00+00:00")
    account = AccountSafety(created_at=now - 60 * DAY)
    rules = SafetySettings()
    starts = [now - 3000 + i for i in range(20)]  # 20 connects in the last hour: the cap
    hold = safety.touchpoint_hold(account, "connect", now, rules, starts)
    assert hold is not None
    assert hold.reason == "quota window: connect 20/20 per hour"
    assert hold.until == starts[0] + HOUR
    assert safety.touchpoint_hold(account, "connect", starts[0] + HOUR + 1, rules, starts) is None
    assert safety.touchpoint_hold(account, "connection_status", now, rules, starts * 10) is None


def test_usage_reports_used_remaining_and_next_reset() -> None:
    now = 10 * DAY
    rows = {
        r.window: r for r in safety.usage([now - 10, now - 2 * HOUR], {"hour": 5, "day": 1}, now)
    }
    assert (rows["hour"].used, rows["hour"].remaining, rows["hour"].next_reset) == (
        1,
        4,
        now - 10 + HOUR,
    )
    # Over the day cap by one: it resets when the older use (2 h ago) ages out.
    assert (rows["day"].used, rows["day"].remaining) == (2, 0)
    assert rows["day"].next_reset == now - 10 + DAY


def test_warmup_ramps_caps_and_scales_overrides() -> None:
    created = ts("2026-01-01T00:00:00+00:00")
    rules = SafetySettings(warmup_days=20, warmup_start=0.25)
    account = AccountSafety(created_at=created, quotas={"connect": {"hour": 8}})
    assert safety.caps_for(account, "connect", created, rules) == {
        "hour": 2,
        "day": 10,
        "week": 37,
    }
    halfway = created + 10 * DAY
    assert safety.warmup_factor(account, halfway, rules) == 0.625
    assert safety.caps_for(account, "connect", created + 30 * DAY, rules) == {
        "hour": 8,
        "day": 40,
        "week": 150,
    }
    assert safety.caps_for(account, "visit", created, SafetySettings(caps_enabled=False)) == {}


def test_working_hours_next_opening_in_the_accounts_timezone() -> None:
    hours = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]
    account = AccountSafety(created_at=0, timezone="Europe/Paris", working_hours=hours)
    saturday = ts("2026-06-06T12:00:00+00:00")
    assert safety.open_at(account, saturday) == ts("2026-06-08T09:00:00+02:00")
    inside = ts("2026-06-08T10:00:00+02:00")
    assert safety.open_at(account, inside) == inside
    hold = safety.account_hold(account, saturday, SafetySettings())
    assert hold is not None and hold.reason == "outside working hours"


def test_working_hours_across_dst_transitions() -> None:
    daily = [{"days": list(safety._DAYS), "start": "09:00", "end": "17:00"}]
    account = AccountSafety(created_at=0, timezone="America/New_York", working_hours=daily)
    # Spring forward: 2026-03-08 02:00 EST -> 03:00 EDT. 09:00 that day is 13:00 UTC.
    before = ts("2026-03-08T01:00:00-05:00")
    assert datetime.fromtimestamp(safety.open_at(account, before) or 0, UTC).hour == 13
    # Fall back: 2026-11-01 02:00 EDT -> 01:00 EST. 09:00 that day is 14:00 UTC.
    before = ts("2026-11-01T01:30:00-04:00")
    assert datetime.fromtimestamp(safety.open_at(account, before) or 0, UTC).hour == 14


def test_holds_pick_the_latest_release() -> None:
    now = 1000.0
    rules = SafetySettings(gap_min_s=50, gap_max_s=50)
    account = AccountSafety(
        created_at=0, last_action_at=now, gap_draw=0.5, cooldowns={"*": now + 500}
    )
    assert safety.next_action_at(account, rules) == now + 50
    hold = safety.account_hold(account, now, rules)
    assert hold is not None and hold.until == now + 500
    assert "cool-down" in hold.reason
    cooled = AccountSafety(created_at=0, cooldowns={"connect": now + 10})
    held = safety.touchpoint_hold(cooled, "connect", now, SafetySettings(), [])
    assert held is not None and held.until == now + 10
    assert safety.touchpoint_hold(cooled, "visit", now, SafetySettings(), []) is None


def test_gap_is_random_within_bounds_and_zero_when_fast() -> None:
    rng = random.Random(7)
    rules = SafetySettings(gap_min_s=30, gap_max_s=90)
    gaps = [safety.gap_s(rules, safety.gap_draw(rng)) for _ in range(200)]
    assert 30 <= min(gaps) < 40 and 80 < max(gaps) <= 90
    assert len(set(gaps)) > 150
    assert safety.gap_s(SafetySettings(), safety.gap_draw(rng)) == 0.0


def test_the_gap_is_a_rule_of_the_current_pace_not_a_stored_fact() -> None:
    # The same stored draw after an action: 3 minutes at human pace, nothing at fast pace.
    account = AccountSafety(created_at=0, last_action_at=1000.0, gap_draw=1.0)
    human = SafetySettings(gap_min_s=45, gap_max_s=180)
    assert safety.next_action_at(account, human) == 1180.0
    assert safety.account_hold(account, 1001.0, human) is not None
    fast = SafetySettings()  # what OO_PACE=fast gives (gaps 0)
    assert safety.next_action_at(account, fast) is None
    assert safety.account_hold(account, 1001.0, fast) is None


def test_a_cap_of_zero_holds_with_no_reset_to_wait_for() -> None:
    # Found by the outbox conformance tests: an override of 0 used to crash the claim.
    account = AccountSafety(created_at=0, quotas={"connect": {"hour": 0}})
    rules = SafetySettings(warmup_days=0)
    starts = [1000.0]
    hold = safety.touchpoint_hold(account, "connect", 1001.0, rules, starts)
    assert hold is not None and hold.until is None
    assert safety.usage(starts, {"hour": 0}, 1001.0)[0].next_reset is None
