"""Shared helpers of the benchmarks: machine facts, results, temp data dirs, servers, bulk fills.

Nothing here is imported by the server; the benchmarks use the server's own code paths
(`create_app`, `Executor`, `store.runs.enqueue`) and only bypass them to pre-fill large backlogs,
with rows shaped exactly as `store.runs.enqueue` writes them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
API_KEY = "bench-key-0123456789abcdef"
PROFILE_URL = "https://www.linkedin.com/in/x/"
# What `parse_touchpoint(...).model_dump(mode="json")` stores for a default visit.
VISIT_TOUCHPOINT = {
    "type": "visit",
    "profile_url": PROFILE_URL,
    "dwell_s": [2.0, 6.0],
    "scroll": True,
}

if str(ROOT) not in sys.path:  # `python bench/x.py` as well as `python -m bench.x`
    sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------- machine and results


def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM, Python and SQLite versions: what a figure depends on."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram_gib,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    """Write bench/results/<name>.json (with machine and date) and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    version = pg_version()
    if version:
        machine["postgresql"] = version
    payload = {
        "benchmark": name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine,
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"-> {path.relative_to(ROOT)}")
    return path


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def latency_summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean in milliseconds of latencies given in seconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(sum(ms) / len(ms), 3),
    }


# ---------------------------------------------------------------- backends

BACKENDS = ("sqlite", "postgresql")
# PostgreSQL as durable as our SQLite (WAL, synchronous=NORMAL): data fsynced, a commit not
# waited for on disk (a crash may lose the last commits, never corrupts the database).
PG_OPTIONS = {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "off"}
_PG_SERVER: Any = None


def backend() -> str:
    """The backend a benchmark runs on: BENCH_BACKEND (sqlite, the default, or postgresql)."""
    name = os.environ.get("BENCH_BACKEND", "sqlite")
    if name not in BACKENDS:
        raise SystemExit(f"BENCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    return name


def result_name(name: str, kind: str) -> str:
    """bench/results/ name of a benchmark on a backend (SQLite keeps the historical name)."""
    return name if kind == "sqlite" else f"{name}-{kind}"


def pg_server() -> Any:
    """A throwaway PostgreSQL server (tests/support/postgres.py) for this process, with
    PG_OPTIONS; started on first use, stopped at exit."""
    global _PG_SERVER
    if _PG_SERVER is None:
        import atexit

        from tests.support.postgres import PostgresServer

        _PG_SERVER = PostgresServer(PG_OPTIONS).__enter__()
        atexit.register(_PG_SERVER.__exit__, None, None, None)
    return _PG_SERVER


def pg_version() -> str | None:
    """The PostgreSQL server's version, if one was started."""
    if _PG_SERVER is None:
        return None
    import psycopg

    with psycopg.connect(_PG_SERVER.url()) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else None


def pg_cpu_s() -> float:
    """CPU seconds used so far by this process's PostgreSQL server (postmaster and its
    backends alive now); 0 without one."""
    if _PG_SERVER is None:
        return 0.0
    import psutil

    try:
        pid = int((_PG_SERVER.data / "postmaster.pid").read_text().split()[0])
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except (OSError, ValueError, psutil.Error):
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


class CpuMeter:
    """CPU used between start() and stop(): the whole machine (share of all cores) and the
    PostgreSQL server (share of one core)."""

    def start(self) -> CpuMeter:
        import psutil

        self._t0 = time.perf_counter()
        self._machine0 = psutil.cpu_times()
        self._pg0 = pg_cpu_s()
        return self

    def stop(self) -> dict[str, float]:
        import psutil

        wall = time.perf_counter() - self._t0
        m1 = psutil.cpu_times()
        busy = sum(getattr(m1, f) - getattr(self._machine0, f) for f in ("user", "system"))
        busy += sum(
            getattr(m1, f, 0) - getattr(self._machine0, f, 0) for f in ("nice", "irq", "softirq")
        )
        cores = os.cpu_count() or 1
        return {
            "machine_busy_pct": round(100 * busy / (wall * cores), 1),
            "postgres_cpu_pct_of_core": round(100 * (pg_cpu_s() - self._pg0) / wall, 1),
        }


class _PgConn:
    """A psycopg connection taking the `?` placeholders of the fills (sqlite3's API subset)."""

    def __init__(self, url: str) -> None:
        import psycopg

        from openoutreach_server.store.postgres import conninfo

        self.raw = psycopg.connect(conninfo(url))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        from openoutreach_server.store.postgres import translate

        return self.raw.execute(translate(sql), params)  # type: ignore[arg-type]

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        from openoutreach_server.store.postgres import translate

        with self.raw.cursor() as cursor:
            cursor.executemany(translate(sql), rows)  # type: ignore[arg-type]

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _PgConn:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.raw.commit()
        else:
            self.raw.rollback()


class BenchDb:
    """Where a benchmark's data lives: the data dir's SQLite file (the server's default), or
    a fresh database on this process's PostgreSQL server."""

    def __init__(self, data_dir: Path, kind: str = "sqlite") -> None:
        self.data_dir = data_dir
        self.kind = kind
        if kind == "postgresql":
            self.url = pg_server().create_database()
        else:
            self.url = f"sqlite:///{db_path(data_dir)}"

    def env(self) -> dict[str, str]:
        """OO_* variables that point a server process at this database."""
        return {"OO_DATABASE_URL": self.url} if self.kind == "postgresql" else {}

    def database_url(self) -> str | None:
        """Settings.database_url for this database (None: the data dir's default)."""
        return self.url if self.kind == "postgresql" else None

    def connect(self) -> Any:
        """A plain connection for fills and read-back (`?` placeholders, commit on `with`)."""
        if self.kind == "postgresql":
            return _PgConn(self.url)
        conn = sqlite3.connect(db_path(self.data_dir), timeout=30)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def analyze(self) -> None:
        """PostgreSQL: planner statistics after a bulk fill (autovacuum would take them
        within a minute); SQLite's claim names its indexes and needs none."""
        if self.kind == "postgresql":
            with contextlib.closing(self.connect()) as conn, conn:
                conn.execute("ANALYZE")


Target = Path | BenchDb


def _db(target: Target) -> BenchDb:
    return target if isinstance(target, BenchDb) else BenchDb(target)


# ---------------------------------------------------------------- data dirs and schema


@contextlib.contextmanager
def temp_data_dir(prefix: str) -> Iterator[Path]:
    """A fresh OO_DATA_DIR, removed afterwards (kept if BENCH_KEEP=1)."""
    path = Path(tempfile.mkdtemp(prefix=f"oo-bench-{prefix}-"))
    try:
        yield path
    finally:
        if os.environ.get("BENCH_KEEP") == "1":
            print(f"(kept {path})")
        else:
            shutil.rmtree(path, ignore_errors=True)


def db_path(data_dir: Path) -> Path:
    """The SQLite file of a data dir (the server's default URL)."""
    return data_dir / "openoutreach.db"


def create_schema(target: Target) -> None:
    """Create the server's tables and indexes, through its own migrations."""
    from openoutreach_server.store.migrate import migrate

    migrate(_db(target).url)


def connect(target: Target) -> Any:
    """A plain connection for fills and read-back (`with conn:` commits)."""
    return _db(target).connect()


def insert_accounts(
    target: Target, handles: Iterable[str], status: str = "active", now: float | None = None
) -> None:
    """Insert accounts directly, as tests/support/store.add_accounts does (no login)."""
    now = time.time() if now is None else now
    reason = None if status == "active" else f"bench: {status}"
    with contextlib.closing(connect(target)) as conn, conn:
        conn.executemany(
            "INSERT INTO accounts (handle, uid, timezone, status, status_reason, created_at,"
            " updated_at) VALUES (?, ?, 'UTC', ?, ?, ?, ?)",
            [(h, uuid.uuid4().hex, status, reason, now, now) for h in handles],
        )


_RUN_COLUMNS = (
    "handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags,"
    " callback_url, on_quota, idempotency_key, request_hash, attempt, max_attempts, artifacts,"
    " worker_id, lease_expires_at, created_at, started_at"
)


def insert_pending_runs(
    target: Target,
    handles: Sequence[str],
    total: int,
    now: float | None = None,
    batch: int = 20_000,
) -> None:
    """Bulk-insert `total` pending visit runs round-robin over `handles`.

    Same column values as the run port's `enqueue` writes for a default visit (JSON text for the
    JSON columns, booleans, not_before = created_at = now).
    """
    now = time.time() if now is None else now
    touchpoint = json.dumps(VISIT_TOUCHPOINT)
    sql = f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES ({', '.join('?' * 20)})"
    with contextlib.closing(connect(target)) as conn:
        for start in range(0, total, batch):
            rows = [
                (
                    handles[i % len(handles)],
                    "visit",
                    touchpoint,
                    False,
                    "pending",
                    False,
                    0,
                    now,
                    "[]",
                    None,
                    "wait",
                    None,
                    None,
                    0,
                    3,
                    "[]",
                    None,
                    None,
                    now,
                    None,
                )
                for i in range(start, min(start + batch, total))
            ]
            with conn:
                conn.executemany(sql, rows)


def insert_foreign_running(
    target: Target, handles: Sequence[str], lease_s: float = 3600.0, now: float | None = None
) -> None:
    """Make each handle busy: one `running` run owned by another (live) worker, long lease."""
    now = time.time() if now is None else now
    touchpoint = json.dumps(VISIT_TOUCHPOINT)
    sql = f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES ({', '.join('?' * 20)})"
    with contextlib.closing(connect(target)) as conn, conn:
        conn.executemany(
            sql,
            [
                (
                    h,
                    "visit",
                    touchpoint,
                    False,
                    "running",
                    False,
                    0,
                    now,
                    "[]",
                    None,
                    "wait",
                    None,
                    None,
                    1,
                    3,
                    "[]",
                    "w-other-bench",
                    now + lease_s,
                    now,
                    now,
                )
                for h in handles
            ],
        )


# ---------------------------------------------------------------- server processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment of a benchmark server: temp data dir, fixed API key, quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OO_")}
    env.update(
        OO_DATA_DIR=str(data_dir),
        OO_API_KEYS=API_KEY,
        OO_PACE="fast",
        # The no-op work would hit the per-touchpoint caps within seconds: measure the
        # queue, not the safety rules (the claim still evaluates them).
        OO_CAPS="false",
        OO_LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.update(extra)
    return env


class ServerProcess:
    """A server in its own process on 127.0.0.1; waits for /health, stops with SIGTERM."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.argv = argv
        self.env = env
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        import httpx

        self._log_file = self.log.open("wb")
        self.proc = subprocess.Popen(
            self.argv, env=self.env, cwd=ROOT, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("server did not become healthy in 60 s")
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with contextlib.suppress(Exception):
            self._log_file.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_argv(port: int, *, worker: bool) -> list[str]:
    """The real CLI: `openoutreach-server serve [--no-worker]`."""
    exe = Path(sys.executable).parent / "openoutreach-server"
    argv = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from openoutreach_server.cli import app; app()"]
    )
    argv += ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if not worker:
        argv.append("--no-worker")
    return argv


def fmt_rate(x: float) -> str:
    """1234.5 -> '1,235'."""
    return f"{x:,.0f}"
