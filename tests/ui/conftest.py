"""Operator page suite: the whole server against the simulator (tests/server), driven by a
second Chromium acting as the operator (tests/browser's session browser)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import browser  # noqa: F401  (the operator's Chromium)
from tests.conftest import API_KEY
from tests.server.conftest import server, sim_settings  # noqa: F401

# OO_UI_SCREENSHOTS=1 rewrites the README's pictures in docs/ui/ from these tests.
SCREENSHOTS = os.environ.get("OO_UI_SCREENSHOTS") == "1"
DOCS_UI = Path(__file__).resolve().parents[2] / "docs" / "ui"


async def new_operator(browser: Browser, base_url: str) -> BrowserContext:  # noqa: F811
    """A fresh browser profile for one operator (no cookie yet)."""
    context = await browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(30_000)
    return context


@pytest_asyncio.fixture(loop_scope="session")
async def oo(server: httpx.Client) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    """The JSON API of the server under test (the test's own view of the database)."""
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=server.headers, timeout=60
    ) as client:
        yield client


async def wait_run(client: httpx.AsyncClient, run_id: int) -> dict[str, Any]:
    """The run once it has ended (long-polls the API; a minute at most)."""
    async with asyncio.timeout(60):
        while True:
            response = await client.get(f"/runs/{run_id}", params={"wait": 5})
            run: dict[str, Any] = response.json()
            if run["status"] not in ("pending", "running"):
                return run


async def create_and_log_in(
    client: httpx.AsyncClient, handle: str, **account: Any
) -> dict[str, Any]:
    """Create an account and log it in; returns the login response."""
    created = await client.post("/accounts", json={"handle": handle, **account})
    assert created.status_code == 201, created.text
    response = await client.post(f"/accounts/{handle}/login", params={"wait": 60})
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out


@pytest_asyncio.fixture(loop_scope="session")
async def operator(browser: Browser, server: httpx.Client) -> AsyncIterator[Page]:  # noqa: F811
    """A page of a signed-out operator, on the server under test."""
    context = await new_operator(browser, str(server.base_url))
    yield await context.new_page()
    await context.close()


async def log_in(page: Page, key: str = API_KEY) -> None:
    """Log in through the form, as a person would."""
    await page.goto("/ui/login")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", level=1, name="Accounts")).to_be_visible()


async def snapshot(page: Page, name: str, part: Locator | None = None) -> None:
    """Save the page (or one part of it) as docs/ui/<name>.png when OO_UI_SCREENSHOTS=1."""
    if not SCREENSHOTS:
        return
    DOCS_UI.mkdir(parents=True, exist_ok=True)
    path = str(DOCS_UI / f"{name}.png")
    if part is not None:
        await part.screenshot(path=path)
    else:
        await page.screenshot(path=path, full_page=True)


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)
