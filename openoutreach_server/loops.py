"""One base for the server's background loops: start, stop, wake, and a `tick` that says
when it wants to run again. Loops never sleep-and-poll: they sleep until their next due
time, woken early by `wake()` (from any thread), and look again after a safety interval."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from loguru import logger

# A lost wake-up or a wall-clock jump costs at most this long.
SAFETY_WAKE_S = 30.0


class LoopService:
    """A background loop; subclasses implement `tick()`."""

    name = "loop"

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.ticks = 0

    async def tick(self) -> float | None:
        """Do what is due now; return in how many seconds to run again (None: no idea)."""
        raise NotImplementedError

    def wake(self) -> None:
        """Run a tick now; safe from any thread."""
        if self._loop is None or threading.get_ident() == self._loop_thread:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def start(self) -> None:
        """Start the loop on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._task = asyncio.create_task(self._run(), name=f"oo-{self.name}")

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                delay = await self.tick()
            except Exception:
                logger.exception("{} failed; trying again shortly", self.name)
                delay = 1.0
            self.ticks += 1
            if self._wake.is_set():
                continue
            timeout = SAFETY_WAKE_S if delay is None else min(max(delay, 0.0), SAFETY_WAKE_S)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout + 0.001):
                    await self._wake.wait()

    async def stop(self) -> None:
        """Stop after the tick in progress."""
        self._stopping = True
        if self._task is not None:
            self._wake.set()
            try:
                async with asyncio.timeout(20):
                    await self._task
            except TimeoutError:
                self._task.cancel()
            self._task = None
