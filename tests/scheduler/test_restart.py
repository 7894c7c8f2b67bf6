"""A real `serve` process with a schedule firing every second, stopped and restarted."""

from __future__ import annotations

import itertools
import sqlite3
import time
from pathlib import Path

from linkedin_sim import SimServer
from tests.support.serve import ServeProcess


def _fires(data_dir: Path, schedule_id: int) -> list[float]:
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        rows = conn.execute(
            "SELECT fire_time FROM runs WHERE schedule_id = ? ORDER BY fire_time", (schedule_id,)
        ).fetchall()
    return [r[0] for r in rows]


def _wait_fires(data_dir: Path, schedule_id: int, count: int, after: float = 0.0) -> None:
    deadline = time.monotonic() + 30
    while len([t for t in _fires(data_dir, schedule_id) if t > after]) < count:
        assert time.monotonic() < deadline, _fires(data_dir, schedule_id)
        time.sleep(0.1)


def test_a_schedule_fires_once_per_tick_across_a_restart(data_dir: Path, sim: SimServer) -> None:
    first = ServeProcess(data_dir, sim)
    try:
        # Not logged in: its runs stay pending, which is all this test needs (one run per tick).
        assert (
            first.client.post("/accounts", json={"handle": "demo", "li_at": "x"}).status_code == 201
        )
        body = {
            "handle": "demo",
            "touchpoint": {"type": "visit", "profile_url": sim.profile_url("jane-doe")},
            "cron": "* * * * * *",
        }
        created = first.client.post("/schedules", json=body)
        assert created.status_code == 201, created.text
        sid = created.json()["schedule_id"]
        _wait_fires(data_dir, sid, 3)
    finally:
        log = first.stop()
    assert "scheduler" in log and "stopped" in log, log
    stopped_at = time.time()
    before = _fires(data_dir, sid)

    second = ServeProcess(data_dir, sim)
    try:
        _wait_fires(data_dir, sid, 3, after=stopped_at)
        runs = second.client.get("/runs", params={"schedule_id": sid, "limit": 500}).json()
    finally:
        second.stop()
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        conn.row_factory = sqlite3.Row
        schedule = dict(conn.execute("SELECT * FROM schedules WHERE id = ?", (sid,)).fetchone())
    fires = _fires(data_dir, sid)
    assert fires[: len(before)] == before
    assert len(fires) == len(set(fires)), "a fire was duplicated"
    assert all(t == int(t) for t in fires), "fires are whole-second ticks"
    gaps = [b - a for a, b in itertools.pairwise(fires)]
    # Every tick is either one run or, while the server was down, counted as skipped.
    assert sum(g - 1 for g in gaps) == schedule["skipped_fires"], (gaps, schedule)
    # ... and only across the restart: before and after it, one run per consecutive tick.
    assert all(g == 1 for i, g in enumerate(gaps) if i != len(before) - 1), gaps
    assert schedule["fires"] == len(fires)
    assert {r["status"] for r in runs["items"]} == {"pending"}
    # Created within the tick it stands for (the poller sleeps until it, it does not poll).
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        late = [r[0] for r in conn.execute("SELECT created_at - fire_time FROM runs")]
    assert max(late) < 1.0, late
