"""Webhooks: run finished -> webhook received, at idle and behind 1,000 queued events, and
delivery throughput to a local receiver.

    .venv/bin/python -m bench.webhooks          # ~1 min

A real server (bench/_noop_server.py: API + worker, no-op touchpoints, SQLite) delivers to
a receiver in this process (uvicorn, one tiny ASGI app, HTTP/1.1 keep-alive) that notes the
arrival time of each request. Figures:

- latency at idle: for RUNS runs posted one at a time, receiver arrival minus the run's
  completed_at (both this host's clock), p50/p99/max;
- latency behind a backlog: BACKLOG events are written to the outbox in one transaction,
  then a run is posted; its run.completed waits behind them (delivered oldest first);
- throughput: BULK events written to the outbox at once; events per second from the first
  to the last arrival (target >= 500/s).
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import uvicorn

from bench.common import (
    API_KEY,
    PROFILE_URL,
    ServerProcess,
    connect,
    create_schema,
    free_port,
    insert_accounts,
    latency_summary_ms,
    machine_info,
    server_env,
    temp_data_dir,
    write_result,
)

RUNS = 200
BACKLOG = 1000
BACKLOG_ROUNDS = 10
BULK = 10_000
TARGET_PER_S = 500


class Arrivals:
    """What the receiver saw: webhook-id -> (arrival time, event type, run id)."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[float, str, int | None]] = {}
        self.count = 0
        self.lock = threading.Lock()

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """A minimal ASGI app: note the arrival, answer 204."""
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        at = time.time()
        headers = dict(scope["headers"])
        event = json.loads(body)
        with self.lock:
            self.seen[headers[b"webhook-id"].decode()] = (
                at,
                event["type"],
                event["data"].get("run_id"),
            )
            self.count += 1
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def wait(self, count: int, timeout: float = 120.0) -> None:
        """Until `count` requests arrived."""
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.count} of {count} webhooks arrived")
            time.sleep(0.002)


def _receiver(arrivals: Arrivals) -> tuple[uvicorn.Server, str]:
    port = free_port()
    config = uvicorn.Config(
        arrivals.app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        interface="asgi3",
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{port}/hook"


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _fill_outbox(data_dir: Path, count: int) -> None:
    """`count` events in one transaction, shaped as the server writes them."""
    now = time.time()
    data = json.dumps({"handle": "acct", "status": "paused", "previous": "active", "reason": "x"})
    with contextlib.closing(connect(data_dir)) as conn, conn:
        conn.executemany(
            "INSERT INTO events (type, handle, run_id, data, created_at) VALUES (?, ?, ?, ?, ?)",
            [("account.status_changed", "acct", None, data, now)] * count,
        )


def _run_and_wait(api: httpx.Client, arrivals: Arrivals, expected: int) -> float:
    """Post one run; return receiver arrival - completed_at of its event, in seconds."""
    body = {"handle": "acct", "touchpoint": {"type": "visit", "profile_url": PROFILE_URL}}
    run = api.post("/runs", json=body).json()
    run = api.get(f"/runs/{run['run_id']}", params={"wait": 30}).json()
    arrivals.wait(expected)
    with arrivals.lock:
        [at] = [a for a, kind, rid in arrivals.seen.values() if rid == run["run_id"]]
    return at - _ts(run["completed_at"])


def main() -> dict[str, Any]:
    """Run the three measurements; print and save them."""
    arrivals = Arrivals()
    receiver, url = _receiver(arrivals)
    out: dict[str, Any] = {"machine": machine_info()}
    try:
        with temp_data_dir("webhooks") as data_dir:
            create_schema(data_dir)
            insert_accounts(data_dir, ["acct"])
            port = free_port()
            env = server_env(data_dir, OO_WEBHOOK_ALLOW_PRIVATE="true", OO_DETECTION="false")
            argv = [sys.executable, "-m", "bench._noop_server", str(port)]
            with ServerProcess(argv, env, port, data_dir / "server.log"):
                api = httpx.Client(
                    base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": API_KEY}, timeout=60
                )
                api.post("/webhooks", json={"url": url}).raise_for_status()
                idle = []
                for i in range(RUNS):
                    idle.append(_run_and_wait(api, arrivals, i + 1))
                    time.sleep(0.02)
                out["idle"] = {"runs": RUNS, "latency": latency_summary_ms(idle)}
                behind = []
                for _ in range(BACKLOG_ROUNDS):
                    base = arrivals.count
                    _fill_outbox(data_dir, BACKLOG)
                    behind.append(_run_and_wait(api, arrivals, base + BACKLOG + 1))
                out["backlog"] = {
                    "queued_events": BACKLOG,
                    "rounds": BACKLOG_ROUNDS,
                    "latency": latency_summary_ms(behind),
                }
                base = arrivals.count
                start = time.time()
                _fill_outbox(data_dir, BULK)
                arrivals.wait(base + BULK, timeout=300)
                with arrivals.lock:
                    last = max(at for at, _, _ in arrivals.seen.values())
                took = last - start
                per_s = BULK / took
                out["throughput"] = {
                    "events": BULK,
                    "seconds": round(took, 2),
                    "events_per_s": round(per_s),
                    "target_per_s": TARGET_PER_S,
                    "pass": per_s >= TARGET_PER_S,
                }
                pending = api.get("/webhooks/1/deliveries", params={"status": "pending"})
                out["left_pending"] = len(pending.json()["items"])
    finally:
        receiver.should_exit = True
    write_result("webhooks", out)
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
