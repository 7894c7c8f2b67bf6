"""Unix datagram sockets behind UnixSocketNotifier: an enqueue in one process starts the run
in another within milliseconds.

Each listener binds a socket in a wake directory; whoever notifies sends one byte to each.
A lost datagram costs nothing but latency: loops also wake at the next due time they read
from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Callable, Mapping
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


def poke_all(wake_dir: Path, skip: Path | None = None, payload: bytes = b"!") -> int:
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
    """A listener's socket; calls the callback of each byte a datagram carries."""

    def __init__(self, wake_dir: Path, name: str) -> None:
        self.path = wake_dir / f"{name}.sock"
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, callbacks: Mapping[bytes, Callable[[], None]]) -> None:
        """Bind the socket and register it with the running loop; each datagram calls the
        callbacks of the bytes it carries."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.bind(str(self.path))
        self._sock = sock
        self._loop = asyncio.get_running_loop()

        def _readable() -> None:
            received = b""
            with contextlib.suppress(BlockingIOError):
                while chunk := sock.recv(64):
                    received += chunk
            for byte, callback in callbacks.items():
                if byte in received:
                    callback()

        self._loop.add_reader(sock.fileno(), _readable)

    def stop(self) -> None:
        """Unregister and remove the socket."""
        if self._sock is None:
            return
        if self._loop is not None:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        self._sock = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
