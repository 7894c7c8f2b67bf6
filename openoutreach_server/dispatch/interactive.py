"""A person clears a checkpoint (or logs in) in a visible browser; the session is then saved."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from loguru import logger
from playwright.async_api import Page

from linkedin.browser.host_guard import origin_host
from linkedin.browser.login import import_li_at
from linkedin.browser.page_state import PageState, classify_url
from linkedin.browser.pool import BrowserPool
from linkedin.touchpoints.errors import ErrorCode
from openoutreach_server import accounts
from openoutreach_server.context import ServerContext
from openoutreach_server.dispatch.browser_runner import session_callbacks
from openoutreach_server.runtime import make_pool
from openoutreach_server.store.records import (
    LOGIN_PRIORITY,
    LOGIN_TYPE,
    AccountBusy,
    Claimed,
    NewRun,
    Outcome,
)

PageHook = Callable[[Page], Awaitable[None]]


class NoDisplay(RuntimeError):
    """A headed browser was asked for on a machine without a screen."""


async def _claim(ctx: ServerContext, handle: str, worker_id: str, wait_s: float) -> Claimed:
    new = NewRun(
        handle=handle,
        type=LOGIN_TYPE,
        touchpoint={"type": LOGIN_TYPE, "mode": "interactive"},
        side_effecting=True,
        priority=LOGIN_PRIORITY,
        max_attempts=1,
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        try:
            return await asyncio.to_thread(
                ctx.store.runs.enqueue_claimed,
                new,
                ctx.clock.now(),
                worker_id=worker_id,
                lease_s=ctx.settings.lease_s,
            )
        except AccountBusy:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(1.0)  # a run of the account is in progress; it ends soon


async def interactive_login(
    ctx: ServerContext,
    handle: str,
    *,
    headless: bool = False,
    timeout_s: float = 600.0,
    on_page: PageHook | None = None,
) -> str:
    """Open the account's session, wait until a person reaches the feed, save it.

    Returns the account's new status. `on_page` lets tests act as the person.
    """
    if not headless and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise NoDisplay(
            "no display for a headed browser: run under `xvfb-run` with a VNC viewer, on a"
            " desktop, or submit an e-mailed code with POST /accounts/{handle}/checkpoint"
        )
    secrets = await asyncio.to_thread(accounts.load_secrets, ctx, handle)
    worker_id = f"cli-{os.getpid()}"
    run = await _claim(ctx, handle, worker_id, wait_s=ctx.settings.run_timeout_s)
    log = logger.bind(run_id=run.id, handle=handle)
    # A person types credentials here: never record a trace of it.
    settings = ctx.settings.model_copy(
        update={"headless": headless, "max_sessions": 1, "trace": False}
    )
    pool: BrowserPool = make_pool(settings)
    heartbeat = asyncio.create_task(_keep_lease(ctx, run.id, worker_id))
    base_url = ctx.settings.linkedin_base_url
    outcome: Outcome
    try:
        # A new epoch: warm contexts in running workers must not reuse the old session.
        load, save = session_callbacks(ctx, secrets, replace=True)
        async with pool.session(
            secrets.uid, identity=secrets.identity, load_state=load, save_state=save
        ) as page:
            if secrets.li_at and secrets.sealed_state is None:
                await import_li_at(page.context, base_url, secrets.li_at)
            await page.goto(base_url + "/feed/", wait_until="domcontentloaded")
            log.info("waiting up to {:.0f}s for the feed in the browser window", timeout_s)
            if on_page is not None:
                await on_page(page)
            try:
                host = origin_host(base_url)
                await page.wait_for_url(
                    lambda url: classify_url(url, host) == PageState.FEED,
                    timeout=timeout_s * 1000,
                )
                outcome = Outcome(run.id, result={"status": "active", "method": "human"})
            except Exception:
                state = classify_url(page.url, origin_host(base_url))
                signed_out = state in (PageState.LOGIN, PageState.AUTHWALL)
                code = ErrorCode.SESSION_EXPIRED if signed_out else ErrorCode.CHECKPOINT
                outcome = Outcome(
                    run.id,
                    code=code,
                    message=f"the feed was not reached within {timeout_s:.0f}s",
                    details={"path": urlsplit(page.url).path},
                )
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
        await pool.close()
    await asyncio.to_thread(
        ctx.store.runs.finish, [outcome], now=ctx.clock.now(), worker_id=worker_id, rules=ctx.rules
    )
    ctx.notify()  # the account's waiting runs may start now
    return (await asyncio.to_thread(accounts.get, ctx, handle)).status


async def _keep_lease(ctx: ServerContext, run_id: int, worker_id: str) -> None:
    while True:
        await asyncio.sleep(ctx.settings.lease_s / 3)
        await asyncio.to_thread(
            ctx.store.runs.heartbeat, [run_id], worker_id, ctx.clock.now() + ctx.settings.lease_s
        )
