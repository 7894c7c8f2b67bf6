"""Schedules: 10,000 active schedules firing every 2-5 s; fire lateness, duplicates, idle CPU.

Phase 1 (load): a fresh data dir gets 100 paused accounts (their runs stay pending, so the
executor does not execute them) and 10,000 schedules with 6-field crons `OFF-59/N` in the
seconds field, N in 2..5 and OFF spread over 0..N-1 (~3,200 fires/s, evenly spread over
each second boundary). Schedules are bulk-inserted with `next_fire_at` a few seconds after
the server starts, then a real server with executor and poller (bench/_noop_server.py) runs
for BENCH_SCHED_DURATION s (default 60). Figures, from the database: fire lateness =
run.created_at - run.fire_time (created_at is read once the poller holds the write lock),
p50/p99/max; duplicates = runs sharing (schedule_id, fire_time); missing = fires in the
window that have neither a run nor a skipped count; process CPU under load.

Phase 2 (idle): another fresh server with 10,000 active schedules whose next fire is hours
away (`0 3 * * *` in timezones chosen so 03:00 is not within the next hour); after a
settle time, the server process's CPU time over BENCH_SCHED_IDLE_S s (default 30) divided
by that wall time. It includes uvicorn and the idle executor, so it bounds the poller's.

    .venv/bin/python -m bench.schedules        # ~2 min
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json

import psutil

from bench.common import (
    RESULTS,
    VISIT_TOUCHPOINT,
    ServerProcess,
    connect,
    create_schema,
    free_port,
    insert_accounts,
    latency_summary_ms,
    server_env,
    temp_data_dir,
    write_result,
)
from openoutreach_server.scheduling.cron import next_fire

SCHEDULES = int(os.environ.get("BENCH_SCHED_COUNT", "10000"))
DURATION_S = float(os.environ.get("BENCH_SCHED_DURATION", "60"))
IDLE_S = float(os.environ.get("BENCH_SCHED_IDLE_S", "30"))
ACCOUNTS = 100
START_DELAY_S = 6.0  # the server is up well before the first fire
TARGET_P99_MS = 500.0
TARGET_IDLE_CPU = 0.02


def _crons(n: int) -> list[str]:
    out = []
    for i in range(n):
        every = 2 + i % 4
        offset = (i // 4) % every
        out.append(f"* * * * * {offset}-59/{every}")
    return out


def _insert_schedules(data_dir: Path, crons: list[str], tzs: list[str], first_after: float) -> None:
    now = time.time()
    touchpoint = json.dumps(VISIT_TOUCHPOINT)
    rows = []
    for i, (cron, tz) in enumerate(zip(crons, tzs, strict=True)):
        rows.append(
            (
                f"acct{i % ACCOUNTS:03d}",
                "visit",
                touchpoint,
                cron,
                tz,
                "[]",
                0,
                0,
                1,
                now,
                now,
                next_fire(cron, tz, first_after),
                0,
                0,
            )
        )
    with contextlib.closing(connect(data_dir)) as conn, conn:
        conn.executemany(
            "INSERT INTO schedules (handle, type, touchpoint, cron, timezone, tags, dry_run,"
            " priority, active, created_at, updated_at, next_fire_at, fires, skipped_fires)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _insert_accounts(data_dir: Path) -> None:
    insert_accounts(
        data_dir, [f"acct{i:03d}" for i in range(ACCOUNTS)], status="paused", now=time.time()
    )


def _server(data_dir: Path, name: str) -> ServerProcess:
    port = free_port()
    env = server_env(data_dir, OO_SHUTDOWN_GRACE_S="2")
    argv = [sys.executable, "-m", "bench._noop_server", str(port)]
    return ServerProcess(argv, env, port, RESULTS / f"schedules-{name}.log")


def _cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def load_phase() -> dict[str, Any]:
    """Schedules firing every 2-5 s for DURATION_S: lateness, duplicates, missing fires."""
    with temp_data_dir("schedules-load") as data_dir:
        create_schema(data_dir)
        _insert_accounts(data_dir)
        crons = _crons(SCHEDULES)
        with _server(data_dir, "load") as server:
            proc = psutil.Process(server.pid)
            window_start = float(int(time.time() + START_DELAY_S))
            # Inserted behind the running server's back: it learns of them at its
            # safety wake-up at the latest, well before they are due... unless woken.
            _insert_schedules(data_dir, crons, ["UTC"] * len(crons), window_start - 0.5)
            from openoutreach_server.store.wake import poke_all

            poke_all(data_dir / "wake" / "schedules")
            time.sleep(max(window_start - time.time(), 0))
            cpu0, t0 = _cpu_seconds(proc), time.monotonic()
            time.sleep(DURATION_S)
            cpu1, t1 = _cpu_seconds(proc), time.monotonic()
            window_end = window_start + DURATION_S
            time.sleep(1.5)  # let the last fires of the window land
        with contextlib.closing(connect(data_dir)) as conn:
            rows = conn.execute(
                "SELECT schedule_id, fire_time, created_at FROM runs"
                " WHERE fire_time >= ? AND fire_time < ?",
                (window_start, window_end),
            ).fetchall()
            duplicates = conn.execute(
                "SELECT count(*) - count(DISTINCT schedule_id || ':' || fire_time) FROM runs"
            ).fetchone()[0]
            skipped = conn.execute("SELECT sum(skipped_fires) FROM schedules").fetchone()[0]
            cron_of = dict(conn.execute("SELECT id, cron FROM schedules").fetchall())
        expected = 0
        for cron in cron_of.values():
            t = window_start - 0.5
            while (t := next_fire(cron, "UTC", t)) < window_end:
                expected += 1
        lateness = [created - fire for _, fire, created in rows]
        summary = latency_summary_ms(lateness)
        return {
            "schedules": SCHEDULES,
            "duration_s": DURATION_S,
            "fires_expected": expected,
            "fires_run": len(rows),
            "fires_per_s": round(len(rows) / DURATION_S, 1),
            "skipped": skipped or 0,
            "missing": expected - len(rows) - (skipped or 0),
            "duplicates": duplicates,
            "lateness": summary,
            "early": sum(1 for x in lateness if x < 0),
            "cpu_under_load": round((cpu1 - cpu0) / (t1 - t0), 3),
        }


def idle_phase() -> dict[str, Any]:
    """10,000 active schedules not due for hours: the server's CPU while it waits."""
    with temp_data_dir("schedules-idle") as data_dir:
        create_schema(data_dir)
        _insert_accounts(data_dir)
        now = time.time()
        # Timezones where 03:00 is more than an hour away, so nothing fires in the window.
        tzs = [
            tz
            for tz in ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney")
            if abs(datetime.fromtimestamp(now, ZoneInfo(tz)).hour - 3) > 1
        ]
        crons = ["0 3 * * *"] * SCHEDULES
        _insert_schedules(data_dir, crons, [tzs[i % len(tzs)] for i in range(SCHEDULES)], now)
        with _server(data_dir, "idle") as server:
            proc = psutil.Process(server.pid)
            time.sleep(3.0)  # start-up work is not idle work
            cpu0, t0 = _cpu_seconds(proc), time.monotonic()
            time.sleep(IDLE_S)
            cpu1, t1 = _cpu_seconds(proc), time.monotonic()
        with contextlib.closing(connect(data_dir)) as conn:
            runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        return {
            "schedules": SCHEDULES,
            "window_s": IDLE_S,
            "cpu_fraction_of_a_core": round((cpu1 - cpu0) / (t1 - t0), 4),
            "runs_created": runs,
            "timezones": tzs,
        }


def main() -> None:
    """Run both phases, print and record the figures."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    load = load_phase()
    print(
        f"load: {load['fires_run']:,} fires in {DURATION_S:.0f} s ({load['fires_per_s']}/s)"
        f" lateness p50 {load['lateness']['p50_ms']} ms p99 {load['lateness']['p99_ms']} ms"
        f" max {load['lateness']['max_ms']} ms; duplicates {load['duplicates']},"
        f" missing {load['missing']}, skipped {load['skipped']}, CPU {load['cpu_under_load']}",
        flush=True,
    )
    idle = idle_phase()
    print(
        f"idle: {idle['cpu_fraction_of_a_core'] * 100:.2f} % of a core over {IDLE_S:.0f} s"
        f" ({idle['runs_created']} runs created)",
        flush=True,
    )
    ok = (
        load["lateness"]["p99_ms"] <= TARGET_P99_MS
        and load["duplicates"] == 0
        and load["missing"] == 0
        and idle["cpu_fraction_of_a_core"] <= TARGET_IDLE_CPU
    )
    write_result(
        "schedules",
        {
            "load": load,
            "idle": idle,
            "targets": {
                "lateness_p99_ms": TARGET_P99_MS,
                "duplicates": 0,
                "idle_cpu_fraction": TARGET_IDLE_CPU,
            },
            "pass": ok,
            "wall_s": round(time.monotonic() - started, 1),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )


if __name__ == "__main__":
    main()
