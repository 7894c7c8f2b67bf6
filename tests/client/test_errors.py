"""Each error class from a real server answer, with its problem+json details."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from linkedin_sim import SimServer
from openoutreach_client import (
    ApiError,
    Client,
    Conflict,
    ConnectInput,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    ServerError,
    Unauthorized,
    VisitInput,
)
from tests.client.conftest import PROFILE, execute, rows


def test_wrong_key_is_unauthorized_with_the_request_id(api: httpx.Client) -> None:
    with Client(str(api.base_url), "wrong-key") as oo:
        with pytest.raises(Unauthorized) as err:
            oo.accounts.list()
        assert oo.health().status == "ok"  # the one public endpoint
    problem = err.value
    assert (problem.status, problem.title) == (401, "Unauthorized")
    assert "X-API-Key" in problem.detail
    assert problem.request_id and len(problem.request_id) == 16
    assert isinstance(problem, ApiError) and problem.request_id in str(problem)


def test_unknown_things_are_not_found(oo: Client) -> None:
    for attempt in (
        lambda: oo.accounts.get("nobody"),
        lambda: oo.runs.get(424242),
        lambda: oo.schedules.delete(424242),
    ):
        with pytest.raises(NotFound) as err:
            attempt()
        assert err.value.status == 404 and err.value.detail


def test_conflicts(oo: Client, data_dir: Path) -> None:
    oo.accounts.create("jane", li_at="cookie-value")
    with pytest.raises(Conflict) as err:
        oo.accounts.create("jane", li_at="cookie-value")
    assert "jane" in err.value.detail
    oo.runs.create("jane", VisitInput(profile_url=PROFILE), idempotency_key="k-1")
    with pytest.raises(Conflict):
        oo.runs.create("jane", VisitInput(profile_url=PROFILE, scroll=False), idempotency_key="k-1")
    assert len(rows(data_dir, "SELECT id FROM runs")) == 1


def test_invalid_input_names_each_field_and_writes_nothing(oo: Client, data_dir: Path) -> None:
    oo.accounts.create("jane", li_at="cookie-value")
    with pytest.raises(InvalidInput) as err:
        oo.runs.create(
            "jane",
            {"type": "connect", "profile_url": PROFILE, "note": "Hi\r\nJohn"},
            priority=500,
        )
    problem = err.value
    assert problem.status == 422 and problem.title == "Invalid input"
    assert set(problem.fields) == {"touchpoint.note", "priority"}
    assert "carriage return" in problem.fields["touchpoint.note"]
    assert all(e.field and e.message for e in problem.errors)
    with pytest.raises(InvalidInput) as err:
        oo.runs.create(
            "jane", ConnectInput(profile_url="https://evil.example/in/jane-doe/", note="Hi")
        )
    assert "must be on the LinkedIn host" in err.value.fields["touchpoint.profile_url"]
    with pytest.raises(InvalidInput) as err:
        oo.accounts.create("Bad Handle!")
    assert list(err.value.fields) == ["handle"]
    assert rows(data_dir, "SELECT id FROM runs") == []
    assert len(rows(data_dir, "SELECT handle FROM accounts")) == 1


def test_a_big_body_is_payload_too_large(oo: Client, data_dir: Path) -> None:
    oo.accounts.create("jane", li_at="cookie-value")
    with pytest.raises(PayloadTooLarge) as err:
        oo.runs.create(
            "jane", {"type": "connect", "profile_url": PROFILE, "note": "x" * 2 * 1024 * 1024}
        )
    assert err.value.status == 413 and "1048576" in err.value.detail
    assert rows(data_dir, "SELECT id FROM runs") == []


def test_a_server_failure_is_a_server_error_with_the_request_id(oo: Client, data_dir: Path) -> None:
    execute(data_dir, "DROP TABLE schedules")  # the server can no longer list schedules
    with pytest.raises(ServerError) as err:
        oo.schedules.list()
    problem = err.value
    assert problem.status == 500 and problem.request_id
    assert problem.request_id in problem.detail  # the body names it, for the operator's logs
    assert "Traceback" not in problem.detail


def test_an_answer_that_is_not_problem_json_still_raises_by_status(sim: SimServer) -> None:
    with Client(sim.base_url, "any-key") as oo, pytest.raises(NotFound) as err:
        oo.runs.get(1)  # the simulator has no /runs: its own 404, not problem+json
    assert err.value.status == 404 and err.value.title == "Not Found"
