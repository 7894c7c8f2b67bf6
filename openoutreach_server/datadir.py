"""The data directory holds keys, sealed sessions and artifacts: private to the server user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from loguru import logger

PRIVATE_UMASK = 0o077


class DataDirError(RuntimeError):
    """The data directory cannot be made private to this user."""


def secure_data_dir(path: Path) -> Path:
    """Create or check the data dir on every start; returns its absolute path.

    Sets a private umask for the whole process (every file made later, the SQLite
    database, its WAL and the artifacts included, is 0600), makes the directory 0700, and
    tightens files already in it. A directory owned by someone else is refused: its mode
    cannot be trusted to stay private.
    """
    os.umask(PRIVATE_UMASK)
    path = path.resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.geteuid():
        raise DataDirError(
            f"data dir {path} belongs to uid {info.st_uid}, not to this user ({os.geteuid()});"
            " it must be private to the server user"
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        logger.warning(
            "data dir {} was readable by others (mode {:o}); made it 0700",
            path,
            stat.S_IMODE(info.st_mode),
        )
        path.chmod(0o700)
    for entry in path.iterdir():
        _tighten(entry)
    return path


def _tighten(entry: Path) -> None:
    try:
        mode = stat.S_IMODE(entry.lstat().st_mode)
    except FileNotFoundError:
        return
    if entry.is_symlink() or not mode & 0o077:
        return
    entry.chmod(0o700 if entry.is_dir() else 0o600)
    if entry.is_dir():
        for child in entry.iterdir():
            _tighten(child)
