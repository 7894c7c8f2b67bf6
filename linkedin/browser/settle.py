"""When is a page done? For lists whose absence is an answer (no sent invitations, no posts).

An empty list is an answer only once the page has settled; a list that renders late must
not be read as empty. A page counts as settled when all of these hold:

- its main content (`main`) has rendered, with some text;
- no loading indicator (progress bar, `aria-busy`, spinner, skeleton) shows inside it;
- main's DOM has not changed for QUIET_MS;
- no document, script, XHR or fetch request started or finished for QUIET_MS, counting
  from before the navigation (`NetworkActivity` must be entered before `goto`). A page
  that never stops talking (LinkedIn keeps long-polls open) has its network waived after
  NETWORK_GRACE_MS.

Callers race this against the markers that answer sooner (list items, an explicit empty
state): `marker_or_settled`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from contextlib import suppress
from types import TracebackType

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Request

from linkedin import selectors as S

QUIET_MS = 1_000
NETWORK_GRACE_MS = 5_000
_TRACKED = frozenset({"document", "script", "xhr", "fetch"})

# Resolves true once `css` has text, shows no loader and none of it changed for `quiet`
# ms; false after `limit` ms.
_DOM_QUIET_JS = """([css, loaderCss, quiet, limit]) => new Promise((resolve) => {
  const ready = () => {
    const main = document.querySelector(css);
    if (!main || !main.innerText.trim()) return false;
    const busy = Array.from(main.querySelectorAll(loaderCss));
    return !busy.some((el) => el.getClientRects().length > 0);
  };
  let timer = 0;
  let giveUp = 0;
  const observer = new MutationObserver((records) => {
    const main = document.querySelector(css);
    if (!main || records.some((r) => main.contains(r.target) || r.target.contains(main))) arm();
  });
  const finish = (value) => {
    clearTimeout(timer);
    clearTimeout(giveUp);
    observer.disconnect();
    resolve(value);
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => (ready() ? finish(true) : arm()), quiet);
  };
  observer.observe(document.documentElement,
    {subtree: true, childList: true, attributes: true, characterData: true});
  giveUp = setTimeout(() => finish(false), limit);
  arm();
})"""


class NetworkActivity:
    """The page's document, script, XHR and fetch requests since entering: which are in
    flight, and when the last one started or ended."""

    def __init__(self, page: Page) -> None:
        self._page = page
        self._inflight: set[Request] = set()
        self._started = self._last = time.monotonic()

    def _on_request(self, request: Request) -> None:
        if request.resource_type in _TRACKED:
            self._inflight.add(request)
            self._last = time.monotonic()

    def _on_done(self, request: Request) -> None:
        if request in self._inflight:
            self._inflight.discard(request)
            self._last = time.monotonic()

    def __enter__(self) -> NetworkActivity:
        self._page.on("request", self._on_request)
        self._page.on("requestfinished", self._on_done)
        self._page.on("requestfailed", self._on_done)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._page.remove_listener("request", self._on_request)
        self._page.remove_listener("requestfinished", self._on_done)
        self._page.remove_listener("requestfailed", self._on_done)

    def quiet_in(self, quiet_s: float, grace_s: float) -> float:
        """Seconds until the network counts as quiet for `quiet_s` (0.0: it is now)."""
        now = time.monotonic()
        if self._inflight:
            waited = now - self._started
            # Requests that never end (long polls) stop counting after the grace period.
            return 0.0 if waited >= grace_s else min(quiet_s, grace_s - waited)
        return max(0.0, self._last + quiet_s - now)


async def loading(page: Page, content_css: str = "main") -> bool:
    """Whether a loading indicator shows inside the page's content right now."""
    loaders = S.any_of(page.locator(content_css), S.LOADING)
    try:
        return await loaders.filter(visible=True).count() > 0
    except PlaywrightError:
        return False


async def settled(
    page: Page,
    network: NetworkActivity,
    *,
    timeout_ms: float,
    content_css: str = "main",
    quiet_ms: int = QUIET_MS,
    network_grace_ms: int = NETWORK_GRACE_MS,
) -> bool:
    """True once the page has settled (see the module docstring); False after timeout_ms.

    `network_grace_ms`: how long requests still in flight count (longer when the caller
    just asked for more of a list and must not take "nothing came yet" for "no more").
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_ms / 1000
    loaders = ", ".join(S.LOADING.variants)
    while (left_ms := (deadline - loop.time()) * 1000) > 0:
        try:
            quiet = await page.evaluate(_DOM_QUIET_JS, [content_css, loaders, quiet_ms, left_ms])
        except PlaywrightError:
            # The page navigated mid-check: look again once it has loaded.
            with suppress(PlaywrightError):
                await page.wait_for_load_state("domcontentloaded", timeout=max(left_ms, 1))
            continue
        if not quiet:
            return False
        wait_s = network.quiet_in(quiet_ms / 1000, network_grace_ms / 1000)
        if wait_s <= 0:
            return True
        # Requests still going: wait for them, then make sure the DOM stayed quiet too.
        await asyncio.sleep(min(wait_s, max(0.0, deadline - loop.time())))
    return False


async def marker_or_settled(
    markers: Awaitable[str | None],
    page: Page,
    network: NetworkActivity,
    *,
    timeout_ms: float,
    content_css: str = "main",
    network_grace_ms: int = NETWORK_GRACE_MS,
) -> str | None:
    """Race a marker wait (which returns a key, or None on timeout) against the page
    settling: the marker's key, else "settled", else None (neither within timeout_ms).

    A marker seen while a loader still shows in the content (an empty state flashed before
    the list arrived, a list still filling) is not trusted: then the page must settle, and
    the answer is "settled" (callers look at the page again).
    """
    marker_task = asyncio.ensure_future(markers)
    settle_task = asyncio.ensure_future(
        settled(
            page,
            network,
            timeout_ms=timeout_ms,
            content_css=content_css,
            network_grace_ms=network_grace_ms,
        )
    )
    pending: set[asyncio.Future[object]] = {marker_task, settle_task}  # type: ignore[arg-type]
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if marker_task in done and marker_task.result() is not None:
                if not await loading(page, content_css):
                    return marker_task.result()
                return "settled" if await settle_task else None
            if settle_task in done and settle_task.result():
                return "settled"
        return None
    finally:
        for task in (marker_task, settle_task):
            if not task.done():
                task.cancel()
                with suppress(asyncio.CancelledError, PlaywrightError):
                    await task
