"""Every edge of the account status machine (account_status.py)."""

from __future__ import annotations

import pytest

from openoutreach_server.account_status import State, transition
from openoutreach_server.errors import Conflict

SESSION = ("active", "needs_login", "checkpoint", "restricted")
RUN_EVENTS = {
    "login_ok": "active",
    "session_lost": "needs_login",
    "checkpoint": "checkpoint",
    "restricted": "restricted",
}


@pytest.mark.parametrize("event", sorted(RUN_EVENTS))
@pytest.mark.parametrize("status", SESSION)
def test_what_a_run_learns_sets_the_status(status: str, event: str) -> None:
    after = transition(State(status, "old reason"), event, "why")  # type: ignore[arg-type]
    assert after.status == RUN_EVENTS[event]
    assert after.reason == (None if after.status == "active" else "why")
    assert after.paused_from is None


@pytest.mark.parametrize("event", sorted(RUN_EVENTS))
@pytest.mark.parametrize("before", SESSION)
def test_while_paused_a_run_changes_only_what_resume_returns_to(before: str, event: str) -> None:
    paused = transition(State(before), "pause", "holiday")
    after = transition(paused, event, "why")  # type: ignore[arg-type]
    assert (after.status, after.reason) == ("paused", "holiday")
    assert after.paused_from == RUN_EVENTS[event]
    resumed = transition(after, "resume")
    assert resumed.status == RUN_EVENTS[event]


@pytest.mark.parametrize("status", SESSION)
def test_pause_then_resume_returns_to_the_status_before(status: str) -> None:
    paused = transition(State(status, "r"), "pause", "holiday")
    assert (paused.status, paused.reason, paused.paused_from) == ("paused", "holiday", status)
    resumed = transition(paused, "resume")
    assert resumed.status == status
    assert resumed.reason == (None if status == "active" else "r")
    assert resumed.paused_from is None


def test_needs_login_paused_then_resumed_is_never_active() -> None:
    # The bug that mattered: pause -> resume used to lift needs_login to active.
    resumed = transition(transition(State("needs_login"), "pause"), "resume")
    assert resumed.status == "needs_login"


def test_pausing_a_paused_account_keeps_what_to_resume_to() -> None:
    once = transition(State("checkpoint", "pin"), "pause", "first")
    twice = transition(once, "pause", "second")
    assert (twice.status, twice.reason, twice.paused_from) == ("paused", "second", "checkpoint")


def test_the_breaker_pauses_only_an_active_account_and_resumes_it_active() -> None:
    tripped = transition(State("active"), "breaker", "3 failures")
    assert (tripped.status, tripped.paused_from) == ("paused", "active")
    assert transition(tripped, "resume").status == "active"
    for status in ("needs_login", "checkpoint", "restricted", "paused", "disabled"):
        assert transition(State(status), "breaker", "x").status == status


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", "needs_login"),
        ("needs_login", "needs_login"),
        ("checkpoint", "needs_login"),
        ("restricted", "restricted"),  # new credentials do not lift a restriction
        ("disabled", "disabled"),
    ],
)
def test_new_credentials_mean_a_new_login(status: str, expected: str) -> None:
    assert transition(State(status), "credentials_changed", "log in").status == expected


def test_new_credentials_while_paused_resume_to_needs_login() -> None:
    paused = transition(State("active"), "pause")
    after = transition(paused, "credentials_changed", "log in")
    assert (after.status, after.paused_from) == ("paused", "needs_login")


@pytest.mark.parametrize("status", [*SESSION, "disabled"])
def test_resume_of_an_account_not_paused_is_refused(status: str) -> None:
    if status == "disabled":
        assert transition(State("disabled"), "resume").status == "disabled"
        return
    with pytest.raises(Conflict):
        transition(State(status), "resume")


@pytest.mark.parametrize("event", [*RUN_EVENTS, "pause", "breaker", "credentials_changed"])
def test_a_disabled_account_never_changes(event: str) -> None:
    assert transition(State("disabled", "off"), event, "x") == State("disabled", "off")  # type: ignore[arg-type]
