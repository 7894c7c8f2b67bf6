"""Failure artifacts on disk: `$OO_DATA_DIR/artifacts/<run_id>/<name>`, pruned after a while."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from openoutreach_server.db.engine import Database

_ATTR = "__oo_artifacts__"


def attach_artifacts(exc: BaseException, names: list[str]) -> None:
    """Remember on an unexpected exception which artifacts its run left."""
    setattr(exc, _ATTR, names)


def attached_artifacts(exc: BaseException) -> list[str]:
    """Artifacts attached by `attach_artifacts`, if any."""
    return list(getattr(exc, _ATTR, []))


class ArtifactStore:
    """Writes a run's artifacts and returns the names the API lists."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, run_id: int, name: str, data: bytes) -> str:
        """Store one artifact; returns its name."""
        folder = self.root / str(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        return name

    def prune(self, db: Database, older_than_days: float, now: float | None = None) -> int:
        """Delete artifact folders older than the retention; the runs stop listing them."""
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        pruned: list[int] = []
        for folder in self.root.glob("[0-9]*"):
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                pruned.append(int(folder.name))
        if pruned:
            with db.raw_write() as conn:
                conn.executemany(
                    "UPDATE runs SET artifacts = ? WHERE id = ?",
                    [(json.dumps([]), run_id) for run_id in pruned],
                )
        return len(pruned)
