"""Claims across hosts at the store level: concurrent claims on PostgreSQL, pinned accounts,
OO_CLAIM_UNPINNED."""

from __future__ import annotations

import time

import psycopg
import pytest

from openoutreach_server.config import Settings
from openoutreach_server.store import Store
from openoutreach_server.store.sql.runs import ClaimScope
from tests.support.store import add_accounts, add_run, statuses

LEASE_S = 60.0


@pytest.fixture
def db(database: Store) -> Store:
    return database


def _claim(db: Store, worker: str, limit: int, scope: ClaimScope | None = None) -> list[str]:
    claimed = db.runs.claim(
        now=time.time(), limit=limit, worker_id=worker, lease_s=LEASE_S, scope=scope
    )
    return sorted(run.handle for run in claimed)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_claim_goes_past_runs_another_host_is_taking(db: Store, settings: Settings) -> None:
    """Another host's claim holds the first candidates (row locks, not committed yet): this
    claim skips them and still takes `limit` runs from the next accounts."""
    add_accounts(db, ["a", "b", "c", "d"])
    ids = {handle: add_run(db, handle, now=time.time()) for handle in ["a", "b", "c", "d"]}
    assert settings.database_url is not None
    with psycopg.connect(settings.database_url) as other:  # the other host, mid-claim
        other.execute(
            "SELECT id FROM runs WHERE id = ANY(%s) FOR UPDATE", ([ids["a"], ids["b"]],)
        ).fetchall()
        assert _claim(db, "w-here", limit=2) == ["c", "d"]
        other.rollback()
    assert _claim(db, "w-other", limit=4) == ["a", "b"]


def test_a_host_claims_its_accounts_and_unpinned_ones(db: Store) -> None:
    add_accounts(db, ["mine"], home_host="h1")
    add_accounts(db, ["theirs"], home_host="h2")
    add_accounts(db, ["anyone"])
    for handle in ["mine", "theirs", "anyone"]:
        add_run(db, handle, now=time.time())
    assert _claim(db, "w1", 10, ClaimScope(host="h1", unpinned=True)) == ["anyone", "mine"]
    assert _claim(db, "w1", 10, ClaimScope(host="h1", unpinned=True)) == []
    assert _claim(db, "w2", 10, ClaimScope(host="h2", unpinned=True)) == ["theirs"]


def test_claim_unpinned_false_keeps_a_host_to_its_own_accounts(db: Store) -> None:
    add_accounts(db, ["mine"], home_host="h1")
    add_accounts(db, ["anyone"])
    add_run(db, "mine", now=time.time())
    anyone = add_run(db, "anyone", now=time.time())
    assert _claim(db, "w1", 10, ClaimScope(host="h1", unpinned=False)) == ["mine"]
    assert _claim(db, "w1", 10, ClaimScope(host="h1", unpinned=False)) == []
    assert statuses(db)[anyone] == "pending"
    assert _claim(db, "w3", 10, ClaimScope(host="h3", unpinned=True)) == ["anyone"]
