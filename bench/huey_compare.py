"""Target 4: the same no-op work on huey's SQLite storage (huey.SqliteHuey), for comparison.

Three figures, each next to ours:

- enqueue: N in-process enqueues of a no-op task (one INSERT + commit each, like ours). Ours
  is measured the same way with `store.runs.enqueue` in-process; the HTTP figure of
  bench/enqueue_http.py is compared too.
- drain: BENCH_DRAIN_RUNS (20,000) tasks pre-filled, then a huey consumer with thread workers
  (BENCH_HUEY_WORKERS, default 8) runs them; tasks completed per second.
- dispatch latency: enqueue -> task start for a single task while 1,000 / 100,000 other
  tasks wait in huey's schedule table (huey's form of "pending but cannot run yet": tasks with
  an eta an hour ahead). Measured with huey's default polling (initial_delay 0.1 s,
  backoff 1.15, max_delay 10 s) and with tight polling (initial_delay 1 ms, max_delay 10 ms).

Durability is matched: huey's storage is run with `synchronous=NORMAL` (ours), not its
default FULL. Everything runs in this one process (the consumer's workers are threads).

    .venv/bin/python -m bench.huey_compare          # ~2 min
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from huey import SqliteHuey
from huey import signals as S
from huey.storage import SqliteStorage

from bench.common import (
    RESULTS,
    create_schema,
    fmt_rate,
    insert_accounts,
    latency_summary_ms,
    temp_data_dir,
    write_result,
)


class NormalSyncStorage(SqliteStorage):
    """huey's SQLite storage with synchronous=NORMAL, the durability our server uses."""

    def _create_connection(self) -> sqlite3.Connection:
        conn = super()._create_connection()
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn


def _huey(path: Path) -> SqliteHuey:
    return SqliteHuey("bench", filename=str(path), storage_class=NormalSyncStorage, results=False)


def huey_enqueue(n: int) -> float:
    with tempfile.TemporaryDirectory(prefix="oo-bench-huey-") as tmp:
        huey = _huey(Path(tmp) / "huey.db")

        @huey.task()
        def noop() -> None:
            return None

        for _ in range(200):  # warm-up
            noop()
        huey.storage.flush_queue()
        t0 = time.perf_counter()
        for _ in range(n):
            noop()
        rate = n / (time.perf_counter() - t0)
        assert huey.pending_count() == n
        return rate


def ours_enqueue(n: int) -> float:
    from openoutreach_server.config import Settings
    from openoutreach_server.store import open_store
    from openoutreach_server.store.records import NewRun

    with temp_data_dir("ours-enqueue") as data_dir:
        create_schema(data_dir)
        insert_accounts(data_dir, ["bench"])
        db = open_store(Settings(data_dir=data_dir))
        new = NewRun(
            handle="bench",
            type="visit",
            touchpoint={"type": "visit", "profile_url": "https://www.linkedin.com/in/x/"},
            side_effecting=False,
        )
        for _ in range(200):
            db.runs.enqueue(new, time.time())
        t0 = time.perf_counter()
        for _ in range(n):
            db.runs.enqueue(new, time.time(), body_hash="x")
        rate = n / (time.perf_counter() - t0)
        db.dispose()
        return rate


def _fill_queue(huey: SqliteHuey, task: Any, n: int) -> None:
    data = huey.serialize_task(task.s())
    with contextlib.closing(sqlite3.connect(huey.storage.filename)) as conn, conn:
        conn.executemany(
            "INSERT INTO task (queue, data, priority) VALUES (?, ?, 0)", [(huey.name, data)] * n
        )


def _fill_schedule(huey: SqliteHuey, task: Any, n: int) -> None:
    eta = time.time() + 3600
    with contextlib.closing(sqlite3.connect(huey.storage.filename)) as conn, conn:
        conn.executemany(
            "INSERT INTO schedule (queue, data, timestamp) VALUES (?, ?, ?)",
            [(huey.name, huey.serialize_task(task.s()), eta) for _ in range(n)],
        )


def huey_drain(n: int, workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="oo-bench-huey-") as tmp:
        huey = _huey(Path(tmp) / "huey.db")
        done = threading.Event()
        count = 0
        lock = threading.Lock()
        first: list[float] = []

        @huey.task()
        def noop() -> None:
            return None

        @huey.signal(S.SIGNAL_COMPLETE)
        def _complete(signal: str, task: Any) -> None:
            nonlocal count
            with lock:
                count += 1
                if count == n:
                    done.set()

        @huey.signal(S.SIGNAL_EXECUTING)
        def _executing(signal: str, task: Any) -> None:
            if not first:
                first.append(time.perf_counter())

        _fill_queue(huey, noop, n)
        consumer = huey.create_consumer(
            workers=workers, worker_type="thread", periodic=False, check_worker_health=False
        )
        t0 = time.perf_counter()
        consumer.start()
        finished = done.wait(timeout=150)
        t1 = time.perf_counter()
        consumer.stop(graceful=True)
        span = t1 - (first[0] if first else t0)
        return {
            "tasks": n,
            "completed": count,
            "workers": workers,
            "span_s": round(span, 3),
            "per_s": round(count / span, 1),
            "timed_out": not finished,
        }


def huey_dispatch(backlog: int, samples: int, budget_s: float, tight: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="oo-bench-huey-") as tmp:
        huey = _huey(Path(tmp) / "huey.db")
        started: dict[int, float] = {}
        ready = threading.Event()

        @huey.task()
        def probe(i: int) -> None:
            started[i] = time.time()
            ready.set()

        @huey.task()
        def later() -> None:
            return None

        _fill_schedule(huey, later, backlog)
        opts: dict[str, Any] = {"initial_delay": 0.001, "max_delay": 0.01} if tight else {}
        consumer = huey.create_consumer(
            workers=1, worker_type="thread", periodic=False, check_worker_health=False, **opts
        )
        consumer.start()
        try:
            lat: list[float] = []
            rng = random.Random(1)
            probe(-1)
            ready.wait(15)
            deadline = time.monotonic() + budget_s
            for i in range(samples):
                if time.monotonic() > deadline:
                    break
                ready.clear()
                t0 = time.time()
                probe(i)
                if not ready.wait(15):
                    break
                lat.append(started[i] - t0)
                time.sleep(rng.uniform(0.005, 0.015))
            schedule_size = huey.scheduled_count()
        finally:
            consumer.stop(graceful=True)
        return {
            "backlog_scheduled": backlog,
            "schedule_size_after": schedule_size,
            "polling": "tight (initial_delay 1 ms, max 10 ms)"
            if tight
            else "huey default (initial_delay 100 ms, backoff 1.15, max 10 s)",
            "enqueue_to_start": latency_summary_ms(lat) if lat else None,
        }


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main() -> dict:
    n_enqueue = int(os.environ.get("BENCH_HUEY_ENQUEUE", "5000"))
    n_drain = int(os.environ.get("BENCH_DRAIN_RUNS", "20000"))
    workers = int(os.environ.get("BENCH_HUEY_WORKERS", "8"))
    samples = int(os.environ.get("BENCH_DISPATCH_SAMPLES", "200"))
    budget = float(os.environ.get("BENCH_HUEY_DISPATCH_BUDGET_S", "12"))

    h_enq = huey_enqueue(n_enqueue)
    o_enq = ours_enqueue(n_enqueue)
    print(
        f"  enqueue in-process: huey {fmt_rate(h_enq)}/s,"
        f" ours (store.runs.enqueue) {fmt_rate(o_enq)}/s"
    )
    drain = huey_drain(n_drain, workers)
    print(
        f"  drain: huey {fmt_rate(drain['per_s'])} tasks/s ({workers} thread workers, "
        f"{drain['completed']:,} tasks in {drain['span_s']} s)"
    )
    dispatch = []
    for tight in (False, True):
        for backlog in (1000, 100_000):
            d = huey_dispatch(backlog, samples, budget, tight)
            dispatch.append(d)
            lat = d["enqueue_to_start"] or {}
            print(
                f"  dispatch huey, {d['polling'].split(' (')[0]} polling, {backlog:,} scheduled: "
                f"n={lat.get('n')} p50 {lat.get('p50_ms')} ms p99 {lat.get('p99_ms')} ms"
            )

    # Ratios against our figures from the other benchmarks (when they ran before this one).
    ratios: dict[str, Any] = {}
    ours_http = _load("enqueue_http")
    ours_drain = _load("drain")
    ours_dispatch = _load("dispatch")
    ratios["enqueue_in_process"] = {
        "ours": round(o_enq, 1),
        "huey": round(h_enq, 1),
        "ratio": round(o_enq / h_enq, 3),
        "better": "higher",
    }
    if ours_http:
        v = ours_http["figure"]["value"]
        ratios["enqueue_http_vs_huey_in_process"] = {
            "ours": v,
            "huey": round(h_enq, 1),
            "ratio": round(v / h_enq, 3),
            "better": "higher",
        }
    if ours_drain:
        v = ours_drain["figure"]["value"]
        ratios["drain"] = {
            "ours": v,
            "huey": drain["per_s"],
            "ratio": round(v / drain["per_s"], 3),
            "better": "higher",
        }
    if ours_dispatch:
        for fig in ours_dispatch.get("figures", []):
            for size in ("1000", "100000"):
                hd = next(
                    (
                        d
                        for d in dispatch
                        if d["backlog_scheduled"] == int(size) and "default" in d["polling"]
                    ),
                    None,
                )
                if hd and hd["enqueue_to_start"]:
                    ours_p99 = fig["p99_ms"].get(size)
                    if ours_p99 is None:
                        continue
                    ratios[f"dispatch_p99_{fig['kind']}_{size}"] = {
                        "ours": ours_p99,
                        "huey": hd["enqueue_to_start"]["p99_ms"],
                        "ratio": round(ours_p99 / hd["enqueue_to_start"]["p99_ms"], 3),
                        "better": "lower",
                    }
    for name, r in ratios.items():
        print(f"  ratio {name}: ours/huey = {r['ratio']} ({r['better']} is better for us)")
    import huey as huey_pkg

    out = {
        "huey_version": huey_pkg.__version__,
        "enqueue_in_process": {
            "huey_per_s": round(h_enq, 1),
            "ours_per_s": round(o_enq, 1),
            "n": n_enqueue,
        },
        "drain": drain,
        "dispatch": dispatch,
        "ratios": ratios,
    }
    write_result("huey_compare", out)
    return out


if __name__ == "__main__":
    main()
