"""Account safety rules: caps with warm-up, cool-downs, working hours, pacing gaps, breaker.

Pure functions of what the database holds and the time they are given: the queue asks
them whether a run may start now and, if not, until when it must wait.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from linkedin.touchpoints.errors import ErrorCode
from linkedin.touchpoints.registry import DEFAULT_CAPS

HOUR, DAY, WEEK = 3600.0, 86400.0, 7 * 86400.0
WINDOWS: dict[str, float] = {"hour": HOUR, "day": DAY, "week": WEEK}

# Which touchpoints a LinkedIn limit holds back, and for how long (seconds, overridable).
COOLDOWN_SCOPE: dict[str, str] = {
    ErrorCode.RATE_LIMITED: "*",
    ErrorCode.WEEKLY_INVITE_LIMIT: "connect",
}

# Failures that say the automation or the session is unwell, not that one target was
# unreachable: only these count towards the circuit breaker.
BREAKER_CODES: frozenset[str] = frozenset(
    {
        ErrorCode.UI_CHANGED,
        ErrorCode.NAVIGATION_TIMEOUT,
        ErrorCode.BROWSER_CRASHED,
        ErrorCode.INTERNAL_ERROR,
    }
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class SafetySettings:
    """The tunable parts of the rules (from Settings)."""

    caps_enabled: bool = True
    warmup_days: float = 21.0
    warmup_start: float = 0.25
    gap_min_s: float = 0.0
    gap_max_s: float = 0.0
    cooldown_rate_limited_s: float = 6 * HOUR
    cooldown_weekly_invite_s: float = 7 * DAY
    breaker_failures: int = 3

    def cooldown_s(self, code: str) -> float:
        """How long a LinkedIn limit holds its touchpoints back."""
        if code == ErrorCode.WEEKLY_INVITE_LIMIT:
            return self.cooldown_weekly_invite_s
        return self.cooldown_rate_limited_s


@dataclass(frozen=True)
class Hold:
    """Why a run may not start yet, and the earliest time it might."""

    reason: str
    until: float | None  # None: not known from time alone (e.g. the account is paused)


@dataclass
class AccountSafety:
    """An account's safety state as stored on its row."""

    created_at: float
    timezone: str = "UTC"
    working_hours: Sequence[Mapping[str, Any]] | None = None
    quotas: Mapping[str, Mapping[str, int]] | None = None
    cooldowns: Mapping[str, float] = field(default_factory=dict)
    # When the account last acted, and its draw in [0, 1) of the pacing gap that follows:
    # the gap itself is a rule of the current pace (see `next_action_at`), never stored.
    last_action_at: float | None = None
    gap_draw: float | None = None


def warmup_factor(account: AccountSafety, now: float, s: SafetySettings) -> float:
    """A new account's share of its caps: from `warmup_start` on day 0 to 1 after warm-up."""
    if s.warmup_days <= 0:
        return 1.0
    age_days = max(0.0, (now - account.created_at) / DAY)
    return min(1.0, s.warmup_start + (1 - s.warmup_start) * age_days / s.warmup_days)


def caps_for(
    account: AccountSafety, touchpoint: str, now: float, s: SafetySettings
) -> dict[str, int]:
    """Effective caps per window: defaults, the account's overrides, scaled by warm-up."""
    if not s.caps_enabled:
        return {}
    # The SPEC §7 defaults are a LinkedIn fact, registered with each touchpoint.
    caps = dict(DEFAULT_CAPS.get(touchpoint, {}))
    for window, value in (account.quotas or {}).get(touchpoint, {}).items():
        if window in WINDOWS and value is not None:
            caps[window] = int(value)
    factor = warmup_factor(account, now, s)
    # Overrides are scaled too: warm-up protects the account whatever its final caps.
    return {w: (math.floor(c * factor) if c > 0 else 0) for w, c in caps.items()}


@dataclass(frozen=True)
class WindowUsage:
    """How much of one window's cap is used, and when the oldest use leaves the window."""

    window: str
    cap: int
    used: int
    next_reset: float | None

    @property
    def remaining(self) -> int:
        """What is left in the window."""
        return max(0, self.cap - self.used)


def usage(starts: Sequence[float], caps: Mapping[str, int], now: float) -> list[WindowUsage]:
    """Usage per window from the start times of counted runs (rolling windows)."""
    out = []
    for window, cap in caps.items():
        span = WINDOWS[window]
        inside = sorted(t for t in starts if now - span < t <= now)
        # Once `used` >= cap, the run can go when enough of the oldest ones have aged out.
        excess = len(inside) - cap
        # A cap of 0 never lets a run go: there is no reset to wait for.
        reset = inside[max(excess, 0)] + span if inside and cap > 0 else None
        out.append(WindowUsage(window, cap, len(inside), reset))
    return out


def open_at(account: AccountSafety, now: float) -> float | None:
    """The first moment from `now` inside the account's working hours (now if inside).

    None when there are no working hours (always open).
    """
    windows = account.working_hours
    if not windows:
        return None
    zone = ZoneInfo(account.timezone)
    local = datetime.fromtimestamp(now, zone)
    for day_offset in range(8):
        day = (local + timedelta(days=day_offset)).date()
        name = _DAYS[day.weekday()]
        for window in sorted(windows, key=lambda w: str(w["start"])):
            if name not in window["days"]:
                continue
            start = _at(day, str(window["start"]), zone)
            end = _at(day, str(window["end"]), zone)
            if end.timestamp() <= now:
                continue
            return max(now, start.timestamp())
    return None  # unreachable with a valid schedule: every window recurs weekly


def _at(day: Any, hhmm: str, zone: ZoneInfo) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    # fold=0: in a repeated autumn hour the window starts at its first occurrence.
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def gap_s(s: SafetySettings, draw: float | None) -> float:
    """The pacing gap a draw in [0, 1) stands for under the current pace (0 in fast pace)."""
    if s.gap_max_s <= 0 or draw is None:
        return 0.0
    return s.gap_min_s + draw * (s.gap_max_s - s.gap_min_s)


def next_action_at(account: AccountSafety, s: SafetySettings) -> float | None:
    """The earliest time the account may act again (pacing), None when it may now."""
    gap = gap_s(s, account.gap_draw)
    if account.last_action_at is None or gap <= 0:
        return None
    return account.last_action_at + gap


def account_hold(account: AccountSafety, now: float, s: SafetySettings) -> Hold | None:
    """Holds that stop every run of the account: pacing gap, working hours, cool-down '*'."""
    holds: list[Hold] = []
    pace_until = next_action_at(account, s)
    if pace_until is not None and pace_until > now:
        holds.append(Hold("pacing: minimum gap between two actions", pace_until))
    until = account.cooldowns.get("*")
    if until is not None and until > now:
        holds.append(Hold("cool-down after LinkedIn said too many requests", until))
    opens = open_at(account, now)
    if opens is not None and opens > now:
        holds.append(Hold("outside working hours", opens))
    return max(holds, key=lambda h: h.until or math.inf) if holds else None


def touchpoint_hold(
    account: AccountSafety,
    touchpoint: str,
    now: float,
    s: SafetySettings,
    starts: Sequence[float],
    *,
    caps: bool = True,
) -> Hold | None:
    """Holds specific to one touchpoint type: its cool-down, then (unless `caps` is False,
    as for a dry run, which never counts) its caps."""
    until = account.cooldowns.get(touchpoint)
    if until is not None and until > now:
        return Hold(f"cool-down of {touchpoint} after a LinkedIn limit", until)
    if not caps:
        return None
    for row in usage(starts, caps_for(account, touchpoint, now, s), now):
        if row.remaining <= 0:
            return Hold(
                f"quota window: {touchpoint} {row.used}/{row.cap} per {row.window}", row.next_reset
            )
    return None


def gap_draw(rng: random.Random) -> float:
    """A fresh pacing draw for the gap after an action (see `gap_s`)."""
    return rng.random()
