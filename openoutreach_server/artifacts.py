"""Failure artifacts on disk: `$OO_DATA_DIR/artifacts/<run_id>/<name>`."""

from __future__ import annotations

from pathlib import Path


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
