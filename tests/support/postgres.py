"""A throwaway PostgreSQL server for tests and benchmarks, from Debian's `postgresql`.

initdb in a temporary directory and pg_ctl on a free port, trust authentication on
127.0.0.1 only. Both refuse to run as root: as root they run as the `postgres` user the
Debian package creates. Fast and unsafe by default (fsync off): it holds test data;
benchmarks pass durable settings.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import psycopg

from tests.support.live import free_port


def pg_bin() -> Path | None:
    """Directory of Debian's PostgreSQL server binaries (newest version), if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]).parent if found else None


class PostgresServer:
    """A PostgreSQL cluster in a temp dir, for the lifetime of the `with` block."""

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        """`options`: server settings over the defaults (benchmarks turn fsync back on)."""
        binaries = pg_bin()
        if binaries is None:
            raise RuntimeError(
                "PostgreSQL server binaries not found: `apt-get install postgresql`"
                " (make test installs it)"
            )
        self.bin = binaries
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="oo-pg-"))
        self.data = self.root / "data"
        self._as_root = os.geteuid() == 0
        self.options = {
            "listen_addresses": "127.0.0.1",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "300",
            **(options or {}),
        }

    def _run(self, *args: str) -> None:
        cmd = [str(a) for a in args]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)

    def __enter__(self) -> PostgresServer:
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        settings = " ".join(f"-c {key}={value}" for key, value in self.options.items())
        options = f"-p {self.port} -k {self.root} {settings}"
        self._run(
            self.bin / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.root / "log",
            "-o",
            options,
            "-w",
            "start",
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """A URL for one database of this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """Create a fresh database (empty, or a copy of `template`); returns its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        deadline = time.monotonic() + 10
        while True:
            try:
                with psycopg.connect(self.url(), autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"{copy}')
                return self.url(name)
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
