"""The poller on a FakeClock: exactly-once fires, coalescing, pause, two pollers, wake-ups."""

from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Any

import pytest

from openoutreach_server.clock import FakeClock
from openoutreach_server.config import Settings
from openoutreach_server.scheduling.poller import Scheduler
from openoutreach_server.store import Store, open_store
from tests.scheduler.conftest import add_schedule, fire_times, patch_schedule, schedule_row

T0 = 1_735_732_800.0  # 2025-01-01T12:00:00Z, a whole minute


def _fire(db: Store, clock: FakeClock, grace_s: float = 600.0, batch: int = 500) -> int:
    total = 0
    while True:
        result = db.schedules.fire_due(clock, grace_s=grace_s, max_attempts=3, batch=batch)
        total += result.fired
        if result.schedules < batch:
            return total


def test_each_due_fire_becomes_one_run_with_its_fire_time(db: Store) -> None:
    clock = FakeClock(T0)
    sid = add_schedule(db, T0, "* * * * * */2")
    assert _fire(db, clock) == 0  # created at T0: the first fire is T0 + 2
    for step in range(1, 11):
        clock.value = T0 + step + 0.01
        _fire(db, clock)
        _fire(db, clock)  # a second pass at the same instant fires nothing more
    assert fire_times(db, sid) == [T0 + 2 * k for k in range(1, 6)]
    row = schedule_row(db, sid)
    assert (row["fires"], row["skipped_fires"], row["last_fire_at"]) == (5, 0, T0 + 10)
    assert row["next_fire_at"] == T0 + 12
    with db.db.read() as conn:
        run = conn.execute("SELECT * FROM runs WHERE schedule_id = ?", (sid,)).fetchone()
    assert (run["handle"], run["type"], run["status"]) == ("jane", "visit", "pending")
    assert run["created_at"] == pytest.approx(T0 + 2.01)


def test_after_downtime_missed_fires_coalesce_into_the_latest_within_grace(db: Store) -> None:
    clock = FakeClock(T0)
    minutely = add_schedule(db, T0, "* * * * *")
    hourly = add_schedule(db, T0, "0 * * * *")
    clock.value = T0 + 3600 + 45  # down for an hour
    assert _fire(db, clock, grace_s=600) == 2
    assert fire_times(db, minutely) == [T0 + 3600]
    assert schedule_row(db, minutely)["skipped_fires"] == 59
    assert fire_times(db, hourly) == [T0 + 3600]
    assert schedule_row(db, hourly)["skipped_fires"] == 0
    clock.value = T0 + 2 * 3600 + 700  # 11 min 40 s past the hour: beyond the grace
    _fire(db, clock, grace_s=600)
    assert fire_times(db, hourly) == [T0 + 3600]
    assert schedule_row(db, hourly)["skipped_fires"] == 1
    assert schedule_row(db, hourly)["next_fire_at"] == T0 + 3 * 3600


def test_a_paused_schedule_fires_nothing_and_resuming_does_not_make_up(db: Store) -> None:
    clock = FakeClock(T0)
    sid = add_schedule(db, T0, "* * * * * *")
    patch_schedule(db, sid, {"active": False}, T0)
    clock.value = T0 + 30
    assert _fire(db, clock) == 0
    assert db.schedules.next_due() is None
    row = patch_schedule(db, sid, {"active": True}, clock.value)
    assert row["next_fire_at"] == T0 + 31
    clock.value = T0 + 31
    _fire(db, clock)
    assert fire_times(db, sid) == [T0 + 31]
    assert schedule_row(db, sid)["skipped_fires"] == 0


def test_patching_the_cron_or_timezone_recomputes_the_next_fire(db: Store) -> None:
    sid = add_schedule(db, T0, "0 9 * * *", "UTC")
    assert schedule_row(db, sid)["next_fire_at"] == T0 + 21 * 3600  # tomorrow 09:00 UTC
    row = patch_schedule(db, sid, {"timezone": "America/New_York"}, T0)
    assert row["next_fire_at"] == T0 + 2 * 3600  # 09:00 EST = 14:00 UTC today
    assert schedule_row(db, sid)["next_fire_at"] == T0 + 2 * 3600  # and it is stored
    row = patch_schedule(db, sid, {"cron": "30 12 * * *"}, T0 + 1)
    assert row["next_fire_at"] == T0 + 5 * 3600 + 1800  # 12:30 EST = 17:30 UTC
    assert schedule_row(db, sid)["next_fire_at"] == T0 + 5 * 3600 + 1800
    row = patch_schedule(db, sid, {"tags": ["x"]}, T0 + 2)
    assert row["next_fire_at"] == T0 + 5 * 3600 + 1800  # unchanged: timing did not change


def test_dst_fires_across_spring_forward_and_fall_back(db: Store) -> None:
    # Paris, 2024-03-31 00:10 local; every 30 minutes through the night of the jump.
    start = 1_711_840_200.0
    clock = FakeClock(start)
    sid = add_schedule(db, start, "*/30 * * * *", "Europe/Paris")
    for _ in range(12):
        clock.value = schedule_row(db, sid)["next_fire_at"]
        _fire(db, clock)
    times = fire_times(db, sid)
    assert len(times) == 12 and len(set(times)) == 12
    # 00:30 01:00 01:30 | 03:00 ...: the UTC spacing stays 30 minutes across the jump.
    assert {b - a for a, b in itertools.pairwise(times)} == {1800.0}
    # Fall back (2024-10-27): 02:00 and 02:30 happen twice, so 4 fires in that UTC span.
    start = 1_729_980_000.0  # 2024-10-27 00:00 CEST
    sid2 = add_schedule(db, start, "*/30 2 * * *", "Europe/Paris")
    clock.value = start
    for _ in range(4):
        clock.value = schedule_row(db, sid2)["next_fire_at"]
        _fire(db, clock)
    times = fire_times(db, sid2)
    assert [t - times[0] for t in times] == [0, 1800, 3600, 5400]


def test_a_schedule_whose_account_is_gone_is_paused(db: Store) -> None:
    clock = FakeClock(T0)
    sid = add_schedule(db, T0, "* * * * * *")
    with db.db.write() as conn:
        conn.execute("DELETE FROM accounts WHERE handle = 'jane'")
    clock.value = T0 + 5
    assert _fire(db, clock) == 0
    assert schedule_row(db, sid)["active"] == 0
    assert schedule_row(db, sid)["next_fire_at"] is None
    assert fire_times(db, sid) == []


def test_many_schedules_fire_in_batches(db: Store) -> None:
    clock = FakeClock(T0)
    ids = [add_schedule(db, T0, "* * * * * */5") for _ in range(120)]
    clock.value = T0 + 5
    assert _fire(db, clock, batch=50) == 120
    assert all(fire_times(db, sid) == [T0 + 5] for sid in ids)


def test_two_pollers_on_one_database_never_duplicate_a_fire(settings: Settings) -> None:
    dbs = [open_store(settings) for _ in range(2)]
    from tests.support.store import add_accounts

    add_accounts(dbs[0], ["jane"])
    clock = FakeClock(T0)
    ids = [add_schedule(dbs[0], T0, "* * * * * *") for _ in range(40)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def poll(db: Store) -> None:
        try:
            for step in range(1, 31):
                barrier.wait(timeout=10)
                # Both pollers see the same instant, as two processes would.
                local = FakeClock(T0 + step + 0.5)
                while db.schedules.fire_due(local, grace_s=600, max_attempts=3, batch=7).schedules:
                    pass
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=poll, args=(db,)) for db in dbs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    for sid in ids:
        times = fire_times(dbs[0], sid)
        assert times == [T0 + k for k in range(1, 31)]  # every tick once, in order
    # And even a poller that replays a fire by hand cannot insert it twice.
    from openoutreach_server.store.records import NewRun
    from openoutreach_server.store.sql.inserts import INSERT_FIRE, insert_values

    new = NewRun(handle="jane", type="visit", touchpoint={}, side_effecting=False)
    with dbs[0].db.write() as conn:
        replay = (*insert_values(new, clock.now()), ids[0], T0 + 1)
        assert conn.execute(INSERT_FIRE, replay).fetchone() is None
        other = (*insert_values(new, clock.now()), ids[0], T0 + 0.5)
        assert conn.execute(INSERT_FIRE, other).fetchone() is not None
    for db in dbs:
        db.dispose()


async def test_the_poller_loop_fires_on_wake_without_sleeping(
    db: Store, settings: Settings
) -> None:
    clock = FakeClock(T0)
    notified: list[int] = []
    sched = Scheduler(db, settings, clock=clock, notify=lambda: notified.append(1))
    await sched.start()
    try:
        await asyncio.wait_for(sched.idle.wait(), 5)
        sid = add_schedule(db, T0, "* * * * * */10")
        for step in (10, 20, 30):
            sched.idle.clear()
            clock.value = T0 + step
            sched.wake()  # what the API does; the FakeClock never makes the loop sleep-wake
            await asyncio.wait_for(sched.idle.wait(), 5)
            while len(fire_times(db, sid)) < step // 10:  # a wake during a tick: one more tick
                sched.idle.clear()
                await asyncio.wait_for(sched.idle.wait(), 5)
        assert fire_times(db, sid) == [T0 + 10, T0 + 20, T0 + 30]
        assert len(notified) == 3 and sched.fired == 3
    finally:
        await sched.stop()


async def test_the_poller_sleeps_until_the_next_fire_then_fires_it(
    db: Store, settings: Settings
) -> None:
    from openoutreach_server.clock import SystemClock

    clock = SystemClock()
    sched = Scheduler(db, settings, clock=clock)
    await sched.start()
    try:
        await asyncio.wait_for(sched.idle.wait(), 5)
        ticks = sched.ticks
        sid = add_schedule(db, clock.now(), "* * * * * *")
        sched.wake()
        await _until(lambda: len(fire_times(db, sid)) >= 2)
        # One tick per fire (plus the wake-up's): it sleeps, it does not spin.
        assert sched.ticks - ticks <= 4
        with db.db.read() as conn:
            lateness = [
                r["late"]
                for r in conn.execute("SELECT created_at - fire_time AS late FROM runs").fetchall()
            ]
        assert all(0 <= late < 0.5 for late in lateness), lateness
    finally:
        await sched.stop()


async def _until(predicate: Any, limit_s: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)
