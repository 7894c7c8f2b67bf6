"""Waiting for a run to end, written once for both clients as a flow of steps.

A flow is a generator that yields what it needs done (a `Call` to send, a `Pause` to sleep)
and receives each call's answer; the sync and async clients only drive it. A waiter is the
strategy that writes the flow: today `LongPollWaiter` (GET /runs/{id}?wait=...); a waiter
following the server's event feed can replace it without touching either client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from openoutreach_client.call import Call
from openoutreach_client.endpoints import runs
from openoutreach_client.errors import WaitTimeout
from openoutreach_client.models import Run

T = TypeVar("T")
# The longest long-poll the server accepts (GET /runs/{id}?wait= is at most 300).
MAX_SERVER_WAIT_S = 300.0


@dataclass(frozen=True)
class Pause:
    """A flow step: sleep this many seconds before the next step."""

    seconds: float


Step = Call[Any] | Pause
Flow = Generator[Step, Any, T]
"""Yields steps, is sent each `Call`'s parsed answer (None after a `Pause`), returns T."""


class Waiter(Protocol):
    """How `wait_for` waits: a flow that returns the ended run or raises `WaitTimeout`."""

    def wait(self, run: Run | int, timeout: float) -> Flow[Run]:
        """The flow waiting up to `timeout` seconds for `run` to end."""
        ...


@dataclass(frozen=True)
class LongPollWaiter:
    """Wait with the server's long-poll: each GET is held by the server until the run ends
    or `poll_s` passes, so a wait of minutes costs a few requests.

    Two requests are never closer than `min_interval_s`, even if a server (or a proxy)
    answers a long-poll early: the waiter cannot tight-poll.
    """

    poll_s: float = 30.0
    min_interval_s: float = 1.0
    clock: Callable[[], float] = time.monotonic

    def wait(self, run: Run | int, timeout: float) -> Flow[Run]:
        """Long-poll until the run ends; `WaitTimeout` once `timeout` seconds have passed."""
        if isinstance(run, Run) and run.done:
            return run  # an ended run never changes again
        run_id = run.run_id if isinstance(run, Run) else run
        deadline = self.clock() + timeout
        last_sent: float | None = None
        while True:
            now = self.clock()
            if last_sent is not None and now - last_sent < self.min_interval_s:
                yield Pause(min(self.min_interval_s - (now - last_sent), max(0.0, deadline - now)))
                now = self.clock()
            wait = round(min(self.poll_s, MAX_SERVER_WAIT_S, max(0.0, deadline - now)), 3)
            last_sent = now
            current: Run = yield runs.get(run_id, wait=wait)
            if current.done:
                return current
            if self.clock() >= deadline:
                raise WaitTimeout(current, timeout)
