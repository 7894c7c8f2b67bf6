"""The same no-op work on procrastinate (a PostgreSQL task queue), on the same kind of
PostgreSQL server as our PostgreSQL figures, for comparison.

- enqueue, in-process: N `task.defer()` (procrastinate's defer function: one INSERT, its
  NOTIFY trigger, one commit) against ours: the run port's `enqueue` plus the notifier's
  NOTIFY, what `POST /runs` does before answering (minus the waiting reason it renders).
- drain: BENCH_PROCRASTINATE_DRAIN (5,000) jobs pre-filled, then `run_worker_async(wait=False)`
  with BENCH_PROCRASTINATE_CONCURRENCY (default 50, our max_sessions) until the queue is
  empty; jobs per second from its own events (first `started` to last `succeeded`). Twice:
  jobs without lock, and jobs spread over 50 locks (procrastinate's form of our "one run
  at a time per account").
- dispatch latency: defer -> task start of a single job while 1,000 / 100,000 other jobs
  wait, with procrastinate's LISTEN/NOTIFY worker (concurrency 1) in a thread of this
  process. Backlogs: `scheduled` an hour ahead (like huey's figure), and `locked`: 50 locks
  each held by a `doing` job, the rest queued behind them (our `busy` backlog).

Ratios ours/procrastinate use bench/results/*-postgresql.json (run those first).

    BENCH_BACKEND=postgresql .venv/bin/python -m bench.procrastinate_compare   # ~3 min
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import procrastinate
import psycopg

from bench.common import (
    RESULTS,
    BenchDb,
    create_schema,
    fmt_rate,
    insert_accounts,
    latency_summary_ms,
    pg_server,
    temp_data_dir,
    write_result,
)

QUEUE = "bench"
LOCKS = 50
# Its warnings (an App defined in __main__) and per-job INFO lines are not what we measure.
logging.getLogger("procrastinate").setLevel(logging.ERROR)


def _app(url: str, *, sync: bool = False) -> procrastinate.App:
    if sync:
        connector: Any = procrastinate.SyncPsycopgConnector(conninfo=url)
    else:
        connector = procrastinate.PsycopgConnector(conninfo=url)
    return procrastinate.App(connector=connector)


def _fresh_database() -> str:
    url: str = pg_server().create_database()
    app = _app(url, sync=True)
    with app.open():
        app.schema_manager.apply_schema()
    return url


def procrastinate_enqueue(n: int) -> float:
    app = _app(_fresh_database(), sync=True)

    @app.task(name="noop", queue=QUEUE)
    def noop() -> None:
        return None

    with app.open():
        for _ in range(200):  # warm-up
            noop.defer()
        t0 = time.perf_counter()
        for _ in range(n):
            noop.defer()
        return n / (time.perf_counter() - t0)


def ours_enqueue(n: int) -> float:
    from openoutreach_server.config import Settings
    from openoutreach_server.store import open_store
    from openoutreach_server.store.notifier import RUNS
    from openoutreach_server.store.records import NewRun

    with temp_data_dir("ours-enqueue-pg") as data_dir:
        db = BenchDb(data_dir, "postgresql")
        create_schema(db)
        insert_accounts(db, ["bench"])
        store = open_store(Settings(data_dir=data_dir, database_url=db.url))
        new = NewRun(
            handle="bench",
            type="visit",
            touchpoint={"type": "visit", "profile_url": "https://www.linkedin.com/in/x/"},
            side_effecting=False,
        )
        for _ in range(200):
            store.runs.enqueue(new, time.time())
        t0 = time.perf_counter()
        for _ in range(n):
            store.runs.enqueue(new, time.time())
            store.notifier.notify(RUNS)
        rate = n / (time.perf_counter() - t0)
        store.dispose()
        return rate


def _fill(url: str, n: int, *, locked: bool, scheduled: bool = False, doing: bool = False) -> None:
    """Bulk-insert `n` no-op jobs (todo; round-robin over LOCKS locks if `locked`; an hour
    ahead if `scheduled`), and with `doing` one running job per lock first."""
    lock = f"'lock' || (i %% {LOCKS})" if locked else "NULL"
    at = "now() + interval '1 hour'" if scheduled else "NULL"
    with psycopg.connect(url) as conn:
        if doing:
            conn.execute(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, status)"
                f" SELECT %s, 'later', 'lock' || i, 'doing' FROM generate_series(0, {LOCKS - 1}) i",
                (QUEUE,),
            )
        conn.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, scheduled_at)"
            f" SELECT %s, 'noop', {lock}, {at} FROM generate_series(1, %s) i",
            (QUEUE, n),
        )
        conn.execute("ANALYZE")


def procrastinate_drain(n: int, concurrency: int, locked: bool) -> dict[str, Any]:
    url = _fresh_database()
    _fill(url, n, locked=locked)
    app = _app(url)

    @app.task(name="noop", queue=QUEUE)
    async def noop() -> None:
        return None

    async def work() -> None:
        async with app.open_async():
            worker = asyncio.create_task(
                app.run_worker_async(
                    queues=[QUEUE], concurrency=concurrency, install_signal_handlers=False
                )
            )
            # Stopped once every job succeeded (wait=False would stop at the first empty
            # fetch, which jobs queued behind busy locks also give).
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                deadline = time.monotonic() + 150
                while time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                    cur = await conn.execute(
                        "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'"
                    )
                    row = await cur.fetchone()
                    if row and row[0] >= n:
                        break
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    t0 = time.perf_counter()
    asyncio.run(work())
    wall = time.perf_counter() - t0
    with psycopg.connect(url) as conn:
        done = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'"
        ).fetchone()
        span = conn.execute(
            "SELECT extract(epoch FROM max(at) FILTER (WHERE type = 'succeeded')"
            " - min(at) FILTER (WHERE type = 'started')) FROM procrastinate_events"
        ).fetchone()
    completed = int(done[0]) if done else 0
    seconds = float(span[0]) if span and span[0] else float("nan")
    return {
        "jobs": n,
        "completed": completed,
        "concurrency": concurrency,
        "locks": LOCKS if locked else None,
        "span_s": round(seconds, 3),
        "wall_s": round(wall, 3),
        "per_s": round(completed / seconds, 1) if seconds == seconds else None,
    }


class _Worker:
    """procrastinate's worker (LISTEN/NOTIFY, concurrency 1) on its own loop in a thread."""

    def __init__(self, url: str) -> None:
        self.started: dict[int, float] = {}
        self.ready = threading.Event()
        self.app = _app(url)

        @self.app.task(name="probe", queue=QUEUE)
        async def probe(i: int) -> None:
            self.started[i] = time.time()
            self.ready.set()

        @self.app.task(name="noop", queue=QUEUE)
        async def noop() -> None:
            return None

        self.loop = asyncio.new_event_loop()
        self.task: asyncio.Task[None] | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            async with self.app.open_async():
                self.task = asyncio.current_task()  # type: ignore[assignment]
                with contextlib.suppress(asyncio.CancelledError):
                    await self.app.run_worker_async(
                        queues=[QUEUE], concurrency=1, install_signal_handlers=False
                    )

        self.loop.run_until_complete(main())

    def __enter__(self) -> _Worker:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(timeout=30)


def procrastinate_dispatch(backlog: int, kind: str, samples: int, budget_s: float) -> dict:
    url = _fresh_database()
    if kind == "scheduled":
        _fill(url, backlog, locked=False, scheduled=True)
    else:
        _fill(url, backlog, locked=True, doing=True)
    deferrer = _app(url, sync=True)

    @deferrer.task(name="probe", queue=QUEUE)
    def probe(i: int) -> None:
        return None

    idle_fetch_s = _empty_fetch_s(url)
    lat: list[float] = []
    with deferrer.open(), _Worker(url) as worker, psycopg.connect(url, autocommit=True) as conn:

        def finished(job_id: int) -> bool:
            row = conn.execute(
                "SELECT status FROM procrastinate_jobs WHERE id = %s", (job_id,)
            ).fetchone()
            return row is not None and row[0] == "succeeded"

        first = probe.defer(i=-1)
        worker.ready.wait(30)
        rng = random.Random(1)
        deadline = time.monotonic() + budget_s
        for i in range(samples):
            if time.monotonic() > deadline:
                break
            # As for ours: the previous job is done and recorded, and the worker idle again,
            # its last (empty) fetch over: a job inserted during that fetch waits for the next
            # poll (its worker clears the wake-up after fetching), which is not what we time.
            limit = time.monotonic() + 30
            while not finished(first) and time.monotonic() < limit:
                time.sleep(0.001)
            time.sleep(max(rng.uniform(0.005, 0.015), 3 * idle_fetch_s))
            worker.ready.clear()
            t0 = time.time()
            first = probe.defer(i=i)
            if not worker.ready.wait(30):
                break
            lat.append(worker.started[i] - t0)
    return {
        "backlog": backlog,
        "kind": kind,
        "empty_fetch_ms": round(idle_fetch_s * 1000, 2),
        "enqueue_to_start": latency_summary_ms(lat) if lat else None,
        # Starts that waited for the next poll (fetch_job_polling_interval, 5 s): a wake-up
        # arrived while a fetch was in flight and was cleared after it.
        "waited_for_poll": sum(1 for x in lat if x >= 4.5),
    }


def _empty_fetch_s(url: str) -> float:
    """Median time of procrastinate's fetch when no job of the backlog may run (rolled back)."""
    with psycopg.connect(url) as conn:
        worker = conn.execute(
            "INSERT INTO procrastinate_workers DEFAULT VALUES RETURNING id"
        ).fetchone()
        conn.commit()
        assert worker is not None
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            conn.execute(
                "SELECT id FROM procrastinate_fetch_job_v2(%s, %s)", ([QUEUE], worker[0])
            ).fetchall()
            times.append(time.perf_counter() - t0)
            conn.rollback()
        conn.execute("DELETE FROM procrastinate_workers WHERE id = %s", (worker[0],))
        conn.commit()
    return sorted(times)[2]


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main() -> dict:
    n_enqueue = int(os.environ.get("BENCH_PROCRASTINATE_ENQUEUE", "5000"))
    # Fewer than our 20,000: at procrastinate's rate 20,000 jobs take minutes, twice.
    n_drain = int(os.environ.get("BENCH_PROCRASTINATE_DRAIN", "5000"))
    concurrency = int(os.environ.get("BENCH_PROCRASTINATE_CONCURRENCY", "50"))
    samples = int(os.environ.get("BENCH_DISPATCH_SAMPLES", "200"))
    budget = float(os.environ.get("BENCH_PROCRASTINATE_DISPATCH_BUDGET_S", "20"))

    p_enq = procrastinate_enqueue(n_enqueue)
    o_enq = ours_enqueue(n_enqueue)
    print(f"  enqueue in-process: procrastinate {fmt_rate(p_enq)}/s, ours {fmt_rate(o_enq)}/s")
    drains = [procrastinate_drain(n_drain, concurrency, locked) for locked in (False, True)]
    for d in drains:
        print(
            f"  drain: procrastinate {fmt_rate(d['per_s'] or 0)} jobs/s (concurrency "
            f"{concurrency}, locks {d['locks']}, {d['completed']:,} jobs in {d['span_s']} s)"
        )
    dispatch = []
    for kind in ("scheduled", "locked"):
        for backlog in (1000, 100_000):
            d = procrastinate_dispatch(backlog, kind, samples, budget)
            dispatch.append(d)
            lat = d["enqueue_to_start"] or {}
            print(
                f"  dispatch procrastinate, {kind} {backlog:,}: n={lat.get('n')} p50 "
                f"{lat.get('p50_ms')} ms p99 {lat.get('p99_ms')} ms (empty fetch "
                f"{d['empty_fetch_ms']} ms)"
            )

    ratios: dict[str, Any] = {
        "enqueue_in_process": {
            "ours": round(o_enq, 1),
            "procrastinate": round(p_enq, 1),
            "ratio": round(o_enq / p_enq, 3),
            "better": "higher",
        }
    }
    ours_http = _load("enqueue_http-postgresql")
    if ours_http:
        v = ours_http["figure"]["value"]
        ratios["enqueue_http_vs_procrastinate_in_process"] = {
            "ours": v,
            "procrastinate": round(p_enq, 1),
            "ratio": round(v / p_enq, 3),
            "better": "higher",
        }
    ours_drain = _load("drain-postgresql")
    if ours_drain:
        v = ours_drain["figure"]["value"]
        for d in drains:
            key = "drain_locked" if d["locks"] else "drain"
            ratios[key] = {
                "ours": v,
                "procrastinate": d["per_s"],
                "ratio": round(v / d["per_s"], 3) if d["per_s"] else None,
                "better": "higher",
            }
    ours_dispatch = _load("dispatch-postgresql")
    if ours_dispatch:
        pairs = {"busy": "locked", "paused": "scheduled"}
        for fig in ours_dispatch.get("figures", []):
            theirs_kind = pairs.get(fig["kind"])
            for size in ("1000", "100000"):
                theirs = next(
                    (d for d in dispatch if d["kind"] == theirs_kind and d["backlog"] == int(size)),
                    None,
                )
                ours_p99 = fig["p99_ms"].get(size)
                if not theirs or not theirs["enqueue_to_start"] or ours_p99 is None:
                    continue
                p99 = theirs["enqueue_to_start"]["p99_ms"]
                ratios[f"dispatch_p99_{fig['kind']}_{size}"] = {
                    "ours": ours_p99,
                    "procrastinate": p99,
                    "theirs_backlog": theirs_kind,
                    "ratio": round(ours_p99 / p99, 3),
                    "better": "lower",
                }
    for name, r in ratios.items():
        print(f"  ratio {name}: ours/procrastinate = {r['ratio']} ({r['better']} is better for us)")
    out = {
        "procrastinate_version": procrastinate.__version__,
        "enqueue_in_process": {
            "procrastinate_per_s": round(p_enq, 1),
            "ours_per_s": round(o_enq, 1),
            "n": n_enqueue,
        },
        "drain": drains,
        "dispatch": dispatch,
        "ratios": ratios,
    }
    write_result("procrastinate_compare", out)
    return out


if __name__ == "__main__":
    main()
