"""How many accounts one host drives: a real server (`openoutreach-server serve`, SQLite, a
real BrowserPool and Chromium) against the LinkedIn simulator, at a compressed pace.

For each N in BENCH_CAPACITY_ACCOUNTS (default 10,50,100,200):

- the simulator (its own process) gets N accounts (li_at), a target profile per account,
  and a connected member with a post;
- a fresh server with OO_PACE=fast, OO_CAPS=false, OO_WARMUP_DAYS=0 and
  OO_MAX_SESSIONS=N (every account may keep its browser context warm; `N:S` in
  BENCH_CAPACITY_ACCOUNTS sets S instead, and adds that point to the earlier results); N
  accounts created
  and logged in through the API (setup, not measured);
- an open-loop load: BENCH_CAPACITY_RATE runs per account per minute (default 2, about
  five times a human pace of one action every 1.5-3.5 min), spread evenly, cycling through
  visit, connection_status, connect (each account its own target), message, react and
  recent_posts; BENCH_CAPACITY_WARMUP_S (20) of load first, then BENCH_CAPACITY_DURATION_S
  (60) measured.

Figures per N, over the measured window: runs completed per minute (sustained) against
the offered rate; dispatch latency (created_at -> started_at of runs posted in the window:
how long a due run waited for a session and a claim); failures; CPU of the server process,
of its Chromium tree and of the simulator, and the machine's busy share; PSS of the server
and its Chromium tree at the end of the window; the backlog left.

    .venv/bin/python -m bench.capacity                                # ~8-10 min
    BENCH_CAPACITY_ACCOUNTS=10,50 .venv/bin/python -m bench.capacity
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import psutil

from bench.common import (
    API_KEY,
    RESULTS,
    ServerProcess,
    connect,
    free_port,
    latency_summary_ms,
    serve_argv,
    server_env,
    temp_data_dir,
    write_result,
)

FRIEND = "carl-connected"  # a seeded member every account is connected to (message)
KINDS = ("visit", "connection_status", "connect", "message", "react", "recent_posts")


class Simulator:
    """`python -m linkedin_sim` in its own process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "linkedin_sim", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = httpx.Client(base_url=self.url, timeout=30)
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if self.client.get("/__sim/state").status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("simulator did not start")
            time.sleep(0.1)

    def prepare(self, n: int) -> str:
        """N accounts, a target profile each, a post by FRIEND; returns the post's URL."""
        self.client.post("/__sim/reset").raise_for_status()
        for i in range(n):
            self.client.post(
                "/__sim/accounts",
                json={"username": f"cap{i}@example.com", "password": "pw", "li_at": f"li-cap{i}"},
            ).raise_for_status()
            self.client.post(
                "/__sim/profiles", json={"public_id": f"cap-target-{i}", "name": f"Target {i}"}
            ).raise_for_status()
        post = self.client.post(
            "/__sim/posts", json={"author": FRIEND, "text": "Capacity matters.", "age": "2d"}
        )
        post.raise_for_status()
        return f"{self.url}{post.json()['path']}"

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


def touchpoint(kind: str, base: str, i: int, post_url: str) -> dict[str, Any]:
    """One touchpoint of the mix for account i."""
    target = f"{base}/in/cap-target-{i}/"
    friend = f"{base}/in/{FRIEND}/"
    return {
        "visit": {"type": "visit", "profile_url": target, "dwell_s": [0, 0]},
        "connection_status": {"type": "connection_status", "profile_url": target},
        "connect": {"type": "connect", "profile_url": target},
        "message": {"type": "message", "profile_url": friend, "text": "Thanks, talk soon"},
        "react": {"type": "react", "post_url": post_url},
        "recent_posts": {"type": "recent_posts", "profile_url": friend, "limit": 5},
    }[kind]


def _tree(pid: int) -> list[psutil.Process]:
    proc = psutil.Process(pid)
    return [proc, *proc.children(recursive=True)]


def _cpu_s(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def _pss_mb(procs: list[psutil.Process]) -> float:
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_full_info().pss
    return total / 1e6


class Load:
    """Posts runs round-robin over the accounts at a fixed total rate, in a thread."""

    def __init__(self, api: httpx.Client, n: int, per_min: float, base: str, post: str) -> None:
        self.api = api
        self.n = n
        self.interval = 60.0 / (per_min * n)
        self.base = base
        self.post = post
        self.posted: list[tuple[float, int]] = []  # (time, run id)
        self.refused = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        k = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            i = k % self.n
            kind = KINDS[(k // self.n) % len(KINDS)]
            body = {"handle": f"cap{i}", "touchpoint": touchpoint(kind, self.base, i, self.post)}
            response = self.api.post("/runs", json=body)
            if response.status_code == 201:
                self.posted.append((time.time(), int(response.json()["run_id"])))
            else:
                self.refused += 1
            k += 1
            next_at += self.interval
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def point(
    sim: Simulator, n: int, per_min: float, warmup_s: float, duration_s: float, sessions: int
) -> dict:
    """One N (with `sessions` browser contexts at most): set up, load, measure."""
    from bench.run_all import wait_quiet

    quiet = wait_quiet()
    post = sim.prepare(n)
    with temp_data_dir(f"capacity-{n}") as data_dir:
        port = free_port()
        env = server_env(
            data_dir,
            OO_LINKEDIN_BASE_URL=sim.url,
            OO_WARMUP_DAYS="0",
            OO_MAX_SESSIONS=str(sessions),
            OO_SESSION_IDLE_TTL_S="3600",
            OO_RUN_TIMEOUT_S="120",
            OO_LOG_LEVEL="WARNING",
        )
        argv = serve_argv(port, worker=True)
        with (
            ServerProcess(argv, env, port, data_dir / "server.log") as server,
            httpx.Client(base_url=server.url, headers={"X-API-Key": API_KEY}, timeout=180) as api,
        ):
            t_setup = time.perf_counter()
            for i in range(n):
                api.post(
                    "/accounts", json={"handle": f"cap{i}", "li_at": f"li-cap{i}"}
                ).raise_for_status()

            def login(i: int) -> bool:
                r = api.post(f"/accounts/cap{i}/login", params={"wait": 170})
                return r.status_code == 200 and r.json()["account"]["status"] == "active"

            with ThreadPoolExecutor(16) as pool:
                logged_in = sum(pool.map(login, range(n)))
            setup_s = time.perf_counter() - t_setup
            print(f"  N={n}: {logged_in}/{n} logged in, setup {setup_s:.0f} s", flush=True)

            load = Load(api, n, per_min, sim.url, post)
            load.start()
            time.sleep(warmup_s)
            server_procs = _tree(server.pid)
            sim_proc = psutil.Process(sim.proc.pid)
            py0 = _cpu_s(server_procs[:1])
            tree0 = _cpu_s(server_procs)
            sim0 = _cpu_s([sim_proc])
            machine0 = psutil.cpu_times()
            w0 = time.time()
            time.sleep(duration_s)
            w1 = time.time()
            server_procs = _tree(server.pid)  # renderers started meanwhile
            py1 = _cpu_s(server_procs[:1])
            tree1 = _cpu_s(server_procs)
            sim1 = _cpu_s([sim_proc])
            machine1 = psutil.cpu_times()
            pss = _pss_mb(server_procs)
            chromium = 0
            for proc in server_procs:
                with contextlib.suppress(psutil.Error):
                    chromium += "chrom" in proc.name().lower()
            # Read while the server runs: a graceful stop lets running runs finish.
            with contextlib.closing(connect(data_dir)) as conn:
                backlog = dict(
                    conn.execute(
                        "SELECT status, count(*) FROM runs WHERE status IN ('pending', 'running')"
                        " GROUP BY status"
                    ).fetchall()
                )
            load.stop()
            in_window = [rid for at, rid in load.posted if w0 <= at < w1]
        with contextlib.closing(connect(data_dir)) as conn:
            done = conn.execute(
                "SELECT count(*), sum(status = 'failed') FROM runs"
                " WHERE completed_at >= ? AND completed_at < ? AND type != 'login'",
                (w0, w1),
            ).fetchone()
            failures = dict(
                conn.execute(
                    "SELECT error_code, count(*) FROM runs WHERE status = 'failed'"
                    " AND type != 'login' GROUP BY error_code"
                ).fetchall()
            )
            marks = ",".join("?" * len(in_window)) or "NULL"
            rows = conn.execute(
                f"SELECT created_at, started_at, completed_at FROM runs WHERE id IN ({marks})",
                in_window,
            ).fetchall()
    window = w1 - w0
    cores = os.cpu_count() or 1
    busy = sum(getattr(machine1, f) - getattr(machine0, f) for f in ("user", "system", "nice"))
    waits = [s - c for c, s, _ in rows if s is not None]
    durations = [e - s for _, s, e in rows if s is not None and e is not None]
    result = {
        "accounts": n,
        "machine_busy_before_pct": quiet,
        "max_sessions": sessions,
        "logged_in": logged_in,
        "setup_s": round(setup_s, 1),
        "offered_per_min": round(per_min * n, 1),
        "completed_per_min": round(60 * (done[0] or 0) / window, 1),
        "failed_in_window": int(done[1] or 0),
        "failures": failures,
        "posted_in_window": len(in_window),
        "started_of_posted": len(waits),
        "dispatch_wait": latency_summary_ms(waits) if waits else None,
        "run_duration": latency_summary_ms(durations) if durations else None,
        "cpu_pct_of_core": {
            "server_python": round(100 * (py1 - py0) / window, 1),
            "chromium_and_driver": round(100 * ((tree1 - tree0) - (py1 - py0)) / window, 1),
            "simulator": round(100 * (sim1 - sim0) / window, 1),
        },
        "machine_busy_pct": round(100 * busy / (window * cores), 1),
        "pss_mb_server_and_chromium": round(pss, 1),
        "chromium_processes": chromium,
        "backlog_at_end": sum(backlog.values()),
        "pending_at_end": backlog.get("pending", 0),
        "running_at_end": backlog.get("running", 0),
        "refused_posts": load.refused,
    }
    d = result["dispatch_wait"] or {}
    print(
        f"  N={n}: offered {result['offered_per_min']}/min, completed "
        f"{result['completed_per_min']}/min, dispatch wait p50 {d.get('p50_ms')} ms p99 "
        f"{d.get('p99_ms')} ms, CPU {result['cpu_pct_of_core']} (machine "
        f"{result['machine_busy_pct']}%), PSS {result['pss_mb_server_and_chromium']} MB, "
        f"backlog {backlog}, failed {result['failed_in_window']}",
        flush=True,
    )
    return result


def main() -> dict:
    # "N" or "N:S" (N accounts, S = OO_MAX_SESSIONS; default S = N).
    specs = os.environ.get("BENCH_CAPACITY_ACCOUNTS", "10,50,100,200").split(",")
    counts = [(int(a), int(b or a)) for a, _, b in (x.partition(":") for x in specs)]
    per_min = float(os.environ.get("BENCH_CAPACITY_RATE", "2"))
    warmup = float(os.environ.get("BENCH_CAPACITY_WARMUP_S", "20"))
    duration = float(os.environ.get("BENCH_CAPACITY_DURATION_S", "60"))
    sim = Simulator()
    try:
        points = [point(sim, n, per_min, warmup, duration, m) for n, m in counts]
    finally:
        sim.stop()
    # Points measured before with other (accounts, max_sessions) stay in the results.
    previous = RESULTS / "capacity.json"
    if previous.exists():
        done = {(p["accounts"], p["max_sessions"]) for p in points}
        kept = json.loads(previous.read_text()).get("points", [])
        points += [p for p in kept if (p["accounts"], p["max_sessions"]) not in done]
        points.sort(key=lambda p: (p["accounts"], -p["max_sessions"]))
    out = {
        "rate_per_account_per_min": per_min,
        "warmup_s": warmup,
        "duration_s": duration,
        "mix": list(KINDS),
        "server": "openoutreach-server serve (SQLite, real BrowserPool, Debian Chromium)",
        "points": points,
    }
    write_result("capacity", out)
    from bench.run_all import write_doc

    write_doc()
    return out


if __name__ == "__main__":
    main()
