"""Cross-process wake-ups: an enqueue in one process starts the run in another within milliseconds.

Each worker binds a Unix datagram socket in `$OO_DATA_DIR/wake/`; whoever enqueues sends
one byte to each. A lost datagram costs nothing but latency: workers also wake at the
next due time they read from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from loguru import logger


class _Sockets:
    """The socket paths in a wake dir, re-listed only when the directory changes."""

    def __init__(self) -> None:
        self.listing: dict[str, tuple[int, list[str]]] = {}
        self.sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sender.setblocking(False)
        self.lock = threading.Lock()

    def paths(self, wake_dir: Path) -> list[str]:
        key = str(wake_dir)
        try:
            # A socket bound or unlinked changes the directory's mtime: the hot path
            # (every enqueue) costs one stat() instead of a listing.
            stamp = os.stat(key).st_mtime_ns
        except FileNotFoundError:
            return []
        cached = self.listing.get(key)
        if cached is None or cached[0] != stamp:
            paths = [e.path for e in os.scandir(key) if e.name.endswith(".sock")]
            self.listing[key] = cached = (stamp, paths)
        return cached[1]


_SOCKETS = _Sockets()


# What a datagram says: runs may be claimable, or accounts changed (deleted, new session).
RUNS = b"!"
ACCOUNTS = b"a"


def poke_all(wake_dir: Path, skip: Path | None = None, payload: bytes = RUNS) -> int:
    """Send a wake-up byte to every worker socket; remove sockets nobody listens on."""
    sent = 0
    with _SOCKETS.lock:
        for path in _SOCKETS.paths(wake_dir):
            if skip and path == str(skip):
                continue
            try:
                _SOCKETS.sender.sendto(payload, path)
                sent += 1
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):
                    os.unlink(path)  # its worker is gone
            except BlockingIOError:
                sent += 1  # its buffer is full of wake-ups already
            except OSError as exc:
                logger.debug("wake {} failed: {}", path, exc)
    return sent


class WakeListener:
    """A worker's socket; calls `on_wake` whenever any process pokes it."""

    def __init__(self, wake_dir: Path, name: str) -> None:
        self.path = wake_dir / f"{name}.sock"
        self._sock: socket.socket | None = None

    def start(self, on_wake: asyncio.Event, on_accounts: Callable[[], None] | None = None) -> None:
        """Bind the socket and register it with the running loop.

        Any datagram sets `on_wake`; one saying ACCOUNTS also calls `on_accounts`.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.bind(str(self.path))
        self._sock = sock

        def _readable() -> None:
            received = b""
            with contextlib.suppress(BlockingIOError):
                while chunk := sock.recv(64):
                    received += chunk
            if on_accounts is not None and ACCOUNTS in received:
                on_accounts()
            on_wake.set()

        asyncio.get_running_loop().add_reader(sock.fileno(), _readable)

    def stop(self) -> None:
        """Unregister and remove the socket."""
        if self._sock is None:
            return
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
        self._sock.close()
        self._sock = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
