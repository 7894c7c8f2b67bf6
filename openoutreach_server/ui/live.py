"""The live browser view: a person drives an account's real session from the operator page.

While the view is open the account holds an owned login run (as `openoutreach-server login`
does, see dispatch/interactive.py), so no other run of it can start, in any process. The
page is the account's own context: the worker pool's when this process runs a worker (the
context its runs use), else a private headless pool. The picture is Chrome's screencast
(JPEG frames, each acknowledged once sent); clicks, wheel and keys come back as DevTools
input events, scaled from the picture to the viewport. The view ends when the page reaches
the feed (the session is saved as a new epoch and the login run completes: the account
becomes active), when it times out (OO_LIVE_VIEW_TIMEOUT_S), when the viewer leaves, or
when the page is sent off the LinkedIn host (OFF_HOST, as a run would). Each use is logged:
start, end and outcome, never what was typed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol
from urllib.parse import urlsplit

from loguru import logger
from playwright.async_api import CDPSession, Frame, Page
from playwright.async_api import Error as PlaywrightError
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from linkedin.browser.diagnostics import error_summary
from linkedin.browser.host_guard import ensure_on_host
from linkedin.browser.navigation import goto
from linkedin.browser.page_state import PageState
from linkedin.browser.pool import BrowserPool
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from openoutreach_server import accounts, runs
from openoutreach_server.context import ServerContext
from openoutreach_server.dispatch.interactive import (
    claim_login,
    feed_not_reached,
    feed_reached,
    finish_login,
    human_done,
    human_session,
    lease_kept,
)
from openoutreach_server.errors import NotFound
from openoutreach_server.runtime import make_pool
from openoutreach_server.store.records import LOGIN_TYPE, AccountBusy, Claimed, Outcome, RunFilter

LIVE_MODE = "live"
Reason = Literal["feed", "timeout", "viewer", "off_host", "error", "stopped"]
# (server, handle) of the live views open in this process (other processes: see `_busy`).
_OPEN: set[tuple[int, str]] = set()
_ALL_STATES = frozenset(PageState)
_GUARD_S = 0.5
_MODIFIERS_MAX = 15  # Alt 1, Ctrl 2, Meta 4, Shift 8
_BUTTONS = {"none": 0, "left": 1, "right": 2, "middle": 4}


class LiveRefused(Exception):
    """The view cannot open now; `message` says why, for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Viewer(Protocol):
    """The operator's end of a live view (the WebSocket)."""

    @property
    def left(self) -> bool:
        """The viewer has gone."""

    async def frame(self, jpeg: bytes) -> None:
        """Send one picture."""

    async def event(self, data: dict[str, Any]) -> None:
        """Send a status, URL or end message."""

    async def next_input(self) -> str | None:
        """The next message from the viewer; None once it has gone."""


# --- what the viewer sends ----------------------------------------------------------------


class MouseIn(BaseModel):
    """A mouse button or move, at a fraction (0-1) of the picture's width and height."""

    t: Literal["mouse"]
    type: Literal["down", "up", "move"]
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    button: Literal["none", "left", "middle", "right"] = "left"
    clicks: int = Field(default=1, ge=0, le=3)
    mods: int = Field(default=0, ge=0, le=_MODIFIERS_MAX)


class WheelIn(BaseModel):
    """A wheel turn over a point of the picture."""

    t: Literal["wheel"]
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    dx: float = Field(default=0, ge=-5000, le=5000)
    dy: float = Field(default=0, ge=-5000, le=5000)
    mods: int = Field(default=0, ge=0, le=_MODIFIERS_MAX)


class KeyIn(BaseModel):
    """A key going down or up (`text` is what it types, if anything)."""

    t: Literal["key"]
    type: Literal["down", "up"]
    key: str = Field(min_length=1, max_length=32)
    code: str = Field(default="", max_length=32)
    key_code: int = Field(default=0, ge=0, le=255, alias="keyCode")
    text: str = Field(default="", max_length=4)
    mods: int = Field(default=0, ge=0, le=_MODIFIERS_MAX)


class TextIn(BaseModel):
    """Text inserted at the caret (pasted, or typed where key events are not available)."""

    t: Literal["text"]
    text: str = Field(min_length=1, max_length=2000)


InputMessage = Annotated[MouseIn | WheelIn | KeyIn | TextIn, Field(discriminator="t")]
_INPUT: TypeAdapter[InputMessage] = TypeAdapter(InputMessage)


def parse_input(raw: str) -> MouseIn | WheelIn | KeyIn | TextIn | None:
    """A viewer's message, or None if it is not one we accept (ignored, never logged)."""
    try:
        return _INPUT.validate_json(raw)
    except ValidationError:
        return None


async def dispatch(
    cdp: CDPSession, message: MouseIn | WheelIn | KeyIn | TextIn, size: tuple[int, int]
) -> None:
    """Replay one viewer input in the page through DevTools."""
    width, height = size
    if isinstance(message, MouseIn):
        kind = {"down": "mousePressed", "up": "mouseReleased", "move": "mouseMoved"}[message.type]
        params: dict[str, Any] = {
            "type": kind,
            "x": message.x * width,
            "y": message.y * height,
            "modifiers": message.mods,
            "button": message.button,
            "buttons": _BUTTONS[message.button],
        }
        if message.type != "move":
            params["clickCount"] = max(1, message.clicks)
        await cdp.send("Input.dispatchMouseEvent", params)
    elif isinstance(message, WheelIn):
        await cdp.send(
            "Input.dispatchMouseEvent",
            {
                "type": "mouseWheel",
                "x": message.x * width,
                "y": message.y * height,
                "deltaX": message.dx,
                "deltaY": message.dy,
                "modifiers": message.mods,
            },
        )
    elif isinstance(message, KeyIn):
        up = message.type == "up"
        params = {
            "type": "keyUp" if up else ("keyDown" if message.text else "rawKeyDown"),
            "key": message.key,
            "code": message.code,
            "windowsVirtualKeyCode": message.key_code,
            "nativeVirtualKeyCode": message.key_code,
            "modifiers": message.mods,
        }
        if message.text and not up:
            params.update(text=message.text, unmodifiedText=message.text)
        await cdp.send("Input.dispatchKeyEvent", params)
    else:
        await cdp.send("Input.insertText", {"text": message.text})


# --- the view -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveResult:
    """How a view ended: why, the login run's id and the account's status after it."""

    reason: Reason
    run_id: int
    status: str
    message: str


_MESSAGES: dict[Reason, str] = {
    "feed": "The feed was reached: the session is saved and the account can run again.",
    "timeout": "The live view timed out before the feed was reached.",
    "viewer": "The live view was closed before the feed was reached.",
    "off_host": "The page was sent off the LinkedIn host, so the view was closed.",
    "error": "The browser failed; the view was closed.",
    "stopped": "The server stopped the live view.",
}


async def live_view(
    ctx: ServerContext, pool: BrowserPool | None, handle: str, viewer: Viewer, viewer_id: str
) -> LiveResult:
    """Open the account's session for `viewer` until the feed, a timeout or the viewer
    leaves; then end the owned login run. LiveRefused if the view cannot open now."""
    key = (id(ctx), handle)
    if key in _OPEN:
        raise LiveRefused(f"the live view of {handle} is already open: one viewer at a time")
    _OPEN.add(key)
    try:
        return await _live_view(ctx, pool, handle, viewer, viewer_id)
    finally:
        _OPEN.discard(key)


async def _live_view(
    ctx: ServerContext, pool: BrowserPool | None, handle: str, viewer: Viewer, viewer_id: str
) -> LiveResult:
    try:
        account = await asyncio.to_thread(accounts.load_secrets, ctx, handle)
    except NotFound as exc:
        raise LiveRefused(exc.message) from exc
    if account.status == "disabled":
        raise LiveRefused(f"account {handle} is disabled")
    worker_id = f"ui-{os.getpid()}-{secrets.token_hex(4)}"

    told: set[int] = set()

    async def busy() -> None:
        await _busy(ctx, handle, viewer, told)

    try:
        run = await claim_login(
            ctx, handle, worker_id, mode=LIVE_MODE, wait_s=ctx.settings.run_timeout_s, on_busy=busy
        )
    except AccountBusy as exc:
        raise LiveRefused(f"a run of {handle} is still running; try again when it ends") from exc
    log = logger.bind(handle=handle, run_id=run.id)
    log.info("live view of {} opened by operator session {}", handle, viewer_id)
    loop = asyncio.get_running_loop()
    started = loop.time()
    own = pool is None
    browser = pool or make_pool(
        ctx.settings.model_copy(update={"headless": True, "max_sessions": 1, "trace": False})
    )
    reason: Reason = "stopped"
    outcome = Outcome(
        run.id, code=ErrorCode.INTERRUPTED, message="the server stopped the live view"
    )
    try:
        async with lease_kept(ctx, run.id, worker_id):
            reason, outcome = await _drive(ctx, browser, account, run, viewer)
            if not own:
                # The saved state (a new epoch) is stored before the account runs again.
                await browser.settle()
    finally:
        if own:
            await browser.close()  # saves the state first
        status = await asyncio.shield(finish_login(ctx, handle, outcome, worker_id))
        log.info(
            "live view of {} closed after {:.0f}s: {} (login run {}, account {})",
            handle,
            loop.time() - started,
            reason,
            outcome.code or "completed",
            status,
        )
    return LiveResult(reason, run.id, status, _MESSAGES[reason])


async def _busy(ctx: ServerContext, handle: str, viewer: Viewer, told: set[int]) -> None:
    """Another run of the account is running: refuse if it is someone's live view (or the
    viewer left), else tell the viewer (once per run) what the view waits for."""
    if viewer.left:
        raise LiveRefused("the viewer left")
    page = await asyncio.to_thread(
        runs.list_page, ctx, RunFilter(handle=handle, status="running"), cursor=None, limit=1
    )
    running = page.items[0] if page.items else None
    if running is None:
        return
    if running.touchpoint.get("type") == LOGIN_TYPE and running.touchpoint.get("mode") == LIVE_MODE:
        raise LiveRefused(
            f"the live view of {handle} is already open (another operator): one viewer at a time"
        )
    if running.run_id in told:
        return
    told.add(running.run_id)
    kind = running.touchpoint.get("type", "run")
    await viewer.event(
        {
            "t": "status",
            "state": "waiting",
            "message": f"Run {running.run_id} ({kind}) of {handle} is running; the view opens"
            " when it ends.",
        }
    )


async def _drive(
    ctx: ServerContext,
    pool: BrowserPool,
    account: accounts.AccountSecrets,
    run: Claimed,
    viewer: Viewer,
) -> tuple[Reason, Outcome]:
    """The view itself, in the account's session; every failure becomes the run's outcome."""
    try:
        async with human_session(ctx, pool, account) as page:
            return await _show(ctx, page, account, run, viewer)
    except TouchpointError as exc:
        details = {k: v for k, v in exc.details.items() if k != "artifacts"}
        reason: Reason = "off_host" if exc.code == ErrorCode.OFF_HOST else "error"
        return reason, Outcome(run.id, code=exc.code, message=exc.message, details=details)
    except PlaywrightError as exc:
        message = f"browser error: {error_summary(exc)}"
        return "error", Outcome(run.id, code=ErrorCode.BROWSER_CRASHED, message=message)
    except Exception:
        logger.bind(run_id=run.id).exception("the live view failed")
        message = "unexpected error in the live view"
        return "error", Outcome(run.id, code=ErrorCode.INTERNAL_ERROR, message=message)


async def _show(
    ctx: ServerContext,
    page: Page,
    account: accounts.AccountSecrets,
    run: Claimed,
    viewer: Viewer,
) -> tuple[Reason, Outcome]:
    base_url = ctx.settings.linkedin_base_url
    timeout_s = ctx.settings.live_view_timeout_s
    changed = asyncio.Event()

    def navigated(frame: Frame) -> None:
        if frame == page.main_frame:
            changed.set()

    page.on("framenavigated", navigated)
    try:
        # A checkpoint the login stopped at is reopened where it was; otherwise the feed
        # (which sends a challenged or signed-out session where it must go).
        await goto(page, base_url + (account.checkpoint_path or "/feed/"), allow=_ALL_STATES)
        viewport = page.viewport_size or {"width": 1366, "height": 768}
        size = (viewport["width"], viewport["height"])
        cdp = await page.context.new_cdp_session(page)
        try:
            return await _relay(page, cdp, viewer, run, base_url, timeout_s, changed, size)
        finally:
            with contextlib.suppress(PlaywrightError):
                await cdp.send("Page.stopScreencast")
                await cdp.detach()
    finally:
        page.remove_listener("framenavigated", navigated)


async def _relay(
    page: Page,
    cdp: CDPSession,
    viewer: Viewer,
    run: Claimed,
    base_url: str,
    timeout_s: float,
    changed: asyncio.Event,
    size: tuple[int, int],
) -> tuple[Reason, Outcome]:
    """Pictures to the viewer, input to the page, until the view ends."""
    width, height = size
    frames: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    cdp.on("Page.screencastFrame", lambda p: frames.put_nowait((p["data"], p["sessionId"])))
    await cdp.send(
        "Page.startScreencast",
        {"format": "jpeg", "quality": 70, "maxWidth": width, "maxHeight": height},
    )
    await viewer.event(
        {
            "t": "status",
            "state": "open",
            "message": "The live view is open: click and type in the picture.",
            "timeout_s": timeout_s,
            "viewport": [width, height],
        }
    )

    async def pictures() -> None:
        while True:
            data, session_id = await frames.get()
            await viewer.frame(base64.b64decode(data))
            # Acknowledged once sent: Chrome sends the next frame only then (backpressure).
            with contextlib.suppress(PlaywrightError):
                await cdp.send("Page.screencastFrameAck", {"sessionId": session_id})

    async def inputs() -> None:
        while (raw := await viewer.next_input()) is not None:
            message = parse_input(raw)
            if message is None:
                continue
            with contextlib.suppress(PlaywrightError):  # e.g. the page is navigating
                await dispatch(cdp, message, (width, height))

    async def watch() -> None:
        """Where the page is: its path for the viewer, the feed, the host guard."""
        sent = None
        while True:
            await ensure_on_host(page)  # OFF_HOST (page put on about:blank) if it left
            url = page.url
            if feed_reached(url, base_url):
                return
            path = urlsplit(url).path  # never the query: it may carry tokens
            if path != sent:
                sent = path
                await viewer.event({"t": "url", "path": path})
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_GUARD_S):
                    await changed.wait()
            changed.clear()

    tasks = {
        asyncio.create_task(watch(), name="live-watch"): "watch",
        asyncio.create_task(inputs(), name="live-inputs"): "inputs",
        asyncio.create_task(pictures(), name="live-pictures"): "pictures",
    }
    try:
        done, _ = await asyncio.wait(tasks, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finished = {tasks[t]: t for t in done}
    if "watch" in finished:
        error = finished["watch"].exception()
        if error is None:
            return "feed", human_done(run.id, LIVE_MODE)
        raise error  # OFF_HOST, or the browser failing: the caller makes it the outcome
    if not done:
        message = f"the feed was not reached within {timeout_s:.0f}s (the live view timed out)"
        return "timeout", feed_not_reached(run.id, page.url, base_url, message)
    message = "the live view was closed before the feed was reached"
    return "viewer", feed_not_reached(run.id, page.url, base_url, message)
