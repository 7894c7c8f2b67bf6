"""The browser stays on the LinkedIn host, even when LinkedIn itself redirects elsewhere."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page

from linkedin.browser.host_guard import routed_requests
from linkedin.browser.login import import_li_at
from linkedin.browser.navigation import goto
from linkedin.browser.pace import Pace
from linkedin.browser.pool import BrowserPool, Identity
from linkedin.touchpoints.editor import click
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import parse_touchpoint
from linkedin.touchpoints.runner import TouchpointContext, run_touchpoint
from linkedin_sim import SimServer
from linkedin_sim.state import Fault
from tests.support.other_host import OtherHost

DEMO_LI_AT = "sim-li-at-demo"


@pytest.fixture
def other() -> Iterator[OtherHost]:
    with OtherHost() as server:
        yield server


@pytest.fixture
async def pool(sim: SimServer) -> AsyncIterator[BrowserPool]:
    browser_pool = BrowserPool(max_contexts=1, allowed_host=sim.base_url)
    yield browser_pool
    await browser_pool.close()


async def _none() -> dict[str, Any] | None:
    return None


async def _drop(state: dict[str, Any]) -> None:
    return None


def _session(pool: BrowserPool) -> Any:
    return pool.session("demo", identity=Identity(), load_state=_none, save_state=_drop)


async def _visit(page: Page, sim: SimServer, public_id: str) -> Any:
    touchpoint = parse_touchpoint(
        {"type": "visit", "profile_url": sim.profile_url(public_id), "dwell_s": [0, 0]},
        sim.base_url,
    )
    return await run_touchpoint(
        page, touchpoint, TouchpointContext(sim.base_url, Pace("fast", random.Random(0)))
    )


def _assert_off_host(err: TouchpointError, other: OtherHost) -> None:
    assert err.code == ErrorCode.OFF_HOST
    assert err.retryable is False
    assert other.host in err.message and "the page was closed" in err.message
    assert "/landed" not in err.message and "token" not in err.message  # the host only
    assert err.details == {"host": other.host}


def test_the_simulator_never_redirects_off_site(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.base_url, cookies={"li_at": DEMO_LI_AT}) as client:
        for target in (
            "/\\evil.example/x",
            "//evil.example/x",
            "/\t/evil.example/",
            "https://evil.example/",
        ):
            answer = client.get("/login", params={"session_redirect": target})
            assert (answer.status_code, answer.headers["location"]) == (302, "/feed/"), target
        answer = client.get("/login", params={"session_redirect": "/in/jane-doe/"})
        assert answer.headers["location"] == "/in/jane-doe/"
    # The single documented exception, for these tests: the open_redirect fault.
    sim.state.add_fault(
        Fault(path_prefix="/in/jane-doe/", action="open_redirect", location="http://x.test/")
    )
    answer = httpx.get(sim.profile_url("jane-doe"))
    assert (answer.status_code, answer.headers["location"]) == (302, "http://x.test/")
    refused = httpx.post(
        f"{sim.base_url}/__sim/faults", json={"path_prefix": "/", "action": "open_redirect"}
    )
    assert refused.status_code == 422


async def test_a_redirect_off_host_after_a_navigation_stops_the_run(
    pool: BrowserPool, sim: SimServer, other: OtherHost
) -> None:
    sim.state.add_fault(
        Fault(
            path_prefix="/in/jane-doe/",
            action="open_redirect",
            location=f"{other.url}/landed?token=abc",
        )
    )
    async with _session(pool) as page:
        await import_li_at(page.context, sim.base_url, DEMO_LI_AT)
        with pytest.raises(TouchpointError) as err:
            await _visit(page, sim, "jane-doe")
        _assert_off_host(err.value, other)
        assert page.url == "about:blank"
    assert other.hits == []  # the redirect hop never left the browser
    # The same warm page goes on working on the LinkedIn host.
    async with _session(pool) as page:
        result = await _visit(page, sim, "john-smith")
    assert result.public_identifier == "john-smith"
    assert [v["public_id"] for v in sim.visits()] == ["john-smith"]


async def test_a_redirect_off_host_after_a_click_stops_the_run(
    pool: BrowserPool, sim: SimServer, other: OtherHost
) -> None:
    async with _session(pool) as page:
        await import_li_at(page.context, sim.base_url, DEMO_LI_AT)
        await goto(page, sim.base_url + "/feed/")
        sim.state.add_fault(
            Fault(path_prefix="/messaging/", action="open_redirect", location=f"{other.url}/landed")
        )
        with pytest.raises(TouchpointError) as err:
            await click(page.locator('a[href="/messaging/"]'), "Messaging")
        _assert_off_host(err.value, other)
        assert page.url == "about:blank"
    assert other.hits == []


async def test_links_scripts_and_popups_cannot_leave_the_host(
    pool: BrowserPool, sim: SimServer, other: OtherHost
) -> None:
    async with _session(pool) as page:
        await import_li_at(page.context, sim.base_url, DEMO_LI_AT)
        await goto(page, sim.base_url + "/feed/")
        await _visit(page, sim, "jane-doe")
        # Requests on the host never reach the route's handler (the driver filters them).
        assert routed_requests(page.context) == 0
        # Other hosts' images load (only main-frame navigations are stopped)...
        await page.evaluate(
            "(src) => new Promise((done) => { const img = new Image(); img.onload = img.onerror"
            " = done; img.src = src; document.body.append(img); })",
            f"{other.url}/pixel.png",
        )
        assert [(h.path, h.dest) for h in other.hits] == [("/pixel.png", "image")]
        assert routed_requests(page.context) == 1
        # ...a popup to another host goes nowhere...
        await page.evaluate(
            "(url) => { const a = document.createElement('a'); a.id = 'pop'; a.href = url;"
            " a.target = '_blank'; a.textContent = 'pop'; document.body.prepend(a); }",
            f"{other.url}/popup",
        )
        await page.locator("#pop").click()
        # The popup's navigation reaches the route and is aborted (Playwright reports a
        # popup only once its first navigation ends, so there is no page to look at).
        for _ in range(200):
            if routed_requests(page.context) == 2:
                break
            await asyncio.sleep(0.05)
        assert routed_requests(page.context) == 2
        # ...and a link the page's script points elsewhere fails the click.
        await page.evaluate(
            "(url) => { const a = document.createElement('a'); a.id = 'out'; a.href = url;"
            " a.textContent = 'out'; document.body.prepend(a); }",
            f"{other.url}/landed",
        )
        with pytest.raises(TouchpointError) as err:
            await click(page.locator("#out"), "a link")
        _assert_off_host(err.value, other)
        assert page.url == "about:blank"
    assert other.documents() == []
