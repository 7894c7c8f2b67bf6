"""Human or fast pacing: dwell, think time, typing cadence and scrolling."""

from __future__ import annotations

import asyncio
import random
from typing import Literal

from playwright.async_api import Locator, Page

from linkedin.browser.clicks import act_through

PaceMode = Literal["human", "fast"]

# Characters a keypress would turn into navigation (Tab moves focus) or that no key
# produces: they are inserted as text instead of typed.
_INSERT_AS_TEXT = frozenset("\t\r\x0b\x0c")
_CLICK_TIMEOUT_MS = 10_000


class Pace:
    """How fast the browser acts; all randomness comes from the injected `rng`."""

    def __init__(self, mode: PaceMode = "human", rng: random.Random | None = None) -> None:
        if mode not in ("human", "fast"):
            raise ValueError(f"unknown pace mode {mode!r}")
        self.mode: PaceMode = mode
        self.rng = rng or random.Random()

    @property
    def fast(self) -> bool:
        """True when delays are near zero (tests, benchmarks, the simulator)."""
        return self.mode == "fast"

    async def _sleep(self, seconds: float) -> None:
        # Fast mode still yields to the loop so other accounts' runs progress.
        await asyncio.sleep(0 if self.fast else max(0.0, seconds))

    async def dwell(self, low: float, high: float) -> None:
        """Stay on a page for a random time in [low, high] seconds (human mode)."""
        await self._sleep(self.rng.uniform(low, high) if high > low else low)

    async def pause(self) -> None:
        """A short think time between two steps of one action."""
        await self._sleep(self.rng.uniform(0.4, 1.6))

    async def type_text(self, locator: Locator, text: str) -> None:
        """Enter `text` into a field exactly (newlines, emoji, surrounding spaces kept)."""
        if self.fast:
            await locator.fill(text)
            return
        await act_through(locator, "the text field", action="click", timeout_ms=_CLICK_TIMEOUT_MS)
        await locator.fill("")
        keyboard = locator.page.keyboard
        for char in text:
            if char in _INSERT_AS_TEXT:
                await keyboard.insert_text(char)
            else:
                # keyboard.type maps "\n" to Enter and inserts non-keyboard characters (emoji).
                await keyboard.type(char)
            delay = self.rng.lognormvariate(-2.4, 0.5)
            if char in " .,!?\n" and self.rng.random() < 0.15:
                delay += self.rng.uniform(0.2, 0.8)
            await asyncio.sleep(min(delay, 1.5))
        # Typing can be altered by IME or key mapping quirks; the text must arrive exactly.
        if await locator.input_value() != text:
            await locator.fill(text)

    async def scroll(self, page: Page) -> None:
        """Scroll down through the page and partly back up, like reading."""
        if self.fast:
            await page.mouse.wheel(0, 800)
            return
        for _ in range(self.rng.randint(3, 7)):
            await page.mouse.wheel(0, self.rng.randint(250, 700))
            await self._sleep(self.rng.uniform(0.5, 2.0))
        if self.rng.random() < 0.5:
            await page.mouse.wheel(0, -self.rng.randint(200, 900))
            await self._sleep(self.rng.uniform(0.3, 1.0))
