"""What every part of a running server shares: settings, store, secrets, clock, wake-ups."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from openoutreach_server.clock import Clock
from openoutreach_server.config import Settings
from openoutreach_server.crypto import SecretBox
from openoutreach_server.safety import SafetySettings
from openoutreach_server.store import Store
from openoutreach_server.store.notifier import ACCOUNTS, EVENTS, RUNS, SCHEDULES

if TYPE_CHECKING:
    from openoutreach_server.dispatch.executor import Executor
    from openoutreach_server.scheduling.poller import Scheduler


class RunEvents:
    """Wakes long-polls in this process when runs change (the in-process executor recorded
    outcomes); waiters also look again on a short timeout for changes made elsewhere."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def changed(self) -> None:
        """Runs changed (call on the event loop)."""
        if self._event is not None:
            self._event.set()
            self._event.clear()  # the waiters already woken stay woken

    async def wait_change(self, seconds: float) -> None:
        """Return when runs changed, or after `seconds`."""
        if self._event is None:
            self._event = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._event.wait()


@dataclass
class ServerContext:
    """Built once at start-up and handed to routers, services and the loops."""

    settings: Settings
    store: Store
    box: SecretBox
    api_keys: list[str]
    clock: Clock
    executor: Executor | None = field(default=None)
    scheduler: Scheduler | None = field(default=None)
    run_events: RunEvents = field(default_factory=RunEvents)

    @cached_property
    def rules(self) -> SafetySettings:
        """The account-safety settings."""
        return self.settings.safety()

    def _own(self) -> str | None:
        return self.executor.worker_id if self.executor is not None else None

    def notify(self) -> None:
        """Tell workers (this process's and others') that a run may be claimable now."""
        if self.executor is not None:
            self.executor.wake()  # directly: no datagram to itself
        self.store.notifier.notify(RUNS, skip=self._own())

    def accounts_changed(self) -> None:
        """Tell workers that accounts or sessions changed, so they close browser contexts of
        deleted accounts and replaced sessions."""
        if self.executor is not None:
            self.executor.accounts_changed()
        self.store.notifier.notify(ACCOUNTS, skip=self._own())

    def schedules_changed(self) -> None:
        """Tell schedule pollers (this process's and others') to re-read next fire times."""
        own = None
        if self.scheduler is not None:
            self.scheduler.wake()
            own = self.scheduler.name
        self.store.notifier.notify(SCHEDULES, skip=own)

    def deliveries_due(self) -> None:
        """Tell webhook deliverers (every process's) that deliveries are due now; committed
        events wake them by themselves (store connectors)."""
        self.store.notifier.notify(EVENTS)
