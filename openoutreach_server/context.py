"""What every part of a running server shares: settings, database, secrets, clock, wake-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from openoutreach_server.clock import Clock
from openoutreach_server.config import Settings
from openoutreach_server.crypto import SecretBox
from openoutreach_server.db.engine import Database
from openoutreach_server.safety import SafetySettings
from openoutreach_server.wake import ACCOUNTS, poke_all

if TYPE_CHECKING:
    from openoutreach_server.executor import Executor
    from openoutreach_server.scheduling.poller import Scheduler


@dataclass
class ServerContext:
    """Built once at start-up and handed to routers and the executor."""

    settings: Settings
    db: Database
    box: SecretBox
    api_keys: list[str]
    clock: Clock
    executor: Executor | None = field(default=None)
    scheduler: Scheduler | None = field(default=None)

    @cached_property
    def rules(self) -> SafetySettings:
        """The account-safety settings."""
        return self.settings.safety()

    def notify(self) -> None:
        """Tell workers (this process's and others') that a run may be claimable now."""
        own = None
        if self.executor is not None:
            self.executor.wake()
            own = self.executor.wake_path  # already woken directly: no datagram to itself
        poke_all(self.settings.wake_dir, skip=own)

    def accounts_changed(self) -> None:
        """Tell workers (this process's and others') that accounts or sessions changed, so
        they close browser contexts of deleted accounts and replaced sessions."""
        own = None
        if self.executor is not None:
            self.executor.accounts_changed()
            own = self.executor.wake_path
        poke_all(self.settings.wake_dir, skip=own, payload=ACCOUNTS)

    def schedules_changed(self) -> None:
        """Tell schedule pollers (this process's and others') to re-read next fire times."""
        from openoutreach_server.scheduling.poller import poke_pollers

        if self.scheduler is not None:
            self.scheduler.wake()
        poke_pollers(self.settings)
