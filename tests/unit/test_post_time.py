"""Post dates: the time embedded in an activity id, used only when it agrees with the age
the page shows; else now minus that age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linkedin.touchpoints.post_time import activity_time, age_window, posted_at

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = 86_400.0


def activity_id(when: datetime, sequence: int = 5) -> str:
    return str((int(when.timestamp() * 1000) << 22) | sequence)


def test_activity_time_decodes_the_top_bits() -> None:
    when = datetime(2025, 11, 3, 8, 15, 42, 123_000, tzinfo=UTC)
    assert activity_time(activity_id(when)) == when
    assert activity_time(f"urn:li:activity:{activity_id(when)}") == when
    # A known real-world shape: 19 digits, 2024.
    assert activity_time("7150000000000000000") == datetime(2024, 1, 8, 5, 47, 20, 576_000, UTC)


@pytest.mark.parametrize("urn", ["urn:li:activity:42", "7300000000000000101x", "", "9" * 30])
def test_implausible_ids_give_nothing(urn: str) -> None:
    # Before LinkedIn existed, in the future, or no id at all.
    assert activity_time(urn) is None


@pytest.mark.parametrize(
    ("age", "window"),
    [
        ("3d", (3 * DAY, 4 * DAY)),
        ("5h", (5 * 3600.0, 6 * 3600.0)),
        ("45m", (45 * 60.0, 46 * 60.0)),
        ("1w", (7 * DAY, 14 * DAY)),
        ("2mo", (60 * DAY, 90 * DAY)),
        ("1yr", (365 * DAY, 730 * DAY)),
        ("now", (0.0, 60.0)),
        ("soon", None),
    ],
)
def test_age_window(age: str, window: tuple[float, float] | None) -> None:
    assert age_window(age) == window


@pytest.mark.parametrize(
    ("age", "old", "agrees"),
    [
        ("3d", timedelta(days=3, hours=5), True),
        ("3d", timedelta(days=2, hours=13), True),  # within half a day: rounding
        ("3d", timedelta(days=4, hours=11), True),
        ("3d", timedelta(days=2, hours=11), False),
        ("3d", timedelta(days=4, hours=13), False),
        ("3d", timedelta(days=40), False),
        ("5h", timedelta(hours=5, minutes=20), True),
        ("5h", timedelta(hours=7), False),
        ("now", timedelta(seconds=30), True),
        ("now", timedelta(minutes=3), False),
        ("2mo", timedelta(days=75), True),
        ("2mo", timedelta(days=200), False),
    ],
)
def test_embedded_time_is_used_only_when_it_agrees(age: str, old: timedelta, agrees: bool) -> None:
    window = age_window(age)
    assert window is not None
    age_days = window[0] / DAY
    embedded = NOW - old
    got = posted_at(f"urn:li:activity:{activity_id(embedded)}", age, age_days, NOW)
    expected = embedded.replace(microsecond=embedded.microsecond // 1000 * 1000)
    assert got == (expected if agrees else NOW - timedelta(days=age_days))
    assert got.tzinfo is not None


def test_no_embedded_time_means_now_minus_age() -> None:
    assert posted_at("urn:li:activity:42", "5h", 5 / 24, NOW) == NOW - timedelta(hours=5)
