"""Password login, checkpoints and li_at import against the simulator."""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext, Page

from linkedin.browser.login import (
    import_li_at,
    login_with_password,
    submit_checkpoint_pin,
    verify_session,
)
from linkedin.browser.pace import Pace
from linkedin.browser.page_state import PageState, classify_url
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin_sim import SimServer
from linkedin_sim.state import Fault
from tests.browser.conftest import DEMO_LI_AT, DEMO_PASSWORD, DEMO_USER

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def li_at(context: BrowserContext) -> str | None:
    return next((c["value"] for c in await context.cookies() if c["name"] == "li_at"), None)


async def test_password_login(
    anon_page: Page, context: BrowserContext, sim: SimServer, pace: Pace
) -> None:
    await login_with_password(anon_page, sim.base_url, DEMO_USER, DEMO_PASSWORD, pace)
    assert classify_url(anon_page.url) == PageState.FEED
    assert await li_at(context) == DEMO_LI_AT
    assert [(e["account"], e["ok"]) for e in sim.logins()] == [(DEMO_USER, True)]


@pytest.mark.parametrize(
    ("username", "password"),
    [(DEMO_USER, "wrong-password"), ("nobody@example.com", DEMO_PASSWORD)],
)
async def test_wrong_credentials(
    anon_page: Page,
    context: BrowserContext,
    sim: SimServer,
    pace: Pace,
    username: str,
    password: str,
) -> None:
    with pytest.raises(TouchpointError) as err:
        await login_with_password(anon_page, sim.base_url, username, password, pace)
    assert err.value.code == ErrorCode.AUTH_FAILED
    assert password not in str(err.value) and password not in repr(err.value.details)
    assert await li_at(context) is None
    # LinkedIn (the simulator) refused it: the failure is not a client-side bail-out.
    assert [(e["account"], e["ok"]) for e in sim.logins()] == [(username, False)]


async def test_checkpoint_then_pin(
    anon_page: Page, context: BrowserContext, sim: SimServer, pace: Pace
) -> None:
    with pytest.raises(TouchpointError) as err:
        await login_with_password(
            anon_page, sim.base_url, "checkpoint@example.com", "checkpoint-password", pace
        )
    assert err.value.code == ErrorCode.CHECKPOINT
    assert await li_at(context) is None
    with pytest.raises(TouchpointError) as wrong:
        await submit_checkpoint_pin(anon_page, sim.base_url, "999999", pace)
    assert wrong.value.code == ErrorCode.AUTH_FAILED
    await submit_checkpoint_pin(anon_page, sim.base_url, "123456", pace)
    assert classify_url(anon_page.url) == PageState.FEED
    assert [(e["method"], e["ok"]) for e in sim.logins()][-1] == ("pin", True)
    assert await li_at(context) == "sim-li-at-checkpoint"


async def test_imported_li_at(page: Page, sim: SimServer) -> None:
    await verify_session(page, sim.base_url)
    assert classify_url(page.url) == PageState.FEED


async def test_bad_li_at_is_session_expired(
    context: BrowserContext, anon_page: Page, sim: SimServer
) -> None:
    await import_li_at(context, sim.base_url, "not-a-valid-cookie")
    with pytest.raises(TouchpointError) as err:
        await verify_session(anon_page, sim.base_url)
    assert err.value.code == ErrorCode.SESSION_EXPIRED
    # The login URL carries /feed/ in its query: it must still read as LOGIN.
    assert "feed" in anon_page.url
    assert classify_url(anon_page.url) == PageState.LOGIN


async def test_account_challenge_is_checkpoint(page: Page, sim: SimServer) -> None:
    sim.state.upsert_account(DEMO_USER, challenge=True)
    with pytest.raises(TouchpointError) as err:
        await verify_session(page, sim.base_url)
    assert err.value.code == ErrorCode.CHECKPOINT


async def test_rate_limited_feed(page: Page, sim: SimServer) -> None:
    sim.state.add_fault(Fault(path_prefix="/feed/", action="rate_limit", times=1))
    with pytest.raises(TouchpointError) as err:
        await verify_session(page, sim.base_url)
    assert err.value.code == ErrorCode.RATE_LIMITED
    await verify_session(page, sim.base_url)
