"""wait_for: a few long-polls, never a tight loop; WaitTimeout when the run does not end."""

from __future__ import annotations

import threading
import time

import pytest

from openoutreach_client import (
    Client,
    ErrorCode,
    LongPollWaiter,
    RunFailed,
    VisitInput,
    WaitTimeout,
)
from tests.client.conftest import PROFILE, Requests
from tests.conftest import API_KEY


def _cancel_later(oo: Client, run_id: int, after_s: float) -> threading.Thread:
    """End the run from elsewhere after a while (no worker here: a cancel ends it)."""

    def cancel() -> None:
        time.sleep(after_s)
        oo.runs.cancel(run_id)

    thread = threading.Thread(target=cancel, daemon=True)
    thread.start()
    return thread


def test_a_two_second_run_costs_one_or_two_gets(api_requests: tuple[Client, Requests]) -> None:
    oo, sent = api_requests
    oo.accounts.create("jane", li_at="cookie-value")
    run = oo.runs.create("jane", VisitInput(profile_url=PROFILE))
    path = f"/runs/{run.run_id}"
    ender = _cancel_later(oo, run.run_id, 2.0)
    ended = oo.wait_for(run, timeout=60)
    ender.join()
    assert ended.status == "canceled" and ended.run_id == run.run_id
    assert 1 <= sent.count("GET", path) <= 2
    with pytest.raises(RunFailed) as err:
        ended.raise_for_error()
    assert err.value.code is ErrorCode.CANCELED and err.value.retryable is False
    # An ended run never changes: waiting for it again asks nothing.
    before = len(sent.sent)
    assert oo.wait_for(ended) is ended
    assert len(sent.sent) == before


def test_short_long_polls_still_cost_few_requests(api_requests: tuple[Client, Requests]) -> None:
    oo, sent = api_requests
    oo.waiter = LongPollWaiter(poll_s=0.5)  # each long-poll at most 0.5 s
    oo.accounts.create("jane", li_at="cookie-value")
    run = oo.runs.create("jane", VisitInput(profile_url=PROFILE))
    ender = _cancel_later(oo, run.run_id, 2.0)
    assert oo.wait_for(run.run_id, timeout=60).status == "canceled"
    ender.join()
    # ~2 s at one request per second at most (min_interval_s), never a tight loop.
    assert 2 <= sent.count("GET", f"/runs/{run.run_id}") <= 4


def test_wait_timeout_carries_the_pending_run(api_requests: tuple[Client, Requests]) -> None:
    oo, sent = api_requests
    oo.accounts.create("jane", li_at="cookie-value")
    run = oo.runs.create("jane", VisitInput(profile_url=PROFILE))
    with pytest.raises(WaitTimeout) as err:
        oo.wait_for(run, timeout=1.5)
    assert err.value.run.run_id == run.run_id and err.value.run.status == "pending"
    assert err.value.timeout == 1.5
    assert sent.count("GET", f"/runs/{run.run_id}") <= 2


def test_a_long_poll_longer_than_the_http_timeout_is_not_cut_off(
    api_requests: tuple[Client, Requests],
) -> None:
    oo, _ = api_requests
    oo.accounts.create("jane", li_at="cookie-value")
    run = oo.runs.create("jane", VisitInput(profile_url=PROFILE))
    with Client(oo.base_url, API_KEY, timeout=0.5) as quick:
        # The server holds the answer 1.5 s; the read timeout stretches by that wait.
        assert quick.runs.get(run.run_id, wait=1.5).status == "pending"
        with pytest.raises(WaitTimeout):
            quick.wait_for(run, timeout=1.5)
