"""A private scratch directory per browser pool, for Playwright's trace chunks.

Trace chunks are written unredacted while they are recorded and stay behind when a
process dies. Several processes (`serve`, workers, `login --headed`) may share one root,
so each pool works in its own subdirectory, held by an exclusive lock on a file inside
it; at start a pool deletes everything under the root that no live process holds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

_LOCK = ".lock"


def _held_by_a_live_process(directory: Path) -> bool:
    try:
        fd = os.open(directory / _LOCK, os.O_RDWR)
    except OSError:
        return False  # no lock file: an unfinished or abandoned directory
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing also releases a lock we just took
    return False


def sweep(root: Path) -> int:
    """Delete every entry of `root` that no live pool holds; returns how many."""
    removed = 0
    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            if _held_by_a_live_process(entry):
                continue
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
        removed += 1
    return removed


class ScratchDir:
    """This process's own directory under `root` (mode 0700), locked while it is open."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path: Path | None = None
        self._fd: int | None = None

    def open(self) -> Path:
        """Create the root (0700), remove what dead processes left, create our directory."""
        if self.path is not None:
            return self.path
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        sweep(self.root)
        for _ in range(3):
            path = Path(tempfile.mkdtemp(prefix="pool-", dir=self.root))
            try:
                fd = os.open(path / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
            except FileNotFoundError:
                continue  # swept by another process starting at this moment
            fcntl.flock(fd, fcntl.LOCK_EX)
            if (path / _LOCK).exists():  # not swept by another process starting meanwhile
                self.path, self._fd = path, fd
                return path
            os.close(fd)
        raise OSError(f"could not create a scratch directory under {self.root}")

    def clear(self) -> None:
        """Empty our directory (a crashed browser's chunks), keeping it and its lock."""
        if self.path is None:
            return
        for entry in self.path.iterdir():
            if entry.name == _LOCK:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()

    def close(self) -> None:
        """Delete our directory and release its lock."""
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        if self._fd is not None:
            os.close(self._fd)
        self.path, self._fd = None, None
