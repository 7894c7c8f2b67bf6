"""One Chromium, one BrowserContext per account: warm reuse, idle TTL, LRU, recycling, relaunch."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from linkedin.browser.diagnostics import error_summary, start_tracing
from linkedin.browser.host_guard import as_host, confine, guard_redirects
from linkedin.browser.launch import SandboxMode, launch_chromium
from linkedin.browser.scratch import ScratchDir
from linkedin.touchpoints.errors import ErrorCode, TouchpointError

StateLoader = Callable[[], Awaitable[dict[str, Any] | None]]
StateSaver = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Identity:
    """The browser fingerprint an account keeps across all its sessions."""

    user_agent: str | None = None
    viewport: tuple[int, int] = (1366, 768)
    locale: str = "en-US"
    timezone_id: str = "UTC"
    proxy: str | None = field(default=None, repr=False)  # may carry credentials


@dataclass
class _Slot:
    context: BrowserContext
    page: Page
    identity: Identity
    epoch: int = 0
    chunk_open: bool = False
    runs: int = 0
    busy: bool = False
    doomed: bool = False  # close (without saving) after the current use
    last_used: float = field(default_factory=time.monotonic)


class BrowserPool:
    """Hands out a warm page per account key; never two users of one key at once.

    With `tracing`, every context records a Playwright trace cut into one chunk per use:
    the chunk of a use that failed is taken with `take_trace`, the others are dropped, and
    a use that enters credentials drops its chunk first (`discard_trace`). Closing one
    chunk and opening the next happen after the use, off its critical path. Chunks are
    recorded in a private directory under `traces_root` (the system temp dir if None).

    With `allowed_host` (a base URL or `host[:port]`), every context is kept on that host:
    main-frame navigations and redirects elsewhere are aborted (see host_guard).
    """

    def __init__(
        self,
        *,
        executable: str | None = None,
        headless: bool = True,
        max_contexts: int = 8,
        idle_ttl_s: float = 600.0,
        recycle_after: int = 50,
        tracing: bool = False,
        allowed_host: str | None = None,
        sandbox: SandboxMode = "auto",
        traces_root: Path | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._executable = executable
        self._headless = headless
        self._sandbox: SandboxMode = sandbox
        self.allowed_host = as_host(allowed_host) if allowed_host else None
        self._scratch = ScratchDir(traces_root) if traces_root is not None else None
        self._trace_names = itertools.count(1)
        self.max_contexts = max_contexts
        self.idle_ttl_s = idle_ttl_s
        self.recycle_after = recycle_after
        self.tracing = tracing
        self._monotonic = monotonic
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._slots: dict[str, _Slot] = {}
        self._key_locks: dict[str, asyncio.Lock] = {}
        self._launch_lock = asyncio.Lock()
        self._capacity = asyncio.Condition()
        self._janitor: asyncio.Task[None] | None = None
        self._saving: set[asyncio.Task[None]] = set()
        self._user_agent: str | None = None
        self._janitor_wake = asyncio.Event()
        self.launches = 0
        self.contexts_created = 0

    @property
    def open_sessions(self) -> int:
        """How many account contexts are open now."""
        return len(self._slots)

    def is_connected(self) -> bool:
        """Whether the shared Chromium is up."""
        return self._browser is not None and self._browser.is_connected()

    async def _ensure_browser(self) -> Browser:
        async with self._launch_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self._browser is not None:
                logger.warning("chromium disconnected; relaunching")
                self._slots.clear()
                if self._scratch is not None:
                    # The dead browser's trace chunks, unredacted: nobody will read them.
                    await asyncio.to_thread(self._scratch.clear)
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            traces_dir = None
            if self._scratch is not None:
                traces_dir = await asyncio.to_thread(self._scratch.open)
            self._browser = await launch_chromium(
                self._playwright,
                executable=self._executable,
                headless=self._headless,
                sandbox=self._sandbox,
                traces_dir=traces_dir,
            )
            self.launches += 1
            if self._janitor is None or self._janitor.done():
                self._janitor = asyncio.create_task(self._close_when_idle(), name="oo-pool-ttl")
            return self._browser

    async def _new_slot(self, identity: Identity, state: dict[str, Any] | None) -> _Slot:
        browser = await self._ensure_browser()
        options: dict[str, Any] = {
            "viewport": {"width": identity.viewport[0], "height": identity.viewport[1]},
            "locale": identity.locale,
            "timezone_id": identity.timezone_id,
        }
        # Headless Chromium announces itself in its user agent; present as the desktop build.
        options["user_agent"] = identity.user_agent or await self._desktop_user_agent(browser)
        if identity.proxy:
            options["proxy"] = {"server": identity.proxy}
        if state:
            options["storage_state"] = state
        context = await browser.new_context(**options)
        if self.allowed_host:
            await confine(context, self.allowed_host)
        if self.tracing:
            await start_tracing(context)
            await context.tracing.start_chunk()
        page = await context.new_page()
        if self.allowed_host:
            await guard_redirects(page, self.allowed_host)
        self.contexts_created += 1
        return _Slot(context=context, page=page, identity=identity, chunk_open=self.tracing)

    async def _desktop_user_agent(self, browser: Browser) -> str:
        if self._user_agent is None:
            page = await browser.new_page()
            try:
                agent = await page.evaluate("navigator.userAgent")
            finally:
                await page.close()
            self._user_agent = str(agent).replace("HeadlessChrome", "Chrome")
        return self._user_agent

    async def _close_slot(self, key: str, slot: _Slot, save: StateSaver | None = None) -> None:
        self._slots.pop(key, None)
        try:
            if save is not None:
                await save(dict(await slot.context.storage_state()))
            await slot.context.close()
        except PlaywrightError as exc:
            logger.debug("closing context {} failed: {}", key, exc)
        async with self._capacity:
            self._capacity.notify_all()

    async def _make_room(self) -> None:
        """Close idle contexts past their TTL, then the least recently used, until one fits."""
        now = self._monotonic()
        for key, slot in list(self._slots.items()):
            if not slot.busy and now - slot.last_used > self.idle_ttl_s:
                await self._close_slot(key, slot)
        while len(self._slots) >= self.max_contexts:
            idle = [(s.last_used, k) for k, s in self._slots.items() if not s.busy]
            if idle:
                _, key = min(idle)
                await self._close_slot(key, self._slots[key])
                continue
            async with self._capacity:
                await self._capacity.wait()

    @asynccontextmanager
    async def session(
        self,
        key: str,
        *,
        identity: Identity,
        load_state: StateLoader,
        save_state: StateSaver,
        epoch: int = 0,
    ) -> AsyncIterator[Page]:
        """Yield the account's page; its storage state is saved after use.

        A warm context is reused only for the same identity and session `epoch`: a session
        replaced from outside (new cookie, human login) gets a fresh context.

        A crashed browser surfaces as TouchpointError(BROWSER_CRASHED); the next call relaunches.
        """
        lock = self._key_locks.setdefault(key, asyncio.Lock())
        await lock.acquire()
        handed_over = False
        try:
            slot = self._slots.get(key)
            if slot is not None and (
                slot.identity != identity
                or slot.epoch != epoch
                or slot.page.is_closed()
                or not self.is_connected()
            ):
                await self._close_slot(key, slot)  # not saved: its state is outdated
                slot = None
            if slot is None:
                await self._make_room()
                try:
                    slot = await self._new_slot(identity, await load_state())
                except PlaywrightError as exc:
                    raise TouchpointError(
                        ErrorCode.BROWSER_CRASHED,
                        f"could not open a browser context: {error_summary(exc)}",
                    ) from exc
                slot.epoch = epoch
                self._slots[key] = slot
            slot.busy = True
            try:
                yield slot.page
            except PlaywrightError as exc:
                if not self.is_connected() or slot.page.is_closed():
                    raise TouchpointError(
                        ErrorCode.BROWSER_CRASHED, "the browser crashed during the run"
                    ) from exc
                raise
            finally:
                slot.runs += 1
                # Saving the session state is not part of the run: let the caller report
                # its outcome first. The account's lock passes to the saver (never released
                # in between), so the account's next run starts after the save.
                saver = asyncio.create_task(self._release(lock, key, slot, save_state))
                self._saving.add(saver)
                saver.add_done_callback(self._saving.discard)
                handed_over = True
        finally:
            if not handed_over:
                lock.release()

    async def _release(
        self, lock: asyncio.Lock, key: str, slot: _Slot, save_state: StateSaver
    ) -> None:
        try:
            slot.last_used = self._monotonic()
            await self._after_use(key, slot, save_state)
            if slot.doomed and self._slots.get(key) is slot:
                # Doomed while its state was being saved: close it now, still holding the lock.
                await self._close_slot(key, slot)
        finally:
            slot.busy = False  # only now may LRU or the idle TTL close it
            lock.release()
            self._janitor_wake.set()

    async def settle(self) -> None:
        """Wait until every session state of a finished run has been saved."""
        while self._saving:
            await asyncio.gather(*list(self._saving), return_exceptions=True)

    async def _after_use(self, key: str, slot: _Slot, save_state: StateSaver) -> None:
        alive = self.is_connected() and not slot.page.is_closed()
        if self.tracing and alive and slot.chunk_open:
            try:
                await slot.context.tracing.stop_chunk()  # the use went fine: drop it
            except PlaywrightError as exc:
                logger.warning("tracing of {} stopped: {}", key, exc)
            slot.chunk_open = False
        if not alive:
            self._slots.pop(key, None)
            return
        if slot.doomed:
            await self._close_slot(key, slot)  # its account or session is gone: no save
            return
        # Long-lived contexts leak memory: recycle after N runs (state is saved on close).
        if slot.runs >= self.recycle_after:
            await self._close_slot(key, slot, save_state)
            return
        # Read the session state between chunks: a trace never holds the cookie jar.
        try:
            await save_state(dict(await slot.context.storage_state()))
        except PlaywrightError as exc:
            logger.warning("saving session state of {} failed: {}", key, exc)
        if self.tracing:
            try:
                await slot.context.tracing.start_chunk()  # ready for the next use
                slot.chunk_open = True
            except PlaywrightError as exc:
                logger.warning("tracing of {} stopped: {}", key, exc)
        self._janitor_wake.set()
        async with self._capacity:
            self._capacity.notify_all()

    async def _close_when_idle(self) -> None:
        """Sleep until the next idle context expires (or a run ends), then close expired ones."""
        while True:
            self._janitor_wake.clear()
            idle = [s.last_used for s in self._slots.values() if not s.busy]
            timeout = None
            if idle:
                timeout = max(0.0, min(idle) + self.idle_ttl_s - self._monotonic()) + 0.01
            try:
                # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
                async with asyncio.timeout(timeout):
                    await self._janitor_wake.wait()
            except TimeoutError:
                await self.close_idle()

    def _slot_of(self, page: Page) -> _Slot | None:
        return next((s for s in self._slots.values() if s.page is page), None)

    async def take_trace(self, page: Page) -> bytes | None:
        """The trace of the current use of `page` (after a failure), unredacted; None if
        this use records none."""
        slot = self._slot_of(page)
        if slot is None or not slot.chunk_open:
            return None
        slot.chunk_open = False
        folder = self._scratch.path if self._scratch is not None else None
        path = Path(folder or tempfile.gettempdir()) / f"take-{next(self._trace_names)}.zip"
        try:
            await slot.context.tracing.stop_chunk(path=path)
            return await asyncio.to_thread(path.read_bytes)
        except (PlaywrightError, OSError) as exc:
            logger.warning("could not save the trace: {}", error_summary(exc))
            return None
        finally:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    async def discard_trace(self, page: Page) -> None:
        """Stop recording the current use of `page` (before credentials are entered); the
        next use records again."""
        slot = self._slot_of(page)
        if slot is None or not slot.chunk_open:
            return
        slot.chunk_open = False
        try:
            await slot.context.tracing.stop_chunk()
        except PlaywrightError as exc:
            logger.warning("could not stop the trace: {}", error_summary(exc))

    async def close_idle(self) -> int:
        """Close contexts idle for longer than the TTL; returns how many were closed."""
        now = self._monotonic()
        expired = [
            (k, s)
            for k, s in self._slots.items()
            if not s.busy and now - s.last_used > self.idle_ttl_s
        ]
        for key, slot in expired:
            await self._close_slot(key, slot)
        return len(expired)

    async def retain(self, valid: dict[str, int]) -> int:
        """Close idle contexts whose key is not in `valid` or whose epoch differs; a busy
        one is closed after its use. Returns how many were closed or marked."""
        closed = 0
        for key, slot in list(self._slots.items()):
            if valid.get(key) == slot.epoch:
                continue
            if slot.busy:
                slot.doomed = True
            else:
                await self._close_slot(key, slot)
            closed += 1
        return closed

    async def discard(self, key: str) -> None:
        """Drop an account's context without saving (e.g. after its session expired)."""
        slot = self._slots.get(key)
        if slot is not None and not slot.busy:
            await self._close_slot(key, slot)

    async def close(self) -> None:
        """Save what is pending, close every context and the browser."""
        await self.settle()
        if self._janitor is not None:
            self._janitor.cancel()
            await asyncio.gather(self._janitor, return_exceptions=True)
            self._janitor = None
        for key, slot in list(self._slots.items()):
            await self._close_slot(key, slot)
        if self._browser is not None:
            with contextlib.suppress(PlaywrightError):
                await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
        if self._scratch is not None:
            await asyncio.to_thread(self._scratch.close)
