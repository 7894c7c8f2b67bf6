"""A run whose browser is sent off the LinkedIn host fails OFF_HOST; the other host sees nothing."""

from __future__ import annotations

import httpx

from linkedin_sim import SimServer
from linkedin_sim.state import Fault
from tests.server.conftest import login, wait_run
from tests.support.other_host import OtherHost


def test_an_open_redirect_on_linkedin_fails_the_run_off_host(
    server: httpx.Client, sim: SimServer
) -> None:
    login(server, "demo", li_at="sim-li-at-demo")
    with OtherHost() as other:
        sim.state.add_fault(
            Fault(
                path_prefix="/in/jane-doe/",
                action="open_redirect",
                location=f"{other.url}/steal?session=1",
                times=1,
            )
        )
        created = server.post(
            "/runs",
            json={
                "handle": "demo",
                "touchpoint": {"type": "connect", "profile_url": sim.profile_url("jane-doe")},
            },
        )
        run = wait_run(server, created.json()["run_id"])
        assert other.hits == []
    assert run["status"] == "failed"
    assert (run["error_code"], run["retryable"]) == ("OFF_HOST", False)
    assert other.host in run["error"] and "/steal" not in run["error"]
    assert sim.invitations() == [] and sim.visits() == []
    # Not an account problem: the account stays active and its next run works.
    assert server.get("/accounts/demo").json()["status"] == "active"
    again = server.post(
        "/runs",
        json={
            "handle": "demo",
            "touchpoint": {"type": "visit", "profile_url": sim.profile_url("jane-doe")},
        },
    )
    assert wait_run(server, again.json()["run_id"])["status"] == "completed"
    assert [v["public_id"] for v in sim.visits()] == ["jane-doe"]
