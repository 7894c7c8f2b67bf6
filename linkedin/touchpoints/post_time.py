"""When a post was published, as a UTC datetime a client can use.

LinkedIn activity ids embed their creation time: `id >> 22` is milliseconds since the UNIX
epoch. That time is used only when it agrees with the relative age the page shows: "3d"
means [3 days, 4 days) old, give or take half a unit (LinkedIn may round) and at least a
minute (clocks differ). Otherwise (an id from elsewhere, a repost, a format change) the
estimate is now minus the shown age.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# Nothing on LinkedIn is older than LinkedIn.
_LINKEDIN_LAUNCH = datetime(2003, 5, 5, tzinfo=UTC)
_MIN_SLACK_S = 60.0
_UNIT_S = {
    "s": 1.0,
    "m": 60.0,
    "h": 3_600.0,
    "d": 86_400.0,
    "w": 7 * 86_400.0,
    "mo": 30 * 86_400.0,
    "yr": 365 * 86_400.0,
}
_SHORT = re.compile(r"^(\d+)(mo|yr|s|m|h|d|w)$")
_ID = re.compile(r"(\d{1,30})$")


def activity_time(urn: str) -> datetime | None:
    """The creation time embedded in an activity id or URN; None if it is not plausible."""
    match = _ID.search(urn)
    if match is None:
        return None
    millis = int(match.group(1)) >> 22
    try:
        when = datetime.fromtimestamp(millis / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if when < _LINKEDIN_LAUNCH or when > datetime.now(UTC) + timedelta(days=1):
        return None
    return when


def age_window(age_text: str) -> tuple[float, float] | None:
    """How old (seconds, [low, high)) a post showing `age_text` ("3d", "now") can be."""
    if age_text == "now":
        return 0.0, 60.0
    match = _SHORT.match(age_text)
    if match is None:
        return None
    number, unit = int(match.group(1)), _UNIT_S[match.group(2)]
    return number * unit, (number + 1) * unit


def posted_at(urn: str, age_text: str, age_days: float, now: datetime) -> datetime:
    """The embedded creation time if it agrees with the shown age, else now - age."""
    embedded = activity_time(urn)
    window = age_window(age_text)
    if embedded is not None and window is not None:
        low, high = window
        slack = max((high - low) / 2, _MIN_SLACK_S)
        age_s = (now - embedded).total_seconds()
        if low - slack <= age_s < high + slack:
            return embedded
    return now - timedelta(days=age_days)
