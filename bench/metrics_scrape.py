"""What one GET /metrics costs on a large database: every figure is counted at scrape time.

A fresh database is filled through the server's own connector (the same `?` SQL on SQLite and
PostgreSQL) with 50 accounts and N runs of every touchpoint type in every status, at realistic
times over 30 days (result JSON on completed runs, so rows have their real width), one event
per finished run, 20 % of them with a delivery, one enabled webhook and a fan-out cursor 100
events behind, and 4 live workers. Then:

- `snapshot`: the metrics port alone, in-process (the database queries);
- `snapshot_no_cursor`: the same without the webhook and the cursor, the undelivered count's
  worst case (every event looked up for a run with a callback_url);
- `render`: the collector and prometheus_client's text encoder, in-process (queries + text);
- `http`: GET /metrics from a real `openoutreach-server serve --no-worker` process.

Each is the median (and max) of BENCH_METRICS_REPEATS (default 10) after one warm-up.

    .venv/bin/python -m bench.metrics_scrape                    # SQLite, 10,000 and 100,000
    BENCH_METRICS_BACKENDS=sqlite,postgresql .venv/bin/python -m bench.metrics_scrape
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from prometheus_client import generate_latest

from bench.common import (
    API_KEY,
    ServerProcess,
    free_port,
    serve_argv,
    server_env,
    temp_data_dir,
    write_result,
)
from linkedin.touchpoints.models import SIDE_EFFECTING, TOUCHPOINT_TYPES
from openoutreach_server.clock import SystemClock
from openoutreach_server.config import Settings
from openoutreach_server.metrics import DURATION_BUCKETS, WAIT_BUCKETS, metrics_registry
from openoutreach_server.store import Store, open_store
from openoutreach_server.store.sql.metrics import FANOUT_CURSOR_KEY

ACCOUNTS = 50
REPEATS = int(os.environ.get("BENCH_METRICS_REPEATS", "10"))
SIZES = [int(n) for n in os.environ.get("BENCH_METRICS_SIZES", "10000,100000").split(",")]
BACKENDS = os.environ.get("BENCH_METRICS_BACKENDS", "sqlite").split(",")
# status -> share of the runs (the rest: one running run per account, and pending)
FINAL_MIX = {"completed": 0.85, "failed": 0.07, "interrupted": 0.02, "canceled": 0.03}
RESULT = json.dumps(
    {"final_url": "https://www.linkedin.com/in/x/", "degree": "2nd", "n": "x" * 120}
)
RUN_SQL = (
    "INSERT INTO runs (handle, type, touchpoint, side_effecting, status, dry_run, priority,"
    " not_before, tags, on_quota, result, error_code, attempt, max_attempts, artifacts,"
    " created_at, started_at, completed_at)"
    " VALUES (?, ?, ?, ?, ?, ?, 0, ?, '[]', 'wait', ?, ?, ?, 3, '[]', ?, ?, ?)"
)


def fill(store: Store, runs: int, now: float, rng: random.Random) -> dict[str, int]:
    """Accounts, runs, events, deliveries, a webhook and workers, as the ports write them."""
    handles = [f"acct{i:03d}" for i in range(ACCOUNTS)]
    statuses = ["active"] * 40 + ["paused"] * 5 + ["needs_login"] * 3 + ["checkpoint"] * 2
    counts: dict[str, int] = {}
    with store.db.write() as conn:
        conn.executemany(
            "INSERT INTO accounts (handle, uid, status, timezone, created_at, updated_at,"
            " session_epoch, session_cookie, consecutive_failures)"
            " VALUES (?, ?, ?, 'UTC', ?, ?, 0, ?, 0)",
            [
                (h, f"{i:032x}", s, now, now, False)
                for i, (h, s) in enumerate(zip(handles, statuses, strict=True))
            ],
        )
    rows: list[tuple[Any, ...]] = []
    running = set()
    for i in range(runs):
        handle = handles[i % ACCOUNTS]
        type_ = TOUCHPOINT_TYPES[i % len(TOUCHPOINT_TYPES)]
        created = now - rng.uniform(0, 30 * 86400)
        due = created + (rng.choice((0, 0, 0, 3600)) if rng.random() < 0.2 else 0)
        draw = rng.random()
        status = "pending"
        for name, share in FINAL_MIX.items():
            if draw < share:
                status = name
                break
            draw -= share
        if status == "pending" and handle not in running:
            status = "running"
            running.add(handle)
        started = completed = None
        if status in ("completed", "failed", "interrupted", "running"):
            started = due + rng.expovariate(1 / 600)
            if status != "running":
                completed = started + rng.uniform(1, 120)
        elif status == "canceled":
            completed = created + 60
        touchpoint = json.dumps({"type": type_, "profile_url": "https://www.linkedin.com/in/x/"})
        rows.append(
            (
                handle,
                type_,
                touchpoint,
                type_ in SIDE_EFFECTING,
                status,
                False,
                due,
                RESULT if status == "completed" else None,
                "UI_CHANGED" if status == "failed" else None,
                1 if started else 0,
                created,
                started,
                completed,
            )
        )
        counts[status] = counts.get(status, 0) + 1
    with store.db.write() as conn:
        conn.executemany(RUN_SQL, rows)
        conn.execute(
            "INSERT INTO events (type, handle, run_id, data, created_at)"
            " SELECT 'run.' || status, handle, id, '{}', completed_at FROM runs"
            " WHERE status IN ('completed', 'failed', 'interrupted', 'canceled') ORDER BY id"
        )
        conn.execute(
            "INSERT INTO deliveries (event_id, url, status, next_attempt_at, created_at)"
            " SELECT id, 'https://hooks.example.com/x', CASE WHEN id % 50 = 0 THEN 'failed'"
            " ELSE 'delivered' END, created_at, created_at FROM events WHERE id % 5 = 0"
        )
        top = conn.execute("SELECT MAX(id) AS m FROM events").fetchone()["m"]
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)", (FANOUT_CURSOR_KEY, str(top - 100))
        )
        conn.execute(
            "INSERT INTO webhooks (url, enabled, secret_enc, created_at, updated_at)"
            " VALUES ('https://hooks.example.com/x', ?, ?, ?, ?)",
            (True, b"sealed", now, now),
        )
    for w in range(4):
        store.workers.register(f"w{w}", f"host{w % 2}", 1000 + w, 8, now)
        store.workers.heartbeat(f"w{w}", now, 2, 4, 900_000_000)
    counts["events"] = int(top)
    return counts


def timed(fn: Callable[[], Any]) -> dict[str, float]:
    """Median and max milliseconds of REPEATS calls, after one warm-up call."""
    fn()
    took = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        took.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(took), 2), "max_ms": round(max(took), 2)}


def measure(backend: str, runs: int, pg_url: str | None) -> dict[str, Any]:
    """Fill a fresh database of `runs` runs, then time the three ways of scraping it."""
    with temp_data_dir("metrics") as data_dir:
        settings = Settings(data_dir=data_dir, api_keys=API_KEY, database_url=pg_url)
        store = open_store(settings)
        try:
            filled_at = time.perf_counter()
            counts = fill(store, runs, time.time(), random.Random(7))
            fill_s = time.perf_counter() - filled_at
            stale = settings.worker_stale_s

            def snapshot() -> None:
                store.metrics.snapshot(time.time(), stale, DURATION_BUCKETS, WAIT_BUCKETS)

            registry = metrics_registry(store, settings, SystemClock())
            body = generate_latest(registry)
            results: dict[str, Any] = {
                "backend": backend,
                "runs": runs,
                "counts": counts,
                "fill_s": round(fill_s, 1),
                "snapshot": timed(snapshot),
                "render": timed(lambda: generate_latest(registry)),
                "body_bytes": len(body),
                "series": sum(1 for line in body.splitlines() if not line.startswith(b"#")),
            }
            # Worst case of the undelivered count: no webhook and no fan-out cursor, so every
            # event is looked up for a run with a callback_url.
            with store.db.write() as conn:
                conn.execute("DELETE FROM webhooks")
                conn.execute("DELETE FROM meta WHERE key = ?", (FANOUT_CURSOR_KEY,))
            results["snapshot_no_cursor"] = timed(snapshot)
            with store.db.write() as conn:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    (FANOUT_CURSOR_KEY, str(counts["events"] - 100)),
                )
                conn.execute(
                    "INSERT INTO webhooks (url, enabled, secret_enc, created_at, updated_at)"
                    " VALUES ('https://hooks.example.com/x', ?, ?, ?, ?)",
                    (True, b"sealed", time.time(), time.time()),
                )
        finally:
            store.dispose()
        port = free_port()
        extra = {"OO_DATABASE_URL": pg_url} if pg_url else {}
        env = server_env(data_dir, **extra)
        with (
            ServerProcess(
                serve_argv(port, worker=False), env, port, data_dir / "server.log"
            ) as srv,
            httpx.Client(base_url=srv.url, headers={"X-API-Key": API_KEY}) as client,
        ):

            def scrape() -> None:
                client.get("/metrics").raise_for_status()

            results["http"] = timed(scrape)
    print(
        f"{backend:>10} {runs:>7} runs: snapshot {results['snapshot']['median_ms']} ms,"
        f" (no cursor: {results['snapshot_no_cursor']['median_ms']} ms),"
        f" render {results['render']['median_ms']} ms, HTTP {results['http']['median_ms']} ms"
        f" (max {results['http']['max_ms']}), {results['series']} series,"
        f" {results['body_bytes']} bytes"
    )
    return results


def main() -> None:
    """Every backend and size asked for; writes bench/results/metrics_scrape.json."""
    out = []
    for backend in BACKENDS:
        if backend == "postgresql":
            from tests.support.postgres import PostgresServer

            with PostgresServer() as pg:
                for n in SIZES:
                    out.append(measure(backend, n, pg.create_database()))
        else:
            for n in SIZES:
                out.append(measure(backend, n, None))
    write_result("metrics_scrape", {"repeats": REPEATS, "results": out})


if __name__ == "__main__":
    main()
