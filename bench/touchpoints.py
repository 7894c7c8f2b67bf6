"""Each touchpoint's duration through the server (OO_PACE=fast) against the same steps in a
bare Playwright script.

Usage: .venv/bin/python -m bench.touchpoints [--repeats 15] [--only visit,connect]

Both sides drive the same simulator (its own process) and the same `linkedin` touchpoint
code, on a warm signed-in context. The bare side is a plain Playwright page calling
`run_touchpoint` directly: no queue, no pool, no tracing, no session saving. The server
side is `openoutreach-server serve` with its defaults (tracing on); its figure is the
run's server-side created_at -> completed_at (dispatch + execution + bookkeeping).
The simulator is reset before every iteration so that side effects can repeat, and both
sides pause IDLE_S before each iteration: a touchpoint's duration is measured on an idle
account. (After each run the server saves the session state in the background, holding
the account; a run of the same account posted at once waits for that save. At human pace
an account's actions are seconds apart; docs/benchmarks.md gives the back-to-back figures.)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from playwright.async_api import async_playwright

from bench.common import (
    API_KEY,
    ServerProcess,
    free_port,
    machine_info,
    serve_argv,
    server_env,
    temp_data_dir,
    write_result,
)
from linkedin.browser.launch import launch_chromium
from linkedin.browser.login import import_li_at
from linkedin.browser.pace import Pace
from linkedin.touchpoints.models import parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint, supported_types

LI_AT = "sim-li-at-demo"
TARGET_RATIO = 1.10
IDLE_S = 0.1
EXTRA_ENV: dict[str, str] = {}

# name -> touchpoint, given the simulator's base URL. Only types this build supports run.
CASES: dict[str, Callable[[str], dict[str, Any]]] = {
    "visit": lambda b: {"type": "visit", "profile_url": f"{b}/in/john-smith/", "scroll": False},
    "connect": lambda b: {"type": "connect", "profile_url": f"{b}/in/jane-doe/", "note": "Hi!"},
    "connection_status": lambda b: {
        "type": "connection_status",
        "profile_url": f"{b}/in/jane-doe/",
    },
    "enrich": lambda b: {"type": "enrich", "profile_url": f"{b}/in/jane-doe/"},
    "withdraw": lambda b: {"type": "withdraw", "profile_url": f"{b}/in/paul-pending/"},
    "message": lambda b: {
        "type": "message",
        "profile_url": f"{b}/in/carl-connected/",
        "text": "Hello\nthere",
    },
    "react": lambda b: {
        "type": "react",
        "profile_url": f"{b}/in/jane-doe/",
        "within_days": 30,
        "reaction": "LIKE",
    },
    "comment": lambda b: {
        "type": "comment",
        "profile_url": f"{b}/in/jane-doe/",
        "within_days": 30,
        "text": "Great post",
    },
    "recent_posts": lambda b: {"type": "recent_posts", "profile_url": f"{b}/in/jane-doe/"},
    # The two reads of one detection check (events/detection.py).
    "sent_invitations": lambda b: {"type": "sent_invitations"},
    "inbox": lambda b: {"type": "inbox"},
    "inmail": lambda b: {
        "type": "inmail",
        "profile_url": f"{b}/in/john-smith/",
        "subject": "Hello",
        "body": "Hi John,\nquick question.",
    },
}


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _reset(sim: str) -> None:
    httpx.post(f"{sim}/__sim/reset").raise_for_status()


def through_server(
    sim: str, names: list[str], repeats: int, identity: dict[str, Any]
) -> dict[str, list[float]]:
    """Run each touchpoint `repeats` times through a real server; durations in ms.

    Fills `identity` with the account's browser identity, for the bare side.
    """
    out: dict[str, list[float]] = {}
    with temp_data_dir("touchpoints") as data_dir:
        port = free_port()
        env = server_env(data_dir, OO_LINKEDIN_BASE_URL=sim, OO_MAX_SESSIONS="1", **EXTRA_ENV)
        with ServerProcess(serve_argv(port, worker=True), env, port, data_dir / "server.log"):
            api = httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": API_KEY}, timeout=60
            )
            created = api.post("/accounts", json={"handle": "demo", "li_at": LI_AT})
            identity.update(created.raise_for_status().json()["identity"])
            api.post("/accounts/demo/login", params={"wait": 60}).raise_for_status()
            for name in names:
                out[name] = []
                for i in range(repeats + 1):
                    _reset(sim)
                    time.sleep(IDLE_S)
                    body = {"handle": "demo", "touchpoint": CASES[name](sim)}
                    run = api.post("/runs", json=body).json()
                    while run["status"] in ("pending", "running"):
                        time.sleep(0.05)  # figures are server-side; polling only costs CPU
                        run = api.get(f"/runs/{run['run_id']}").json()
                    if run["status"] != "completed":
                        raise RuntimeError(f"{name}: {run['error_code']} {run['error']}")
                    if i:  # the first one warms the page up, as on the bare side
                        out[name].append((_ts(run["completed_at"]) - _ts(run["created_at"])) * 1000)
    return out


async def bare(
    sim: str, names: list[str], repeats: int, identity: dict[str, Any]
) -> dict[str, list[float]]:
    """The same touchpoints in a plain Playwright page with the account's viewport, locale
    and timezone (what the server gives that account); durations in ms."""
    out: dict[str, list[float]] = {}
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        width, height = identity["viewport"]
        context = await browser.new_context(
            viewport={"width": width, "height": height},
            locale=identity["locale"],
            timezone_id=identity["timezone_id"],
        )
        await import_li_at(context, sim, LI_AT)
        page = await context.new_page()
        ctx = TouchpointContext(sim, Pace("fast", random.Random(0)))
        for name in names:
            out[name] = []
            for i in range(repeats + 1):
                await asyncio.to_thread(_reset, sim)
                await asyncio.sleep(IDLE_S)
                touchpoint = parse_touchpoint(CASES[name](sim), sim)
                start = time.perf_counter()
                await run_touchpoint(page, touchpoint, ctx)
                if i:
                    out[name].append((time.perf_counter() - start) * 1000)
        await browser.close()
    return out


def main() -> None:
    """Start the simulator, measure both sides, print and save the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    wanted = [n for n in (args.only.split(",") if args.only else CASES) if n]
    names = [n for n in wanted if n in supported_types()]
    port = free_port()
    sim = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkedin_sim", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{sim}/__sim/state").raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        identity: dict[str, Any] = {}
        served = through_server(sim, names, args.repeats, identity)
        plain = asyncio.run(bare(sim, names, args.repeats, identity))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    rows = []
    for name in names:
        server_ms, bare_ms = statistics.median(served[name]), statistics.median(plain[name])
        ratio = server_ms / bare_ms
        rows.append(
            {
                "touchpoint": name,
                "server_ms_median": round(server_ms, 1),
                "bare_ms_median": round(bare_ms, 1),
                "ratio": round(ratio, 3),
                "pass": ratio <= TARGET_RATIO,
            }
        )
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        print(
            f"{name:18} server {server_ms:8.1f} ms  bare {bare_ms:8.1f} ms  x{ratio:.3f} {verdict}"
        )
    write_result("touchpoints", {"machine": machine_info(), "repeats": args.repeats, "rows": rows})


if __name__ == "__main__":
    main()
