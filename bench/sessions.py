"""Browser sessions: memory (PSS of the whole process tree) per warm account session, and
warm vs cold start of a run.

Usage: .venv/bin/python -m bench.sessions [--counts 1,10,25] [--repeats 10]

The simulator runs in a separate process so that only this process (Python + Playwright
driver + Chromium) is measured. Each account is a simulator account with its own li_at;
a session is "warm" once its context has loaded a profile page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from linkedin.browser.login import import_li_at
from linkedin.browser.pace import Pace
from linkedin.browser.pool import BrowserPool, Identity
from linkedin.touchpoints.models import VisitInput
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint

RESULTS = Path(__file__).parent / "results"
SIM_PID: int | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree_pss_mb(exclude: int | None = None) -> float:
    """Proportional set size of this process and its descendants (but `exclude`), in MB."""
    total = 0
    procs = [psutil.Process(), *psutil.Process().children(recursive=True)]
    for proc in procs:
        if proc.pid == exclude:
            continue  # the simulator: not part of the server
        try:
            total += proc.memory_full_info().pss
        except psutil.Error:
            continue
    return total / 1e6


class Accounts:
    """Simulator accounts and the pool callbacks that keep their state in memory."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.states: dict[str, dict[str, Any]] = {}

    def make(self, count: int) -> list[str]:
        handles = []
        with httpx.Client(base_url=self.base) as client:
            for i in range(count):
                handle = f"bench{i}"
                client.post(
                    "/__sim/accounts",
                    json={
                        "username": f"{handle}@example.com",
                        "password": "pw",
                        "li_at": f"li-at-{handle}",
                    },
                ).raise_for_status()
                handles.append(handle)
        return handles

    def load(self, handle: str) -> Any:
        async def _load() -> dict[str, Any] | None:
            return self.states.get(handle)

        return _load

    def save(self, handle: str) -> Any:
        async def _save(state: dict[str, Any]) -> None:
            self.states[handle] = state

        return _save


async def _visit(pool: BrowserPool, accounts: Accounts, handle: str, profile: str) -> float:
    """One visit run through the pool; returns its duration in ms."""
    start = time.perf_counter()
    async with pool.session(
        handle,
        identity=Identity(),
        load_state=accounts.load(handle),
        save_state=accounts.save(handle),
    ) as page:
        if handle not in accounts.states:
            await import_li_at(page.context, accounts.base, f"li-at-{handle}")
        ctx = TouchpointContext(accounts.base, Pace("fast", random.Random(0)))
        await run_touchpoint(page, VisitInput(profile_url=profile, dwell_s=(0, 0)), ctx)
    return (time.perf_counter() - start) * 1000


async def memory(base: str, counts: list[int]) -> list[dict[str, float]]:
    """PSS with N warm sessions, for each N."""
    rows = []
    accounts = Accounts(base)
    *handles, spare = accounts.make(max(counts) + 1)
    profile = f"{base}/in/jane-doe/"
    for count in counts:
        pool = BrowserPool(max_contexts=count, idle_ttl_s=3600, recycle_after=10_000)
        # Launch the browser with one throwaway context, closed again: the baseline is
        # Python + driver + an idle Chromium.
        await _visit(pool, accounts, spare, profile)
        await pool.discard(spare)
        await asyncio.sleep(1)
        baseline = tree_pss_mb(SIM_PID)
        for handle in handles[:count]:
            await _visit(pool, accounts, handle, profile)
        await asyncio.sleep(1)
        total = tree_pss_mb(SIM_PID)
        rows.append(
            {
                "sessions": count,
                "baseline_mb": round(baseline, 1),
                "total_mb": round(total, 1),
                "per_session_mb": round((total - baseline) / count, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
        await pool.close()
    return rows


async def warm_vs_cold(base: str, repeats: int) -> dict[str, float]:
    """Duration of a fast visit run on a warm context vs a new one from stored state."""
    accounts = Accounts(base)
    (handle,) = accounts.make(1)
    profile = f"{base}/in/john-smith/"
    pool = BrowserPool(max_contexts=4, idle_ttl_s=3600, recycle_after=10_000)
    await _visit(pool, accounts, handle, profile)  # launch + first login
    warm, cold = [], []
    for _ in range(repeats):
        warm.append(await _visit(pool, accounts, handle, profile))
        await pool.discard(handle)  # the next run must build its context from stored state
        cold.append(await _visit(pool, accounts, handle, profile))
    await pool.close()
    result = {
        "warm_ms_median": round(statistics.median(warm), 1),
        "cold_ms_median": round(statistics.median(cold), 1),
        "cold_over_warm": round(statistics.median(cold) / statistics.median(warm), 2),
        "repeats": repeats,
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    """Start the simulator in its own process, measure, write bench/results/sessions.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="1,10,25")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    port = _free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "linkedin_sim", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    global SIM_PID
    SIM_PID = sim.pid
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base + "/__sim/state").raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        counts = [int(c) for c in args.counts.split(",")]
        result = {
            "memory": asyncio.run(memory(base, counts)),
            "start": asyncio.run(warm_vs_cold(base, args.repeats)),
        }
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sessions.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
