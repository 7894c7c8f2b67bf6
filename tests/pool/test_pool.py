"""The browser pool in real Chromium: warm reuse, saving, TTL, LRU, recycling, crash relaunch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import psutil
import pytest

from linkedin.browser.pool import BrowserPool, Identity
from linkedin.touchpoints.errors import ErrorCode, TouchpointError


class FakeMonotonic:
    """Monotonic time the test moves by hand."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


class Store:
    """Per-account storage state, as the server keeps it (in memory here)."""

    def __init__(self) -> None:
        self.states: dict[str, dict[str, Any]] = {}
        self.saves = 0

    def loader(self, key: str) -> Any:
        async def load() -> dict[str, Any] | None:
            return self.states.get(key)

        return load

    def saver(self, key: str) -> Any:
        async def save(state: dict[str, Any]) -> None:
            self.saves += 1
            self.states[key] = state

        return save


@pytest.fixture
async def pool() -> AsyncIterator[tuple[BrowserPool, FakeMonotonic, Store]]:
    clock = FakeMonotonic()
    browser_pool = BrowserPool(max_contexts=2, idle_ttl_s=60, recycle_after=3, monotonic=clock)
    yield browser_pool, clock, Store()
    await browser_pool.close()


async def _use(pool: BrowserPool, store: Store, key: str, identity: Identity | None = None) -> Any:
    async with pool.session(
        key,
        identity=identity or Identity(),
        load_state=store.loader(key),
        save_state=store.saver(key),
    ) as page:
        return page


async def test_warm_reuse_and_state_saved_after_each_run(
    pool: tuple[BrowserPool, FakeMonotonic, Store],
) -> None:
    browser_pool, _, store = pool
    async with browser_pool.session(
        "a", identity=Identity(), load_state=store.loader("a"), save_state=store.saver("a")
    ) as page:
        await page.context.add_cookies(
            [{"name": "li_at", "value": "v1", "domain": "example.test", "path": "/"}]
        )
        first = page
        ua = await page.evaluate("navigator.userAgent")
    assert "Headless" not in ua
    second = await _use(browser_pool, store, "a")
    assert second is first, "the warm page should be reused"
    assert browser_pool.contexts_created == 1
    await browser_pool.settle()
    assert store.saves == 2
    assert store.states["a"]["cookies"][0]["value"] == "v1"


async def test_identity_is_applied(pool: tuple[BrowserPool, FakeMonotonic, Store]) -> None:
    browser_pool, _, store = pool
    identity = Identity(viewport=(1440, 900), locale="fr-FR", timezone_id="Europe/Paris")
    async with browser_pool.session(
        "a", identity=identity, load_state=store.loader("a"), save_state=store.saver("a")
    ) as page:
        seen = await page.evaluate(
            "[innerWidth, innerHeight, navigator.language,"
            " Intl.DateTimeFormat().resolvedOptions().timeZone]"
        )
    assert seen == [1440, 900, "fr-FR", "Europe/Paris"]


async def test_lru_eviction_restores_state(pool: tuple[BrowserPool, FakeMonotonic, Store]) -> None:
    browser_pool, clock, store = pool
    store.states["a"] = {
        "cookies": [
            {
                "name": "li_at",
                "value": "kept",
                "domain": "example.test",
                "path": "/",
                "expires": -1,
                "httpOnly": False,
                "secure": False,
                "sameSite": "Lax",
            }
        ],
        "origins": [],
    }
    await _use(browser_pool, store, "a")
    clock.value += 1
    await _use(browser_pool, store, "b")
    clock.value += 1
    await _use(browser_pool, store, "c")  # max 2: "a" is the least recently used
    assert browser_pool.open_sessions == 2
    assert "a" not in browser_pool._slots
    async with browser_pool.session(
        "a", identity=Identity(), load_state=store.loader("a"), save_state=store.saver("a")
    ) as page:
        cookies = await page.context.cookies()
    assert [c["value"] for c in cookies] == ["kept"]


async def test_idle_ttl_closes_contexts(pool: tuple[BrowserPool, FakeMonotonic, Store]) -> None:
    browser_pool, clock, store = pool
    await _use(browser_pool, store, "a")
    await browser_pool.settle()
    assert await browser_pool.close_idle() == 0
    clock.value += 61
    assert await browser_pool.close_idle() == 1
    assert browser_pool.open_sessions == 0


async def test_recycled_after_n_runs(pool: tuple[BrowserPool, FakeMonotonic, Store]) -> None:
    browser_pool, _, store = pool
    pages = [await _use(browser_pool, store, "a") for _ in range(4)]
    assert pages[0] is pages[1] is pages[2]
    assert pages[3] is not pages[0]
    assert browser_pool.contexts_created == 2


def _browser_pids() -> set[int]:
    """Main Chromium processes under this test process (renderers carry --type=)."""
    pids = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            if "chrom" in proc.name().lower() and "--type=" not in " ".join(proc.cmdline()):
                pids.add(proc.pid)
        except psutil.Error:
            continue  # exited meanwhile
    return pids


async def test_crashed_browser_fails_the_run_and_is_relaunched(
    pool: tuple[BrowserPool, FakeMonotonic, Store],
) -> None:
    browser_pool, _, store = pool
    before = _browser_pids()
    await _use(browser_pool, store, "a")
    ours = _browser_pids() - before
    assert len(ours) == 1
    with pytest.raises(TouchpointError) as caught:
        async with browser_pool.session(
            "a", identity=Identity(), load_state=store.loader("a"), save_state=store.saver("a")
        ) as page:
            psutil.Process(ours.pop()).kill()
            await page.goto("data:text/html,<p>after the crash</p>")
    assert caught.value.code == ErrorCode.BROWSER_CRASHED
    assert caught.value.retryable
    page = await _use(browser_pool, store, "a")
    assert browser_pool.launches == 2
    assert not page.is_closed()
