"""Cron arithmetic, pure: validate expressions, compute fires, coalesce missed ones.

Time semantics. A cron expression is evaluated in the schedule's IANA timezone by croniter
on zoneinfo-aware datetimes; a fire time is that local instant converted to UNIX seconds.
Daylight saving, as croniter + zoneinfo do it (tests/scheduler pin this down):

- spring forward: a wall time in the skipped hour (02:30 in Europe/Paris on the last
  Sunday of March) does not exist; the fire happens at the first instant after the jump
  (03:00 local). Expressions that step through the hour (`*/30 * * * *`) simply have no
  fires inside it.
- fall back: a wall time in the repeated hour (02:30 in Paris on the last Sunday of
  October) happens twice, as two distinct UTC instants, and fires twice; `0 * * * *`
  fires 25 times that day.

Five fields, or six with seconds as the SIXTH (last) field, croniter's convention:
`* * * * * */2` fires every two seconds. Quartz and node-cron put seconds FIRST, so their
`*/30 * * * * *` (every 30 s) reads here as "every second of minutes 0 and 30":
`check_interval` refuses expressions that fire more often than a minimum, and says which
field is which.

Downtime. Missed fires coalesce: only the latest fire at or before now is run, and only if
it is at most the grace window old; the others are counted as skipped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from croniter import croniter

# Missed fires of one schedule counted one by one; past this, the rest is extrapolated.
_COUNT_CAP = 1000
_CACHE_MAX = 4096
# Fires looked at to find an expression's shortest interval.
_INTERVAL_SAMPLE = 64
_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week", "second")


class CronError(ValueError):
    """A cron expression croniter cannot use, or one that never fires."""


def normalize_cron(expr: str) -> str:
    """Validate a cron expression (5 fields, or 6 with seconds last); collapse whitespace."""
    fields = expr.split()
    if len(fields) not in (5, 6):
        raise CronError(
            f"must have 5 fields (minute hour day month weekday) or 6 (plus seconds last),"
            f" not {len(fields)}"
        )
    normalized = " ".join(fields)
    if not croniter.is_valid(normalized):
        raise CronError(f"{normalized!r} is not a valid cron expression")
    return normalized


_local = threading.local()


def _iterator(cron: str, tz: str) -> tuple[croniter, ZoneInfo]:
    # Parsing an expression costs ~6x computing a fire from it: keep parsed ones per thread
    # (croniter objects are stateful, so they are not shared between threads).
    cache: dict[tuple[str, str], tuple[croniter, ZoneInfo]] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    hit = cache.get((cron, tz))
    if hit is None:
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        zone = ZoneInfo(tz)
        hit = cache[(cron, tz)] = (croniter(cron, datetime.now(zone)), zone)
    return hit


def next_fire(cron: str, tz: str, after: float) -> float:
    """The first fire strictly after `after` (UNIX seconds), evaluated in timezone `tz`."""
    it, zone = _iterator(cron, tz)
    it.set_current(datetime.fromtimestamp(after, zone), force=True)
    try:
        return float(it.get_next(float))
    except Exception as exc:  # croniter raises its own errors for impossible dates
        raise CronError(
            f"{cron!r} never fires: no calendar date matches it (like 31 February)"
        ) from exc


def latest_fire(cron: str, tz: str, at_or_before: float) -> float:
    """The last fire at or before `at_or_before`."""
    it, zone = _iterator(cron, tz)
    it.set_current(datetime.fromtimestamp(at_or_before, zone), force=True)
    prev = float(it.get_prev(float))
    following = next_fire(cron, tz, prev)
    return following if following <= at_or_before else prev


@dataclass(frozen=True)
class FirePlan:
    """What to do with one due schedule: the fire to run (if any), fires skipped, next due."""

    fire_time: float | None
    skipped: int
    next_fire_at: float


def plan_fires(cron: str, tz: str, due: float, now: float, grace_s: float) -> FirePlan:
    """Coalesce the fires from `due` up to `now` into at most one.

    The latest fire <= now runs if it is at most `grace_s` old; every other missed fire is
    skipped. After a long downtime the skipped count is exact for the first 1,000 fires
    and extrapolated from their spacing beyond (cost stays bounded per schedule).
    """
    count = 0
    latest: float | None = None
    t = due
    while t <= now:
        count += 1
        latest = t
        if count >= _COUNT_CAP:
            last = latest_fire(cron, tz, now)
            if last > latest:
                spacing = (latest - due) / max(count - 1, 1)
                count += max(round((last - latest) / spacing), 1) if spacing > 0 else 1
                latest = last
            t = next_fire(cron, tz, now)
            break
        t = next_fire(cron, tz, t)
    if latest is not None and now - latest <= grace_s:
        return FirePlan(latest, count - 1, t)
    return FirePlan(None, count, t)


def describe_fields(cron: str) -> str:
    """How the fields of `cron` are read, e.g. "minute=*/30 hour=* ... second=*"."""
    fields = cron.split()
    named = " ".join(f"{name}={value}" for name, value in zip(_FIELDS, fields, strict=False))
    if len(fields) == 6:
        named += " (seconds are the LAST field here; Quartz and node-cron put them first)"
    return named


def check_interval(cron: str, tz: str, now: float, min_interval_s: float) -> None:
    """Refuse an expression that fires more often than `min_interval_s` (CronError)."""
    if min_interval_s <= 0:
        return
    t = next_fire(cron, tz, now)
    shortest = float("inf")
    for _ in range(_INTERVAL_SAMPLE):
        following = next_fire(cron, tz, t)
        shortest = min(shortest, following - t)
        if shortest < min_interval_s:
            raise CronError(
                f"{cron!r} fires every {shortest:g} s, more often than the minimum interval of"
                f" {min_interval_s:g} s (OO_SCHEDULE_MIN_INTERVAL_S). Fields as read:"
                f" {describe_fields(cron)}"
            )
        t = following
