"""The notifier port: wake-ups across processes (and, on PostgreSQL, hosts).

Channels: RUNS (a run may be claimable now), ACCOUNTS (an account was deleted or its
session replaced: workers close browser contexts), SCHEDULES (schedules changed: pollers
re-read next fires). A lost notification costs latency only: every loop also sleeps until
the next due time it reads from the database, and looks again after a safety interval.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from openoutreach_server.store.wake import WakeListener, poke_all

RUNS = "runs"
ACCOUNTS = "accounts"
SCHEDULES = "schedules"
CHANNELS = (RUNS, ACCOUNTS, SCHEDULES)


class Listening(Protocol):
    """A running subscription."""

    def stop(self) -> None:
        """Stop listening."""
        ...


class Notifier(Protocol):
    """Send and receive wake-ups by channel."""

    def notify(self, channel: str, *, skip: str | None = None) -> None:
        """Wake every listener of `channel` (except the one named `skip`, woken directly)."""
        ...

    def listen(self, name: str, callbacks: Mapping[str, Callable[[], None]]) -> Listening:
        """Call each channel's callback (on the running event loop) when it is notified."""
        ...


# One byte per channel in a datagram; runs and accounts share the workers' sockets, the
# pollers have their own directory so that the busy enqueue path never wakes them.
_BYTE = {RUNS: b"!", ACCOUNTS: b"a", SCHEDULES: b"s"}


class UnixSocketNotifier:
    """Unix datagram sockets in `$OO_DATA_DIR/wake/`: every process of one host."""

    def __init__(self, wake_dir: Path) -> None:
        self.wake_dir = wake_dir

    def _dir(self, channel: str) -> Path:
        return self.wake_dir / "schedules" if channel == SCHEDULES else self.wake_dir

    def _path(self, channel: str, name: str) -> Path:
        return self._dir(channel) / f"{name}.sock"

    def notify(self, channel: str, *, skip: str | None = None) -> None:
        """Send the channel's byte to every socket of its directory."""
        own = self._path(channel, skip) if skip else None
        poke_all(self._dir(channel), skip=own, payload=_BYTE[channel])

    def listen(self, name: str, callbacks: Mapping[str, Callable[[], None]]) -> WakeListener:
        """Bind `<name>.sock` (all channels given must share one directory)."""
        dirs = {self._dir(channel) for channel in callbacks}
        if len(dirs) != 1:
            raise ValueError("a listener's channels must share one wake directory")
        by_byte = {_BYTE[channel]: callback for channel, callback in callbacks.items()}
        listener = WakeListener(dirs.pop(), name)
        listener.start(by_byte)
        return listener


def event_setter(event: asyncio.Event) -> Callable[[], None]:
    """A callback that sets `event` (for loops that wait on an asyncio.Event)."""
    return event.set
