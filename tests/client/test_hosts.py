"""`client.hosts`, `accounts.set_home_host` and `accounts.invitations` against a real server
with a worker on host `client-h1` (fake touchpoints: a connect reports an invitation sent)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from openoutreach_client import (
    AsyncClient,
    Client,
    ConnectInput,
    Host,
    InvalidInput,
    Invitation,
    NotFound,
)
from tests.client.conftest import PROFILE, WORKER_HOST, rows
from tests.conftest import API_KEY


def test_hosts_list_the_worker_and_home_host_pins_and_unpins(
    worker: Client, data_dir: Path
) -> None:
    oo = worker
    [host] = oo.hosts.list()
    assert isinstance(host, Host)
    assert (host.host, host.live, host.accounts) == (WORKER_HOST, True, [])
    [proc] = host.workers
    assert proc.pid == os.getpid()  # the test's server runs in this process
    assert host.capacity == proc.capacity > 0

    oo.accounts.create("jane", li_at="cookie-value")
    assert oo.accounts.get("jane").home_host is None
    pinned = oo.accounts.set_home_host("jane", WORKER_HOST)
    assert pinned.home_host == WORKER_HOST == oo.accounts.get("jane").home_host
    assert rows(data_dir, "SELECT home_host FROM accounts") == [{"home_host": WORKER_HOST}]
    assert [(h.host, h.accounts) for h in oo.hosts.list()] == [(WORKER_HOST, ["jane"])]

    elsewhere = oo.accounts.set_home_host("jane", "h9")
    assert elsewhere.home_host == "h9"
    far = {h.host: h for h in oo.hosts.list()}
    assert (far["h9"].live, far["h9"].workers, far["h9"].accounts) == (False, [], ["jane"])

    unpinned = oo.accounts.set_home_host("jane", None)
    assert unpinned.home_host is None and oo.accounts.get("jane").home_host is None
    assert rows(data_dir, "SELECT home_host FROM accounts") == [{"home_host": None}]
    assert [(h.host, h.accounts) for h in oo.hosts.list()] == [(WORKER_HOST, [])]

    with pytest.raises(InvalidInput) as bad:
        oo.accounts.set_home_host("jane", "has space")
    assert set(bad.value.fields) == {"host"}
    with pytest.raises(NotFound):
        oo.accounts.set_home_host("nobody", WORKER_HOST)


def test_invitations_a_connect_sent(worker: Client) -> None:
    oo = worker
    oo.accounts.create("jane", li_at="cookie-value")
    assert oo.accounts.invitations("jane") == []  # a fresh account watches nothing
    oo.accounts.login("jane", wait=20).run.raise_for_error()
    run = oo.runs.create("jane", ConnectInput(profile_url=PROFILE))
    oo.wait_for(run, timeout=30).raise_for_error()

    [sent] = oo.accounts.invitations("jane")
    assert isinstance(sent, Invitation)
    assert (sent.public_identifier, sent.profile_url, sent.status, sent.run_id) == (
        "john-smith",
        PROFILE,
        "pending",
        run.run_id,
    )
    assert sent.missing_since is None and sent.resolved_at is None
    assert [i.run_id for i in oo.accounts.invitations("jane", status="pending")] == [run.run_id]
    assert oo.accounts.invitations("jane", status="accepted") == []
    with pytest.raises(NotFound):
        oo.accounts.invitations("nobody")


async def test_async_hosts_home_host_and_invitations(api: httpx.Client, data_dir: Path) -> None:
    async with AsyncClient(str(api.base_url), API_KEY) as oo:
        assert await oo.hosts.list() == []  # API only: no worker, nothing pinned
        await oo.accounts.create("jane", li_at="cookie-value")
        assert (await oo.accounts.set_home_host("jane", "h2")).home_host == "h2"
        [host] = await oo.hosts.list()
        assert (host.host, host.live, host.accounts) == ("h2", False, ["jane"])
        assert (await oo.accounts.set_home_host("jane", None)).home_host is None
        assert rows(data_dir, "SELECT home_host FROM accounts") == [{"home_host": None}]
        assert await oo.accounts.invitations("jane") == []
        with pytest.raises(NotFound):
            await oo.accounts.invitations("nobody")
