"""Failure artifacts on disk: `$OO_DATA_DIR/artifacts/<run_id>/<name>`, pruned after a while."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from loguru import logger

_ATTR = "__oo_artifacts__"


def attach_artifacts(exc: BaseException, names: list[str]) -> None:
    """Remember on an unexpected exception which artifacts its run left."""
    setattr(exc, _ATTR, names)


def attached_artifacts(exc: BaseException) -> list[str]:
    """Artifacts attached by `attach_artifacts`, if any."""
    return list(getattr(exc, _ATTR, []))


# A failure's screenshot, HTML and trace are a few MB at most; past this something is wrong
# (an endless page, a trace of a runaway loop) and the disk must not pay for it.
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


class ArtifactStore:
    """Writes a run's artifacts (private files, size-capped) and returns the names listed."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def write(self, run_id: int, name: str, data: bytes) -> str | None:
        """Store one artifact (mode 0600); returns its name, or None if it was too large."""
        if len(data) > self.max_bytes:
            logger.warning(
                "artifact {} of run {} not kept: {} bytes is over the {} byte cap",
                name,
                run_id,
                len(data),
                self.max_bytes,
            )
            return None
        folder = self.root / str(run_id)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return name

    def remove(self, run_id: int) -> None:
        """Delete every artifact of one run."""
        shutil.rmtree(self.root / str(run_id), ignore_errors=True)

    def prune(self, older_than_days: float, now: float | None = None) -> list[int]:
        """Delete artifact folders older than the retention; returns their run ids (the
        caller makes the runs stop listing them)."""
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        pruned: list[int] = []
        for folder in self.root.glob("[0-9]*"):
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                pruned.append(int(folder.name))
        return pruned
