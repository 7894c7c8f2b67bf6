"""Delays written as the seed's flow builder writes them: `15m`, `2d`, `7d`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_delay(text: str | int | float) -> timedelta:
    """`"15m"` -> 15 minutes. Units: s, m, h, d, w; a bare number (or `"0"`) is seconds.

    Raises ValueError with the accepted forms for anything else.
    """
    if isinstance(text, bool):
        raise ValueError(f"delay {text!r} is not a duration")
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"delay {text!r} is negative")
        return timedelta(seconds=text)
    stripped = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", stripped):
        return timedelta(seconds=float(stripped))
    match = _DELAY.match(text)
    if match is None:
        raise ValueError(
            f"delay {text!r} is not a duration: write a number and a unit (s, m, h, d, w),"
            " e.g. 15m, 2d, 7d"
        )
    amount, unit = float(match.group(1)), match.group(2)
    return timedelta(**{_UNITS[unit]: amount})


def delay_from_parts(amount: float, unit: str) -> timedelta:
    """The seed's `delayData: {delay: 15, unit: "m"}` form."""
    if unit not in _UNITS:
        raise ValueError(f"delay unit {unit!r} is not one of {', '.join(_UNITS)}")
    if amount < 0:
        raise ValueError(f"delay {amount!r} is negative")
    return timedelta(**{_UNITS[unit]: float(amount)})


def format_delay(delay: timedelta) -> str:
    """The shortest exact form in days, hours, minutes or seconds: `2d`, `15m`, `90s`."""
    seconds = delay.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
