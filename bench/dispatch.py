"""Target 3: dispatch latency (POST /runs -> running) of an idle account behind a big backlog.

For each backlog size (1,000 and 100,000 pending runs) and each kind of backlog, a fresh
data dir is filled with pending runs that belong to OTHER accounts which cannot run:

- `paused`: 50 accounts with status `paused` (what an operator or the circuit breaker does);
- `busy`:   50 active accounts, each already running a long run owned by another live worker
            (a `running` row with a one-hour lease), so their pending runs wait behind it.

Then a real server with its in-process executor and a no-op touchpoint (bench/_noop_server.py,
`create_app(worker=True, run_fn=noop)` under uvicorn) is started, and the bench POSTs one run
at a time for the idle active account `idle`, waits until GET shows it left `pending`, pauses
a few ms, and repeats (BENCH_DISPATCH_SAMPLES, default 200, at most BENCH_DISPATCH_BUDGET_S
seconds per scenario). The figure is started_at - created_at from the database: both are
written by the server from the same clock, created_at just before the enqueue transaction,
started_at when the claim transaction starts. The client-side POST -> observed-running time
is reported too.

    .venv/bin/python -m bench.dispatch              # ~2-3 min
    BENCH_DISPATCH_KINDS=busy BENCH_DISPATCH_SAMPLES=50 .venv/bin/python -m bench.dispatch
    BENCH_BACKEND=postgresql .venv/bin/python -m bench.dispatch   # on PostgreSQL
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench import profiling
from bench.common import (
    API_KEY,
    PROFILE_URL,
    RESULTS,
    ROOT,
    BenchDb,
    ServerProcess,
    backend,
    create_schema,
    free_port,
    insert_accounts,
    insert_foreign_running,
    insert_pending_runs,
    latency_summary_ms,
    result_name,
    server_env,
    temp_data_dir,
    write_result,
)

TARGET_P99_MS = 20.0
TARGET_RATIO = 1.5
BODY = {"handle": "idle", "touchpoint": {"type": "visit", "profile_url": PROFILE_URL}}


def _fill(db: BenchDb, kind: str, pending: int, accounts: int) -> None:
    create_schema(db)
    handles = [f"{kind}{i:03d}" for i in range(accounts)]
    insert_accounts(db, ["idle"], status="active")
    insert_accounts(db, handles, status="paused" if kind == "paused" else "active")
    if kind == "busy":
        insert_foreign_running(db, handles)
    insert_pending_runs(db, handles, pending)
    db.analyze()


def scenario(
    kind: str, pending: int, samples: int, budget_s: float, accounts: int
) -> dict[str, Any]:
    """One backlog, one server, `samples` sequential POSTs for the idle account."""
    with temp_data_dir(f"dispatch-{kind}-{pending}") as data_dir:
        db = BenchDb(data_dir, backend())
        _fill(db, kind, pending, accounts)
        port = free_port()
        env = server_env(data_dir, OO_SHUTDOWN_GRACE_S="2", **db.env())
        argv = [sys.executable, "-m", "bench._noop_server", str(port)]
        ids: list[int] = []
        client_s: list[float] = []
        post_s: list[float] = []
        stuck = 0
        prof = None
        with (
            ServerProcess(argv, env, port, data_dir / "server.log") as server,
            httpx.Client(base_url=server.url, headers={"X-API-Key": API_KEY}, timeout=30) as client,
        ):
            if profiling.enabled():
                prof = profiling.start(
                    server.pid,
                    RESULTS / f"dispatch-{kind}-{pending}.pyspy.txt",
                    min(budget_s, 20),
                    gil=True,
                )
            client.post("/runs", json=BODY)  # warm-up: first request, first claim
            time.sleep(0.2)
            deadline = time.monotonic() + budget_s
            rng = random.Random(1)
            while len(ids) < samples and time.monotonic() < deadline:
                t0 = time.perf_counter()
                r = client.post("/runs", json=BODY)
                t1 = time.perf_counter()
                assert r.status_code == 201, r.text
                run_id = r.json()["run_id"]
                status = r.json()["status"]
                limit = time.monotonic() + 10
                while status == "pending" and time.monotonic() < limit:
                    time.sleep(0.001)
                    status = client.get(f"/runs/{run_id}").json()["status"]
                if status == "pending":
                    stuck += 1
                ids.append(run_id)
                post_s.append(t1 - t0)
                client_s.append(time.perf_counter() - t0)
                time.sleep(rng.uniform(0.005, 0.015))  # let the account go idle again
            # Let the last runs finish before reading the timestamps.
            time.sleep(0.2)
        if prof is not None:
            prof.wait(timeout=60)
        with contextlib.closing(db.connect()) as conn:
            marks = ",".join("?" * len(ids))
            rows = conn.execute(
                f"SELECT created_at, started_at FROM runs WHERE id IN ({marks})", ids
            ).fetchall()
            left = conn.execute(
                "SELECT count(*) FROM runs WHERE status='pending' AND handle != 'idle'"
            ).fetchone()[0]
    server_side = [s - c for c, s in rows if s is not None]
    out = {
        "kind": kind,
        "pending_backlog": pending,
        "backlog_accounts": accounts,
        "backlog_still_pending": left,
        "samples": len(ids),
        "never_started": stuck + sum(1 for _, s in rows if s is None),
        "created_to_started": latency_summary_ms(server_side) if server_side else None,
        "client_post_to_observed_running": latency_summary_ms(client_s) if client_s else None,
        "client_post_response": latency_summary_ms(post_s) if post_s else None,
    }
    d = out["created_to_started"] or {}
    print(
        f"  {kind:6s} backlog {pending:>7,}: n={len(server_side)} created->started p50 "
        f"{d.get('p50_ms')} ms p99 {d.get('p99_ms')} ms max {d.get('max_ms')} ms; POST "
        f"p50 {out['client_post_response']['p50_ms'] if post_s else None} ms"
    )
    return out


def main() -> dict:
    samples = int(os.environ.get("BENCH_DISPATCH_SAMPLES", "200"))
    budget = float(os.environ.get("BENCH_DISPATCH_BUDGET_S", "25"))
    accounts = int(os.environ.get("BENCH_DISPATCH_ACCOUNTS", "50"))
    kinds = os.environ.get("BENCH_DISPATCH_KINDS", "busy,paused").split(",")
    sizes = [int(x) for x in os.environ.get("BENCH_DISPATCH_SIZES", "1000,100000").split(",")]
    scenarios = [scenario(k, n, samples, budget, accounts) for k in kinds for n in sizes]
    figures = []
    for kind in kinds:
        rows = {s["pending_backlog"]: s for s in scenarios if s["kind"] == kind}
        small, large = rows.get(min(sizes)), rows.get(max(sizes))
        if (
            not small
            or not large
            or not small["created_to_started"]
            or not large["created_to_started"]
        ):
            continue
        p99_small = small["created_to_started"]["p99_ms"]
        p99_large = large["created_to_started"]["p99_ms"]
        ratio = p99_large / p99_small if p99_small else float("inf")
        ok_p99 = max(p99_small, p99_large) <= TARGET_P99_MS
        ok_ratio = ratio <= TARGET_RATIO
        figures.append(
            {
                "kind": kind,
                "p50_ms": {
                    str(min(sizes)): small["created_to_started"]["p50_ms"],
                    str(max(sizes)): large["created_to_started"]["p50_ms"],
                },
                "p99_ms": {str(min(sizes)): p99_small, str(max(sizes)): p99_large},
                "p99_ratio": round(ratio, 2),
                "target": f"p99 <= {TARGET_P99_MS:.0f} ms, ratio <= {TARGET_RATIO}",
                "pass_p99": ok_p99,
                "pass_ratio": ok_ratio,
                "pass": ok_p99 and ok_ratio,
            }
        )
        print(
            f"dispatch ({kind} backlog): p99 {p99_small} ms @ {min(sizes):,} / {p99_large} ms "
            f"@ {max(sizes):,}; ratio {ratio:.2f} -> p99 {'PASS' if ok_p99 else 'FAIL'}, "
            f"ratio {'PASS' if ok_ratio else 'FAIL'}"
        )
    out = {
        "figures": figures,
        "scenarios": scenarios,
        "server": "bench/_noop_server.py: create_app(worker=True, run_fn=no-op) under uvicorn",
        "note": f"samples are sequential POSTs; see {Path(__file__).relative_to(ROOT)}",
        "backend": backend(),
    }
    write_result(result_name("dispatch", backend()), out)
    return out


if __name__ == "__main__":
    main()
