"""Fire-time computation: seconds field, timezones, DST transitions, coalescing."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from openoutreach_server.scheduling.cron import (
    CronError,
    latest_fire,
    next_fire,
    normalize_cron,
    plan_fires,
)


def _ts(tz: str, *parts: int, fold: int = 0) -> float:
    return datetime(*parts, tzinfo=ZoneInfo(tz), fold=fold).timestamp()  # type: ignore[misc,arg-type]


def _fires(cron: str, tz: str, start: float, n: int) -> list[str]:
    out = []
    t = start
    for _ in range(n):
        t = next_fire(cron, tz, t)
        out.append(datetime.fromtimestamp(t, ZoneInfo(tz)).isoformat())
    return out


def test_five_and_six_fields_are_accepted_others_are_not() -> None:
    assert normalize_cron("  */5  * * * * ") == "*/5 * * * *"
    assert normalize_cron("* * * * * */2") == "* * * * * */2"
    for bad in ("* * * *", "* * * * * * *", "61 * * * *", "* * * * * 61", "hello"):
        with pytest.raises(CronError):
            normalize_cron(bad)


def test_next_fire_is_strictly_after_and_the_sixth_field_is_seconds() -> None:
    t0 = _ts("UTC", 2025, 1, 1, 12, 0, 0)
    assert next_fire("* * * * * */2", "UTC", t0) == t0 + 2
    assert next_fire("* * * * * */2", "UTC", t0 + 0.5) == t0 + 2
    assert next_fire("* * * * * */2", "UTC", t0 + 2) == t0 + 4
    assert next_fire("* * * * *", "UTC", t0) == t0 + 60
    assert next_fire("0 0 * * * 30", "UTC", t0) == _ts("UTC", 2025, 1, 2, 0, 0, 30)
    assert latest_fire("* * * * * */2", "UTC", t0 + 3) == t0 + 2
    assert latest_fire("* * * * * */2", "UTC", t0 + 4) == t0 + 4


def test_cron_is_evaluated_in_the_schedule_timezone() -> None:
    t0 = _ts("UTC", 2025, 6, 2, 0, 0)
    assert next_fire("30 9 * * *", "Europe/Paris", t0) == _ts("UTC", 2025, 6, 2, 7, 30)
    assert next_fire("30 9 * * *", "America/New_York", t0) == _ts("UTC", 2025, 6, 2, 13, 30)


@pytest.mark.parametrize(
    ("tz", "day"), [("Europe/Paris", (2024, 3, 31)), ("America/New_York", (2024, 3, 10))]
)
def test_spring_forward_skipped_wall_time_fires_at_the_jump(tz: str, day: tuple[int, ...]) -> None:
    start = _ts(tz, *day, 0, 10)
    # 02:30 does not exist that night: the fire happens at 03:00 (new offset), once.
    assert _fires("30 2 * * *", tz, start, 2)[0].startswith(f"{day[0]}-0{day[1]}-{day[2]}T03:00:00")
    hourly = _fires("0 * * * *", tz, start, 3)
    assert [h[11:19] for h in hourly] == ["01:00:00", "03:00:00", "04:00:00"]
    # Every UTC gap is one hour: no fire is lost or doubled by the jump.
    times = [datetime.fromisoformat(h).timestamp() for h in hourly]
    assert [b - a for a, b in itertools.pairwise(times)] == [3600, 3600]


@pytest.mark.parametrize(
    ("tz", "day", "hour"),
    [("Europe/Paris", (2024, 10, 27), 2), ("America/New_York", (2024, 11, 3), 1)],
)
def test_fall_back_repeated_wall_time_fires_twice(tz: str, day: tuple[int, ...], hour: int) -> None:
    start = _ts(tz, *day, 0, 10)
    fires = _fires(f"30 {hour} * * *", tz, start, 3)
    # The repeated hour happens twice, as two UTC instants one hour apart.
    first, second = (datetime.fromisoformat(f) for f in fires[:2])
    assert first.hour == second.hour == hour and first.minute == 30
    assert second.timestamp() - first.timestamp() == 3600
    assert first.utcoffset() != second.utcoffset()
    assert datetime.fromisoformat(fires[2]).day == day[2] + 1
    # An hourly schedule fires 25 times on that day, every 3600 s.
    midnight = _ts(tz, *day, 0, 0)
    t, count = midnight, 0
    while True:
        t = next_fire("0 * * * *", tz, t)
        if datetime.fromtimestamp(t, ZoneInfo(tz)).day != day[2]:
            break
        count += 1
    assert count == 24  # 01:00 .. 23:00 plus the repeated hour, midnight excluded


def test_coalescing_runs_only_the_latest_missed_fire_within_grace() -> None:
    t0 = _ts("UTC", 2025, 1, 1, 12, 0, 0)
    every_minute = "* * * * *"
    # On time: one fire, nothing skipped.
    plan = plan_fires(every_minute, "UTC", t0, t0 + 0.2, 600)
    assert (plan.fire_time, plan.skipped, plan.next_fire_at) == (t0, 0, t0 + 60)
    # Down for 5.5 minutes: fires t0..t0+300 missed; only t0+300 runs, 5 skipped.
    plan = plan_fires(every_minute, "UTC", t0, t0 + 330, 600)
    assert (plan.fire_time, plan.skipped, plan.next_fire_at) == (t0 + 300, 5, t0 + 360)
    # Down for an hour with a 10-minute grace: the latest missed fire (30 s old) still runs.
    plan = plan_fires(every_minute, "UTC", t0, t0 + 3630, 600)
    assert (plan.fire_time, plan.skipped) == (t0 + 3600, 60)
    # An hourly schedule whose latest fire is older than the grace: all skipped.
    plan = plan_fires("0 * * * *", "UTC", t0, t0 + 1800, 600)
    assert (plan.fire_time, plan.skipped, plan.next_fire_at) == (None, 1, t0 + 3600)


def test_a_long_downtime_costs_bounded_work_and_still_counts() -> None:
    t0 = _ts("UTC", 2025, 1, 1, 0, 0, 0)
    plan = plan_fires("* * * * * *", "UTC", t0, t0 + 86_400 + 0.5, 600)
    assert plan.fire_time == t0 + 86_400
    assert plan.skipped == 86_400
    assert plan.next_fire_at == t0 + 86_401
