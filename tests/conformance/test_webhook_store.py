"""The webhook port on both backends: each event fanned out exactly once per endpoint, a
delivery taken by one sender at a time, and event ids that commit in order (a reader that
follows the cursor never skips one)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from openoutreach_server.store import Store
from openoutreach_server.store.sql.events import add_event
from openoutreach_server.store.sql.webhooks import Attempt
from tests.support.store import add_accounts, add_run, execute

T0 = 1_800_000_000.0


@pytest.fixture
def db(database: Store) -> Store:
    add_accounts(database, ["a"], now=T0 - 86400)
    return database


def _event(
    db: Store, type_: str = "run.completed", now: float = T0, run_id: int | None = None
) -> None:
    with db.db.write() as conn:
        add_event(conn, type_, {"n": 1}, now, handle="a", run_id=run_id)


def _deliveries(db: Store) -> list[tuple[int, int | None, str]]:
    with db.db.read() as conn:
        rows = conn.execute(
            "SELECT event_id, webhook_id, url FROM deliveries ORDER BY event_id, id"
        ).fetchall()
    return [(int(r["event_id"]), r["webhook_id"], r["url"]) for r in rows]


def test_fan_out_follows_filters_creation_time_and_callbacks(db: Store) -> None:
    hooks = db.webhooks
    early = hooks.create("http://e/all", None, None, True, b"s", T0 - 10)
    failed_only = hooks.create("http://e/failed", ["run.failed"], None, True, b"s", T0 - 10)
    hooks.create("http://e/off", None, None, False, b"s", T0 - 10)
    run_id = add_run(db, "a", now=T0, callback_url="http://e/cb")
    _event(db, "run.completed", T0, run_id)
    _event(db, "run.failed", T0 + 1)
    late = hooks.create("http://e/late", None, None, True, b"s", T0 + 2)
    _event(db, "account.status_changed", T0 + 3)
    assert hooks.fan_out(T0 + 5) == 3
    assert hooks.fan_out(T0 + 5) == 0
    assert _deliveries(db) == [
        (1, early.id, "http://e/all"),
        (1, None, "http://e/cb"),
        (2, early.id, "http://e/all"),
        (2, failed_only.id, "http://e/failed"),
        (3, early.id, "http://e/all"),
        (3, late.id, "http://e/late"),
    ]
    assert hooks.pending_events() == 0


def test_concurrent_fan_outs_make_each_delivery_once(db: Store) -> None:
    hooks = [db.webhooks.create(f"http://e/{i}", None, None, True, b"s", T0) for i in range(3)]
    for i in range(300):
        _event(db, now=T0 + i)
    threads = [
        threading.Thread(target=lambda: [db.webhooks.fan_out(T0 + 400, 25) for _ in range(20)])
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pairs = Counter((e, w) for e, w, _ in _deliveries(db))
    assert len(pairs) == 300 * len(hooks) and set(pairs.values()) == {1}


def test_a_delivery_is_taken_by_one_sender_until_its_lock_runs_out(db: Store) -> None:
    db.webhooks.create("http://e/x", None, None, True, b"s", T0)
    for i in range(200):
        _event(db, now=T0 + i)
    db.webhooks.fan_out(T0 + 300, 1000)
    taken: list[int] = []
    lock = threading.Lock()

    def sender() -> None:
        while batch := db.webhooks.claim(T0 + 300, 16, 60):
            with lock:
                taken.extend(d.id for d in batch)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 200 and len(set(taken)) == 200
    assert db.webhooks.claim(T0 + 359, 500, 60) == []  # still locked
    again = db.webhooks.claim(T0 + 361, 500, 60)  # the senders died: taken again
    assert len(again) == 200 and {d.attempts for d in again} == {2}
    assert db.webhooks.next_due() == pytest.approx(T0 + 421)


def test_outcomes_retry_give_up_and_disable(db: Store) -> None:
    hook = db.webhooks.create("http://e/x", None, None, True, b"s", T0)
    for i in range(3):
        _event(db, now=T0 + i)
    db.webhooks.fan_out(T0 + 10)
    first, second, third = db.webhooks.claim(T0 + 10, 10, 30)
    disabled = db.webhooks.record(
        [
            Attempt(first.id, hook.id, True, 204, None, 12.5),
            Attempt(second.id, hook.id, False, 500, "HTTP 500", 3.0, retry_at=T0 + 70),
            Attempt(third.id, hook.id, False, None, "could not connect", 1.0, retry_at=None),
        ],
        T0 + 11,
        86400,
    )
    assert disabled == 0
    log = {d.id: d for d in db.webhooks.deliveries(hook.id)}
    assert (log[first.id].status, log[first.id].delivered_at) == ("delivered", T0 + 11)
    assert (log[second.id].status, log[second.id].next_attempt_at) == ("pending", T0 + 70)
    assert (log[third.id].status, log[third.id].last_error) == ("failed", "could not connect")
    stored = db.webhooks.get(hook.id)
    assert stored is not None and stored.failing_since == T0 + 11
    [retry] = db.webhooks.claim(T0 + 70, 10, 30)
    gone = Attempt(retry.id, hook.id, False, 410, "HTTP 410", 2.0, disable="410 Gone")
    assert db.webhooks.record([gone], T0 + 71, 86400) == 1
    stored = db.webhooks.get(hook.id)
    assert stored is not None and not stored.enabled and stored.disabled_reason == "410 Gone"
    [event] = db.events.after(0, types=["webhook.disabled"])
    assert event.data == {"webhook_id": hook.id, "url": "http://e/x", "reason": "410 Gone"}
    _event(db, now=T0 + 80)
    db.webhooks.fan_out(T0 + 90)  # the webhook.disabled event and this one: not to it
    assert db.webhooks.claim(T0 + 100, 10, 30) == []


def test_an_endpoint_failing_too_long_is_disabled(db: Store) -> None:
    hook = db.webhooks.create("http://e/x", None, None, True, b"s", T0)
    _event(db, now=T0)
    _event(db, now=T0 + 1)
    db.webhooks.fan_out(T0 + 2)
    one, two = db.webhooks.claim(T0 + 2, 10, 30)
    fail = "HTTP 503"
    db.webhooks.record([Attempt(one.id, hook.id, False, 503, fail, 1, T0 + 9)], T0 + 3, 3600)
    assert db.webhooks.get(hook.id).enabled  # type: ignore[union-attr]
    disabled = db.webhooks.record(
        [Attempt(two.id, hook.id, False, 503, fail, 1, T0 + 9999)], T0 + 3 + 3600, 3600
    )
    assert disabled == 1
    stored = db.webhooks.get(hook.id)
    assert stored is not None and "failed for 0.0 days" in str(stored.disabled_reason)
    with db.db.read() as conn:
        statuses = [r["status"] for r in conn.execute("SELECT status FROM deliveries")]
    assert sorted(statuses) == ["canceled", "canceled"]


def test_event_ids_commit_in_order_for_a_reader_following_the_cursor(db: Store) -> None:
    stop = threading.Event()
    seen: list[int] = []

    def reader() -> None:
        cursor = 0
        while not stop.is_set() or db.events.after(cursor, limit=1):
            for event in db.events.after(cursor, limit=500):
                seen.append(event.id)
                cursor = event.id

    def writer() -> None:
        for _ in range(40):
            with db.db.write() as conn:
                add_event(conn, "run.completed", {}, T0)
                time.sleep(0.002)  # a slow transaction: a later one may commit first

    follow = threading.Thread(target=reader)
    follow.start()
    writers = [threading.Thread(target=writer) for _ in range(4)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    follow.join()
    assert seen == sorted(seen) and len(seen) == 160 == len(set(seen))


def test_redeliver_makes_new_deliveries_of_the_same_event(db: Store) -> None:
    hook = db.webhooks.create("http://e/x", None, None, True, b"s", T0)
    run_id = add_run(db, "a", now=T0, callback_url="http://e/cb")
    _event(db, "run.completed", T0, run_id)
    made = db.webhooks.redeliver(1, [hook.id], True, T0 + 5)
    assert [(d.event_id, d.webhook_id, d.url, d.status) for d in made] == [
        (1, hook.id, "http://e/x", "pending"),
        (1, None, "http://e/cb", "pending"),
    ]
    assert db.webhooks.redeliver(99, [hook.id], True, T0) == []
    execute(db, "DELETE FROM runs")
    assert [d.webhook_id for d in db.webhooks.redeliver(1, [], True, T0)] == []
