"""A person clears a checkpoint (or logs in) in a browser; the session is then saved.

The pieces are shared by `openoutreach-server login` (a visible browser) and the operator
page's live view (openoutreach_server/ui/live.py): an owned login run keeps the account from
running anything else, its lease is kept alive, the account's session is opened so that the
state it saves becomes a new epoch, and the run ends with an Outcome that moves the account
through the status machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
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
BusyHook = Callable[[], Awaitable[None]]


class NoDisplay(RuntimeError):
    """A headed browser was asked for on a machine without a screen."""


async def claim_login(
    ctx: ServerContext,
    handle: str,
    worker_id: str,
    *,
    mode: str,
    wait_s: float,
    on_busy: BusyHook | None = None,
) -> Claimed:
    """Insert a login run already owned by `worker_id`: no other run of the account can start
    until it ends. While another run of the account is running, wait up to `wait_s` (calling
    `on_busy` each time, which may raise to stop waiting); then AccountBusy."""
    new = NewRun(
        handle=handle,
        type=LOGIN_TYPE,
        touchpoint={"type": LOGIN_TYPE, "mode": mode},
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
            if on_busy is not None:
                await on_busy()
            if loop.time() > deadline:
                raise
            await asyncio.sleep(1.0)  # a run of the account is in progress; it ends soon


async def keep_lease(ctx: ServerContext, run_id: int, worker_id: str) -> None:
    """Renew the run's lease every third of it, until cancelled."""
    while True:
        await asyncio.sleep(ctx.settings.lease_s / 3)
        await asyncio.to_thread(
            ctx.store.runs.heartbeat, [run_id], worker_id, ctx.clock.now() + ctx.settings.lease_s
        )


@asynccontextmanager
async def lease_kept(ctx: ServerContext, run_id: int, worker_id: str) -> AsyncIterator[None]:
    """Keep the owned run's lease alive for the duration of the block."""
    heartbeat = asyncio.create_task(keep_lease(ctx, run_id, worker_id))
    try:
        yield
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat


@asynccontextmanager
async def human_session(
    ctx: ServerContext, pool: BrowserPool, secrets: accounts.AccountSecrets
) -> AsyncIterator[Page]:
    """The account's page, for a person to use. The state saved after it is a new epoch, so
    warm contexts elsewhere holding the old session are not reused; no trace is recorded (a
    person may type credentials); an imported li_at is put in place first."""
    load, save = session_callbacks(ctx, secrets, replace=True)
    async with pool.session(
        secrets.uid,
        identity=secrets.identity,
        load_state=load,
        save_state=save,
        epoch=secrets.session_epoch,
    ) as page:
        await pool.discard_trace(page)
        if secrets.li_at and secrets.sealed_state is None:
            await import_li_at(page.context, ctx.settings.linkedin_base_url, secrets.li_at)
        yield page


def feed_reached(url: str, base_url: str) -> bool:
    """Whether `url` is the feed on the LinkedIn host: the session works."""
    return classify_url(url, origin_host(base_url)) == PageState.FEED


def human_done(run_id: int, method: str) -> Outcome:
    """The login run's outcome when the person reached the feed: the account is active."""
    return Outcome(run_id, result={"status": "active", "method": method})


def feed_not_reached(run_id: int, url: str, base_url: str, message: str) -> Outcome:
    """The login run's outcome when the person stopped before the feed: signed out means
    SESSION_EXPIRED (needs_login), anything else CHECKPOINT (still to clear)."""
    state = classify_url(url, origin_host(base_url))
    signed_out = state in (PageState.LOGIN, PageState.AUTHWALL)
    return Outcome(
        run_id,
        code=ErrorCode.SESSION_EXPIRED if signed_out else ErrorCode.CHECKPOINT,
        message=message,
        details={"path": urlsplit(url).path},
    )


async def finish_login(ctx: ServerContext, handle: str, outcome: Outcome, worker_id: str) -> str:
    """Record the owned login run's outcome (the status machine moves the account), wake the
    workers, and return the account's new status."""
    await asyncio.to_thread(
        ctx.store.runs.finish, [outcome], now=ctx.clock.now(), worker_id=worker_id, rules=ctx.rules
    )
    ctx.run_events.changed()  # long-polls in this process answer at once
    ctx.notify()  # the account's waiting runs may start now
    return (await asyncio.to_thread(accounts.get, ctx, handle)).status


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
    run = await claim_login(
        ctx, handle, worker_id, mode="interactive", wait_s=ctx.settings.run_timeout_s
    )
    log = logger.bind(run_id=run.id, handle=handle)
    # A person types credentials here: never record a trace of it.
    settings = ctx.settings.model_copy(
        update={"headless": headless, "max_sessions": 1, "trace": False}
    )
    pool: BrowserPool = make_pool(settings)
    base_url = ctx.settings.linkedin_base_url
    outcome: Outcome
    try:
        async with lease_kept(ctx, run.id, worker_id), human_session(ctx, pool, secrets) as page:
            await page.goto(base_url + "/feed/", wait_until="domcontentloaded")
            log.info("waiting up to {:.0f}s for the feed in the browser window", timeout_s)
            if on_page is not None:
                await on_page(page)
            try:
                await page.wait_for_url(
                    lambda url: feed_reached(url, base_url), timeout=timeout_s * 1000
                )
                outcome = human_done(run.id, "human")
            except Exception:
                message = f"the feed was not reached within {timeout_s:.0f}s"
                outcome = feed_not_reached(run.id, page.url, base_url, message)
    finally:
        await pool.close()
    return await finish_login(ctx, handle, outcome, worker_id)
