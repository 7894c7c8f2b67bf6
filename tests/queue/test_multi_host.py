"""Several hosts on one PostgreSQL database, as deployed: one API process
(`openoutreach-server serve --no-worker`) and three worker processes with different
OO_WORKER_HOST (no-op touchpoints: tests/support/noop_worker.py), each with its own data dir.

Everything goes through the API. Asserted from the workers' event log and the database:
never two running runs of one account, every run done exactly once and only on its
account's host, caps kept by accounts any host may run, GET /hosts; then one host is
killed with runs in flight.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from openoutreach_server.config import Settings
from openoutreach_server.store import Store
from tests.support.live import free_port
from tests.support.noop_worker import Event, read_events
from tests.support.store import statuses

ROOT = Path(__file__).resolve().parents[2]
KEY = "multi-host-key-0123456789"
HOSTS = ("h1", "h2", "h3")
PINNED = {host: [f"{host}-acct{i:02d}" for i in range(10)] for host in HOSTS}
UNPINNED = [f"free{i}" for i in range(6)]  # any host may run them
SLOW = {"read": "slow-read", "write": "slow-write"}  # pinned to h2; their touchpoints hang
CONNECT_CAP = 3  # per hour, for every account
# Short, so that the killed host's runs are recovered quickly; long enough that a worker
# starved by a loaded machine still renews its leases (heartbeats every third of it).
LEASE_S = 4.0
B = "https://www.linkedin.com"
PROFILE = f"{B}/in/john-smith/"
MIX = [
    {"type": "visit", "profile_url": PROFILE},
    {"type": "connection_status", "profile_url": PROFILE},
    {"type": "recent_posts", "profile_url": PROFILE},
    {"type": "message", "profile_url": PROFILE, "text": "Thanks for connecting!"},
    {"type": "react", "post_url": f"{B}/feed/update/urn:li:activity:7260000000000000001/"},
]

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


class Cluster:
    """The processes of one deployment on one database."""

    def __init__(self, settings: Settings, root: Path) -> None:
        assert settings.database_url is not None
        self.root = root
        self.log = root / "events.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OO_", "NOOP_"))},
            "OO_DATABASE_URL": settings.database_url,
            "OO_API_KEYS": KEY,
            "OO_SECRET_KEY": Fernet.generate_key().decode(),  # shared: workers open secrets
            "OO_LEASE_S": str(LEASE_S),
            "OO_PACE": "fast",
            "OO_WARMUP_DAYS": "0",  # full caps at once
            "OO_SHUTDOWN_GRACE_S": "3",
            "OO_LOG_LEVEL": "WARNING",
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.port = free_port()

    def _spawn(self, argv: list[str], name: str, **env: str) -> subprocess.Popen[bytes]:
        data_dir = self.root / name
        data_dir.mkdir(exist_ok=True)
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**self.env, "OO_DATA_DIR": str(data_dir), **env},
            stderr=(self.root / f"{name}.err").open("ab"),
        )
        self.procs.append(proc)
        return proc

    def start_api(self) -> httpx.Client:
        argv = [sys.executable, "-m", "openoutreach_server", "serve", "--no-worker"]
        self._spawn([*argv, "--port", str(self.port)], "api")
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}", headers={"X-API-Key": KEY}, timeout=60
        )
        _until(lambda: _healthy(client), 30, "the API did not start")
        return client

    def start_worker(self, host: str, name: str, **env: str) -> None:
        argv = [sys.executable, "-m", "tests.support.noop_worker", str(self.log)]
        self.workers[host] = self._spawn(
            argv, name, OO_WORKER_HOST=host, OO_MAX_SESSIONS="4", **env
        )

    def kill(self, host: str) -> None:
        proc = self.workers.pop(host)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def events(self) -> list[Event]:
        return read_events(self.log) if self.log.exists() else []


def _healthy(client: httpx.Client) -> bool:
    try:
        return client.get("/health").status_code == 200
    except httpx.TransportError:
        return False


def _until(predicate: Callable[[], bool], limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(0.05)


@pytest.fixture
def cluster(settings: Settings, database: Store, tmp_path: Path) -> Iterator[Cluster]:
    cluster = Cluster(settings, tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()


def _post(api: httpx.Client, handle: str, touchpoint: dict[str, Any]) -> int:
    response = api.post("/runs", json={"handle": handle, "touchpoint": touchpoint})
    assert response.status_code == 201, response.text
    return int(response.json()["run_id"])


def _live_hosts(api: httpx.Client) -> dict[str, dict[str, Any]]:
    return {h["host"]: h for h in api.get("/hosts").json() if h["live"]}


def _assert_one_at_a_time(events: list[Event]) -> None:
    """Per account, no run starts before the previous one ended (every run ended)."""
    timeline: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        timeline[event.handle].append(event)
    for handle, items in timeline.items():
        depth = 0
        for event in sorted(items, key=lambda e: (e.at, e.kind == "start")):
            depth += 1 if event.kind == "start" else -1
            assert depth <= 1, f"two runs at once on {handle}"
        assert depth == 0, f"a run of {handle} never ended"


def test_three_hosts_one_database(cluster: Cluster, database: Store) -> None:
    api = cluster.start_api()
    host_of = {h: host for host, handles in PINNED.items() for h in handles}
    host_of.update({SLOW["read"]: "h2", SLOW["write"]: "h2"})
    quotas = {"connect": {"hour": CONNECT_CAP}}
    for handle in [*host_of, *UNPINNED]:
        created = api.post("/accounts", json={"handle": handle, "li_at": "c", "quotas": quotas})
        assert created.status_code == 201, created.text
    for handle, host in host_of.items():
        pinned = api.put(f"/accounts/{handle}/home-host", json={"host": host})
        assert (pinned.status_code, pinned.json()["home_host"]) == (200, host)

    for host in HOSTS:
        extra = {"NOOP_SLOW_HANDLES": ",".join(SLOW.values())} if host == "h2" else {}
        cluster.start_worker(host, f"{host}-a", **extra)
    _until(lambda: sorted(_live_hosts(api)) == list(HOSTS), 60, "three live hosts")
    hosts = _live_hosts(api)
    for host in HOSTS:
        expected = sorted(PINNED[host] + (list(SLOW.values()) if host == "h2" else []))
        assert hosts[host]["accounts"] == expected
        assert [w["capacity"] for w in hosts[host]["workers"]] == [4]

    # Logins are runs too, each on its account's host (unpinned ones on any host).
    with ThreadPoolExecutor(8) as pool:
        logins = list(
            pool.map(
                lambda h: api.post(f"/accounts/{h}/login", params={"wait": 30}),
                [*host_of, *UNPINNED],
            )
        )
    assert all(r.status_code == 200 and r.json()["account"]["status"] == "active" for r in logins)

    # 500 runs over the 30 pinned accounts, and more connects than the cap (with some
    # visits) for the accounts any host may run, all posted at once.
    handles = [h for host in HOSTS for h in PINNED[host]]
    jobs = [(handles[i % 30], MIX[(i // 30) % len(MIX)]) for i in range(500)]
    connect = {"type": "connect", "profile_url": PROFILE}
    free_jobs = [(h, connect) for h in UNPINNED for _ in range(CONNECT_CAP + 3)]
    free_jobs += [(h, MIX[0]) for h in UNPINNED for _ in range(10)]
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda job: _post(api, *job), jobs + free_jobs))
    main_ids, free_ids = ids[:500], ids[500:]

    def settled() -> bool:
        now = statuses(database)
        return all(now[i] == "completed" for i in main_ids) and sum(
            now[i] != "pending" for i in free_ids
        ) == len(UNPINNED) * (CONNECT_CAP + 10)

    _until(settled, 60, "the runs did not all finish")
    time.sleep(0.5)  # a claim of an over-cap connect would show now
    events = cluster.events()
    _assert_one_at_a_time(events)
    starts = Counter(e.run_id for e in events if e.kind == "start")
    assert all(starts[i] == 1 for i in main_ids), "a run was not done exactly once"
    with database.db.read() as conn:
        rows = {
            int(r["id"]): r
            for r in conn.execute(
                "SELECT id, handle, type, status, attempt, result, error FROM runs"
            ).fetchall()
        }
    for run_id in main_ids:
        row = rows[run_id]
        assert (row["status"], row["attempt"]) == ("completed", 1)
        assert f'"host":"{host_of[row["handle"]]}"' in row["result"]
    on_host = {(e.handle, e.host) for e in events if e.kind == "start"}
    assert all(host_of.get(handle, host) == host for handle, host in on_host)
    # Unpinned accounts were run by more than one host, one run at a time, and never over
    # their connect cap: exactly CAP connects started, the rest wait for the window.
    assert len({host for handle, host in on_host if handle in UNPINNED}) >= 2
    for handle in UNPINNED:
        connects = [r for r in rows.values() if r["handle"] == handle and r["type"] == "connect"]
        assert Counter(r["status"] for r in connects) == {
            "completed": CONNECT_CAP,
            "pending": 3,
        }
    waiting = api.get("/runs", params={"handle": UNPINNED[0], "status": "pending"}).json()
    assert all("quota" in r["waiting_reason"] for r in waiting["items"])

    # Kill -9 host h2 with a side-effecting and a read-only run in flight.
    write = _post(api, SLOW["write"], MIX[3])  # message: side-effecting
    read = _post(api, SLOW["read"], MIX[0])  # visit: read-only
    _until(
        lambda: {statuses(database)[write], statuses(database)[read]} == {"running"},
        20,
        "the slow runs did not start on h2",
    )
    cluster.kill("h2")
    # The other hosts go on: 60 more runs on h1's and h3's accounts complete meanwhile.
    others = [_post(api, PINNED[h][i % 10], MIX[i % 3]) for h in ("h1", "h3") for i in range(30)]
    h2_waits = _post(api, PINNED["h2"][0], MIX[0])
    _until(lambda: all(statuses(database)[i] == "completed" for i in others), 30, "h1/h3 stalled")
    # Once h2's leases lapse, another host recovers its runs: the side effect is
    # interrupted, the read is re-queued, and both stay off h1/h3 (pinned to h2).
    _until(lambda: statuses(database)[write] == "interrupted", 30, "write not interrupted")
    _until(lambda: statuses(database)[read] == "pending", 30, "read not re-queued")
    _until(lambda: "h2" not in _live_hosts(api), 4 * LEASE_S + 10, "h2 still listed live")
    reason = api.get(f"/runs/{read}").json()["waiting_reason"]
    assert "h2" in reason and "no live worker" in reason, reason
    assert statuses(database)[h2_waits] == "pending"

    # A new worker on h2 does the read-only run (second attempt) and h2's backlog.
    cluster.start_worker("h2", "h2-b")
    _until(lambda: statuses(database)[read] == "completed", 30, "read not redone on h2")
    _until(lambda: statuses(database)[h2_waits] == "completed", 30, "h2 backlog not done")
    assert statuses(database)[write] == "interrupted"
    events = cluster.events()
    starts = Counter(e.run_id for e in events if e.kind == "start")
    assert starts[write] == 1, "the side-effecting run must never run a second time"
    assert starts[read] == 2
    read_runs = [e for e in events if e.run_id == read and e.kind == "start"]
    assert [e.host for e in read_runs] == ["h2", "h2"]
    assert read_runs[0].pid != read_runs[1].pid
    assert all(starts[i] == 1 for i in others)
    assert sorted(_live_hosts(api)) == list(HOSTS)
