"""Target 2: drain throughput of the real Executor with a no-op touchpoint over 50 accounts.

Pre-fills BENCH_DRAIN_RUNS (default 20,000) pending visit runs round-robin over 50 active
accounts, then runs `openoutreach_server.executor.Executor` in-process with a run_fn that
returns {} at once and max_sessions=50, until every run is completed. The figure is runs
completed per second, from the server's own timestamps (first started_at to last
completed_at); wall time is printed too. Logging is configured as the server does
(INFO, the server's format) but written to a file, so log formatting is part of the cost.

    .venv/bin/python -m bench.drain                 # ~30-60 s
    BENCH_DRAIN_RUNS=5000 .venv/bin/python -m bench.drain
    BENCH_BACKEND=postgresql .venv/bin/python -m bench.drain   # on PostgreSQL
    BENCH_DRAIN_PROCESSES=2 .venv/bin/python -m bench.drain    # 2 worker processes instead
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import profiling
from bench.common import (
    RESULTS,
    ROOT,
    BenchDb,
    CpuMeter,
    backend,
    create_schema,
    fmt_rate,
    insert_accounts,
    insert_pending_runs,
    percentile,
    result_name,
    server_env,
    temp_data_dir,
    write_result,
)

TARGET_PER_S = 1000.0
TIME_LIMIT_S = 150.0


async def _drain(db_: BenchDb, total: int, accounts: int, log_level: str) -> dict[str, Any]:
    from loguru import logger

    from openoutreach_server.config import Settings
    from openoutreach_server.dispatch.executor import Executor
    from openoutreach_server.logs import configure_logging
    from openoutreach_server.store import open_store

    data_dir = db_.data_dir
    settings = Settings(
        data_dir=data_dir,
        database_url=db_.database_url(),
        max_sessions=accounts,
        pace="fast",
        caps=False,  # 400 no-op visits per account would hit the caps at once
        lease_s=60.0,
        log_level=log_level,
    )
    log_file = (data_dir / "executor.log").open("w")
    real_stderr = sys.stderr
    sys.stderr = log_file  # configure_logging binds sys.stderr as the sink
    try:
        configure_logging(settings)
    finally:
        sys.stderr = real_stderr
    db = open_store(settings)

    async def noop(_run: Any) -> dict[str, Any]:
        return {}

    executor = Executor(db, settings, noop)
    wall0 = time.perf_counter()
    cpu = CpuMeter().start()
    await executor.start()
    deadline = time.monotonic() + TIME_LIMIT_S
    done = 0
    while time.monotonic() < deadline:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(executor.idle.wait(), timeout=0.5)
        with contextlib.closing(db_.connect()) as conn:
            done = conn.execute("SELECT count(*) FROM runs WHERE status='completed'").fetchone()[0]
        if done >= total:
            break
    wall = time.perf_counter() - wall0
    usage = cpu.stop()
    await executor.stop(grace_s=5)
    db.dispose()
    logger.remove()
    log_file.close()
    return {"wall_s": wall, "completed": done, "timed_out": done < total, "cpu": usage}


def _drain_processes(db_: BenchDb, total: int, handles: list[str], procs: int) -> dict[str, Any]:
    """The same drain by `procs` real worker processes (tests/support/noop_worker.py: the
    `worker` command with a no-op touchpoint), all started before the work is released."""
    from openoutreach_server.config import Settings
    from openoutreach_server.store import open_store
    from openoutreach_server.store.notifier import RUNS

    env = server_env(
        db_.data_dir,
        OO_MAX_SESSIONS=str(len(handles)),
        OO_LOG_LEVEL="WARNING",
        NOOP_DELAY_S="0",
        **db_.env(),
    )
    log = db_.data_dir / "events.log"
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.support.noop_worker", str(log)],
            cwd=ROOT,
            env=env,
            stderr=(db_.data_dir / f"worker{i}.err").open("wb"),
        )
        for i in range(procs)
    ]
    store = open_store(Settings(data_dir=db_.data_dir, database_url=db_.database_url()))
    try:
        deadline = time.monotonic() + 60
        while len([w for h in store.workers.hosts(time.time(), 60) for w in h.workers]) < procs:
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start")
            time.sleep(0.1)
        wall0 = time.perf_counter()
        cpu = CpuMeter().start()
        with contextlib.closing(db_.connect()) as conn, conn:
            conn.execute("UPDATE accounts SET status = 'active', status_reason = NULL")
        store.notifier.notify(RUNS)
        done = 0
        deadline = time.monotonic() + TIME_LIMIT_S
        while done < total and time.monotonic() < deadline:
            time.sleep(0.25)
            with contextlib.closing(db_.connect()) as conn:
                done = conn.execute(
                    "SELECT count(*) FROM runs WHERE status='completed'"
                ).fetchone()[0]
        wall = time.perf_counter() - wall0
        usage = cpu.stop()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        store.dispose()
    return {"wall_s": wall, "completed": done, "timed_out": done < total, "cpu": usage}


def main() -> dict:
    total = int(os.environ.get("BENCH_DRAIN_RUNS", "20000"))
    procs = int(os.environ.get("BENCH_DRAIN_PROCESSES", "0"))
    accounts = int(os.environ.get("BENCH_DRAIN_ACCOUNTS", "50"))
    log_level = os.environ.get("BENCH_DRAIN_LOG_LEVEL", "INFO")
    handles = [f"acct{i:03d}" for i in range(accounts)]
    profile_summary = None
    kind = backend()
    with temp_data_dir("drain") as data_dir:
        db_ = BenchDb(data_dir, kind)
        create_schema(db_)
        # Worker processes start before the work is released (accounts made active).
        insert_accounts(db_, handles, status="paused" if procs else "active")
        t0 = time.perf_counter()
        insert_pending_runs(db_, handles, total)
        db_.analyze()
        print(
            f"  pre-filled {total:,} pending runs over {accounts} accounts in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        prof = None
        if profiling.enabled():
            prof = profiling.start(os.getpid(), RESULTS / "drain.pyspy.txt", 10)
        if procs:
            out = _drain_processes(db_, total, handles, procs)
        else:
            out = asyncio.run(_drain(db_, total, accounts, log_level))
        if prof is not None:
            prof.wait(timeout=60)
            profile_summary = profiling.summarize(RESULTS / "drain.pyspy.txt")
        with contextlib.closing(db_.connect()) as conn:
            first_start, last_done = conn.execute(
                "SELECT min(started_at), max(completed_at) FROM runs WHERE status='completed'"
            ).fetchone()
            per_bucket = [
                r[0]
                for r in conn.execute(
                    "SELECT count(*) FROM runs WHERE status='completed' "
                    "GROUP BY CAST((completed_at - ?) AS INTEGER)",
                    (first_start,),
                )
            ]
            statuses = dict(conn.execute("SELECT status, count(*) FROM runs GROUP BY status"))
    span = (last_done - first_start) if first_start is not None else float("nan")
    rate = out["completed"] / span if span and span > 0 else 0.0
    full_buckets = per_bucket[:-1] or per_bucket
    print(
        f"drain ({kind}, {procs or 'in-process'} workers): {out['completed']:,} runs in "
        f"{span:.2f} s (wall {out['wall_s']:.2f} s) = "
        f"{fmt_rate(rate)} runs/s (target >= {fmt_rate(TARGET_PER_S)}/s: "
        f"{'PASS' if rate >= TARGET_PER_S else 'FAIL'})"
    )
    if full_buckets:
        print(
            f"  per-second completions: min {min(full_buckets)}, median "
            f"{percentile(full_buckets, 50):.0f}, max {max(full_buckets)}"
        )
    print(f"  final statuses: {statuses}; CPU {out['cpu']}")
    if profile_summary:
        profiling.print_summary("bench process (executor) for the first 10 s", profile_summary)
    result = {
        "figure": {
            "name": "drain_per_s",
            "value": round(rate, 1),
            "unit": "runs/s",
            "target": f">= {TARGET_PER_S:.0f}",
            "pass": rate >= TARGET_PER_S,
        },
        "runs": total,
        "accounts": accounts,
        "max_sessions": accounts,
        "log_level": log_level,
        "span_s": round(span, 3),
        "wall_s": round(out["wall_s"], 3),
        "timed_out": out["timed_out"],
        "per_second_completions": per_bucket,
        "statuses": statuses,
        "cpu": out["cpu"],
        "profile": profile_summary,
        "backend": kind,
        "processes": procs or None,
    }
    name = result_name("drain", kind) + (f"-{procs}proc" if procs else "")
    write_result(name, result)
    return result


if __name__ == "__main__":
    main()
