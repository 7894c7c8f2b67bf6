"""Target 1: enqueue throughput over HTTP (POST /runs), against a real API-only server.

Starts `openoutreach-server serve --no-worker` on a temp data dir with OO_API_KEYS set,
creates one account with POST /accounts, then drives POST /runs (visit,
https://www.linkedin.com/in/x/) from wrk (or an httpx async client if wrk is missing) in
another process, at several concurrency levels. Reports 2xx responses per second, checks the
database holds exactly that many runs, and (BENCH_PROFILE=1) samples the server with py-spy.

    .venv/bin/python -m bench.enqueue_http          # ~40 s
    BENCH_DURATION=5 BENCH_CONNECTIONS=16 .venv/bin/python -m bench.enqueue_http
    BENCH_BACKEND=postgresql .venv/bin/python -m bench.enqueue_http   # on PostgreSQL
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import psutil

from bench import loadgen, profiling
from bench.common import (
    API_KEY,
    PROFILE_URL,
    RESULTS,
    BenchDb,
    CpuMeter,
    ServerProcess,
    backend,
    fmt_rate,
    free_port,
    result_name,
    serve_argv,
    server_env,
    temp_data_dir,
    write_result,
)

TARGET_PER_S = 2000.0
BODY = {"handle": "bench", "touchpoint": {"type": "visit", "profile_url": PROFILE_URL}}


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def main() -> dict:
    duration = float(os.environ.get("BENCH_DURATION", "10"))
    levels = [int(x) for x in os.environ.get("BENCH_CONNECTIONS", "16,64").split(",")]
    results = []
    profile_summary = None
    kind = backend()
    with temp_data_dir("enqueue") as data_dir:
        db = BenchDb(data_dir, kind)
        port = free_port()
        server = ServerProcess(
            serve_argv(port, worker=False),
            server_env(data_dir, **db.env()),
            port,
            data_dir / "server.log",
        )
        with server:
            with httpx.Client(base_url=server.url, headers={"X-API-Key": API_KEY}) as client:
                r = client.post("/accounts", json={"handle": "bench", "li_at": "bench-cookie"})
                assert r.status_code == 201, r.text
                r = client.post("/runs", json=BODY)
                assert r.status_code == 201, r.text
            url = f"{server.url}/runs"
            loadgen.run_load(url, BODY, API_KEY, 8, 2)  # warm-up
            for conns in levels:
                prof = None
                if profiling.enabled() and conns == levels[-1]:
                    prof = profiling.start(
                        server.pid, RESULTS / "enqueue_http.pyspy.txt", max(duration - 2, 1)
                    )
                cpu0 = _cpu(server.pid)
                t0 = time.perf_counter()
                meter = CpuMeter().start()
                res = loadgen.run_load(url, BODY, API_KEY, conns, duration)
                res.update(meter.stop())
                res["server_cpu_pct"] = round(
                    100 * (_cpu(server.pid) - cpu0) / (time.perf_counter() - t0), 1
                )
                if prof is not None:
                    prof.wait(timeout=60)
                    profile_summary = profiling.summarize(RESULTS / "enqueue_http.pyspy.txt")
                results.append(res)
                print(
                    f"  {conns:4d} connections ({res['tool']}): {fmt_rate(res['ok_per_s'])} "
                    f"enqueues/s, p50 {res['latency_ms']['p50_ms']} ms, p99 "
                    f"{res['latency_ms']['p99_ms']} ms, non-2xx {res['non_2xx']}, "
                    f"socket errors {res['socket_errors']}, server CPU {res['server_cpu_pct']}%, "
                    f"PostgreSQL {res['postgres_cpu_pct_of_core']}%, machine "
                    f"{res['machine_busy_pct']}% busy"
                )
        with contextlib.closing(db.connect()) as conn:
            stored = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    sent_ok = sum(r["requests"] - r["non_2xx"] for r in results)
    best = max(results, key=lambda r: r["ok_per_s"])
    figure = best["ok_per_s"]
    print(
        f"enqueue over HTTP ({kind}): best {fmt_rate(figure)} /s at {best['connections']} conns "
        f"(target >= {fmt_rate(TARGET_PER_S)}/s: {'PASS' if figure >= TARGET_PER_S else 'FAIL'})"
    )
    print(f"  runs in the database: {stored} (2xx in measured phases: {sent_ok})")
    if profile_summary:
        profiling.print_summary("server during the last phase", profile_summary)
    out = {
        "figure": {
            "name": "enqueue_per_s",
            "value": figure,
            "unit": "runs/s",
            "target": f">= {TARGET_PER_S:.0f}",
            "pass": figure >= TARGET_PER_S,
        },
        "levels": results,
        "stored_runs": stored,
        "server": "openoutreach-server serve --no-worker (1 uvicorn process)",
        "loadgen": results[0]["tool"] if results else None,
        "profile": profile_summary,
        "time": time.time(),
        "backend": kind,
    }
    write_result(result_name("enqueue_http", kind), out)
    return out


if __name__ == "__main__":
    main()
