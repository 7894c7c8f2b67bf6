"""Browser suite fixtures: one simulator and one Chromium per session, a fresh context per test."""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from linkedin.browser.launch import launch_chromium
from linkedin.browser.login import import_li_at
from linkedin.browser.pace import Pace
from linkedin.touchpoints.runner import TouchpointContext
from linkedin_sim import SimServer

DEMO_USER = "demo@example.com"
DEMO_PASSWORD = "demo-password"
DEMO_LI_AT = "sim-li-at-demo"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the session (OO_CHROMIUM_PATH overrides the executable)."""
    async with async_playwright() as playwright:
        chromium = await launch_chromium(playwright, executable=os.environ.get("OO_CHROMIUM_PATH"))
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser, sim: SimServer) -> AsyncIterator[BrowserContext]:
    """A fresh, signed-out browser context."""
    ctx = await browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    yield ctx
    await ctx.close()


@pytest_asyncio.fixture(loop_scope="session")
async def anon_page(context: BrowserContext) -> Page:
    """A page in a signed-out context."""
    return await context.new_page()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext, sim: SimServer) -> Page:
    """A page signed in as the demo account through its imported li_at cookie."""
    await import_li_at(context, sim.base_url, DEMO_LI_AT)
    return await context.new_page()


@pytest.fixture
def pace() -> Pace:
    """Fast, seeded pacing."""
    return Pace("fast", random.Random(0))


@pytest.fixture
def tctx(sim: SimServer, pace: Pace) -> TouchpointContext:
    """Touchpoint context pointed at the simulator."""
    return TouchpointContext(base_url=sim.base_url, pace=pace)
