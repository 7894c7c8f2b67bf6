"""The notifier port: wake-ups across processes (and, on PostgreSQL, hosts).

Channels: RUNS (a run may be claimable now), ACCOUNTS (an account was deleted or its
session replaced: workers close browser contexts), SCHEDULES (schedules changed: pollers
re-read next fires), EVENTS (events were committed: webhook deliverers fan them out).
A lost notification costs latency only: every loop also sleeps until the next due time it
reads from the database, and looks again after a safety interval.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import psycopg
from loguru import logger

from openoutreach_server.store.wake import WakeListener, poke_all

RUNS = "runs"
ACCOUNTS = "accounts"
SCHEDULES = "schedules"
EVENTS = "events"
CHANNELS = (RUNS, ACCOUNTS, SCHEDULES, EVENTS)


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
# pollers and the deliverers have their own directories so that the busy enqueue path never
# wakes them.
_BYTE = {RUNS: b"!", ACCOUNTS: b"a", SCHEDULES: b"s", EVENTS: b"e"}
_SUBDIR = {SCHEDULES: "schedules", EVENTS: "events"}


class UnixSocketNotifier:
    """Unix datagram sockets in `$OO_DATA_DIR/wake/`: every process of one host."""

    def __init__(self, wake_dir: Path) -> None:
        self.wake_dir = wake_dir

    def _dir(self, channel: str) -> Path:
        sub = _SUBDIR.get(channel)
        return self.wake_dir / sub if sub else self.wake_dir

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


class PgListening:
    """A thread holding one LISTEN connection; callbacks run on the listener's event loop."""

    def __init__(
        self,
        conninfo: str,
        name: str,
        callbacks: Mapping[str, Callable[[], None]],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._conninfo = conninfo
        self._name = name
        self._callbacks = {f"oo_{channel}": cb for channel, cb in callbacks.items()}
        self._loop = loop
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, name=f"oo-listen-{name}", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    for channel in self._callbacks:
                        conn.execute(f"LISTEN {channel}")
                    self._ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            if note.payload == self._name:
                                continue  # our own process woke itself directly
                            callback = self._callbacks.get(note.channel)
                            if callback is not None:
                                self._loop.call_soon_threadsafe(callback)
            except psycopg.Error as exc:
                self._ready.set()
                logger.warning("LISTEN connection lost ({}); reconnecting", type(exc).__name__)
                self._stop.wait(1.0)

    def stop(self) -> None:
        """Stop listening (the thread ends within half a second)."""
        self._stop.set()
        self._thread.join(timeout=5)


class PgNotifier:
    """LISTEN/NOTIFY on the shared PostgreSQL database: every process on every host."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None

    def notify(self, channel: str, *, skip: str | None = None) -> None:
        """NOTIFY the channel; the payload names the sender so it can skip itself."""
        with self._lock:
            for attempt in (0, 1):
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = psycopg.connect(self._conninfo, autocommit=True)
                    self._conn.execute("SELECT pg_notify(%s, %s)", (f"oo_{channel}", skip or ""))
                    return
                except psycopg.Error:
                    self._conn = None
                    if attempt:
                        logger.warning(
                            "NOTIFY {} failed; loops will look at their next due time", channel
                        )

    def listen(self, name: str, callbacks: Mapping[str, Callable[[], None]]) -> PgListening:
        """Listen on the given channels until stopped."""
        return PgListening(self._conninfo, name, callbacks, asyncio.get_running_loop())

    def close(self) -> None:
        """Close the NOTIFY connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
