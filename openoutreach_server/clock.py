"""The one source of time: injectable so leases, schedules and quotas test without sleeping."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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


class DatabaseClock:
    """The database server's clock, read cheaply: this host's clock plus an offset measured
    against the database every `refresh_s` seconds.

    On PostgreSQL every host of a cluster then agrees on "now" (leases, fires, caps), so a
    host whose clock is off changes nothing.
    """

    def __init__(
        self,
        db_time: Callable[[], float | None],
        local: Callable[[], float] = time.time,
        refresh_s: float = 30.0,
    ) -> None:
        self._db_time = db_time
        self._local = local
        self._refresh_s = refresh_s
        self._offset = 0.0
        self._measured_at: float | None = None
        self._lock = threading.Lock()

    def offset(self) -> float:
        """Database time minus this host's time (seconds), as last measured."""
        return self._offset

    def _measure(self) -> None:
        before = self._local()
        server = self._db_time()
        after = self._local()
        if server is not None:
            self._offset = server - (before + after) / 2
        self._measured_at = after

    def now(self) -> float:
        """The database's current time in UNIX seconds."""
        local = self._local()
        if self._measured_at is None or local - self._measured_at > self._refresh_s:
            with self._lock:
                if self._measured_at is None or self._local() - self._measured_at > self._refresh_s:
                    self._measure()
            local = self._local()
        return local + self._offset
