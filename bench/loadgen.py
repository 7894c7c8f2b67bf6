"""HTTP load generators for the enqueue benchmark: wrk (preferred) or an httpx async client.

Both run in their own process, so the server's measured throughput is not shared with the
client's event loop (on a 2-core machine they still share the CPU; see bench/README.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_WRK_LUA = """
wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = %(key)s

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def lua_quote(text: str) -> str:
    """A Lua long-bracket string literal."""
    return "[==[" + text + "]==]"


def have_wrk() -> bool:
    """Whether `wrk` is on PATH (and not disabled with BENCH_LOADGEN=httpx)."""
    return os.environ.get("BENCH_LOADGEN", "wrk") == "wrk" and shutil.which("wrk") is not None


def run_wrk(
    url: str,
    body: dict[str, Any],
    api_key: str,
    connections: int,
    duration_s: float,
    threads: int = 1,
) -> dict[str, Any]:
    """POST `body` to `url` from `connections` keep-alive connections for `duration_s`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_WRK_LUA % {"body": lua_quote(json.dumps(body)), "key": lua_quote(api_key)})
        script = f.name
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{int(duration_s)}s",
                "--timeout",
                "10s",
                "-s",
                script,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration_s + 60,
            check=True,
        ).stdout
    finally:
        Path(script).unlink(missing_ok=True)
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    ok = raw["requests"] - raw["status"]
    seconds = raw["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "connections": connections,
        "duration_s": round(seconds, 3),
        "requests": raw["requests"],
        "non_2xx": raw["status"],
        "socket_errors": raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        "ok_per_s": round(ok / seconds, 1),
        "latency_ms": {
            k.replace("_us", "_ms"): round(v / 1000, 3)
            for k, v in raw.items()
            if k.endswith("_us") and k != "duration_us"
        },
    }


async def _httpx_load(
    url: str, body: dict[str, Any], api_key: str, connections: int, duration_s: float
) -> dict[str, Any]:
    import httpx

    from bench.common import percentile

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    ok = bad = 0
    async with httpx.AsyncClient(
        limits=limits, timeout=30, headers={"X-API-Key": api_key}
    ) as client:
        start = time.perf_counter()
        deadline = start + duration_s

        async def one() -> None:
            nonlocal ok, bad
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                response = await client.post(url, json=body)
                latencies.append(time.perf_counter() - t0)
                if 200 <= response.status_code < 300:
                    ok += 1
                else:
                    bad += 1

        await asyncio.gather(*(one() for _ in range(connections)))
        seconds = time.perf_counter() - start
    return {
        "tool": "httpx",
        "connections": connections,
        "duration_s": round(seconds, 3),
        "requests": ok + bad,
        "non_2xx": bad,
        "socket_errors": 0,
        "ok_per_s": round(ok / seconds, 1),
        "latency_ms": {f"p{p}_ms": round(percentile(latencies, p) * 1000, 3) for p in (50, 90, 99)},
    }


def run_httpx(
    url: str, body: dict[str, Any], api_key: str, connections: int, duration_s: float
) -> dict[str, Any]:
    """The same load from an httpx async client in a separate process."""
    args = json.dumps([url, body, api_key, connections, duration_s])
    out = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", args],
        capture_output=True,
        text=True,
        timeout=duration_s + 60,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_load(
    url: str, body: dict[str, Any], api_key: str, connections: int, duration_s: float
) -> dict[str, Any]:
    """wrk if available, else httpx."""
    if have_wrk():
        return run_wrk(url, body, api_key, connections, duration_s)
    return run_httpx(url, body, api_key, connections, duration_s)


if __name__ == "__main__":
    url, body, key, conns, secs = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(_httpx_load(url, body, key, conns, secs))))
