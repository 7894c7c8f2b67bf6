"""The one source of time: injectable so leases, schedules and quotas test without sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds since the epoch (UTC); shared by every process on the database."""

    def now(self) -> float:
        """Current time in UNIX seconds."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """Current time in UNIX seconds."""
        return time.time()


class FakeClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.value = start

    def now(self) -> float:
        """Current fake time."""
        return self.value

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.value += seconds
