"""Keep the browser on the configured LinkedIn host.

Three layers, because none covers everything alone:

1. `confine` routes, at the BrowserContext level, only requests whose URL is NOT on the
   host (a regex Playwright's driver matches, so requests on the host never reach
   Python) and aborts those that are main-frame navigations: links, scripts, forms and
   popups that try to leave.
2. Playwright never routes the hops of a server redirect. `guard_redirects` therefore
   also intercepts the page's document requests over CDP (documents only, not
   subresources) and aborts a main-frame hop to another host before it is sent: an
   open redirect on the host itself leads nowhere.
3. `ensure_on_host`, called after every navigation and click, checks where the page is
   (and whether a navigation was stopped); if it left the host, the page is put on
   about:blank, so no script of the other page keeps running, and the run fails OFF_HOST.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page, Route
from playwright.async_api import Error as PlaywrightError

from linkedin.touchpoints.errors import ErrorCode, TouchpointError

# The host each context must stay on, and the host of a main-frame navigation that was
# stopped since the page's last check (the page itself may not show it).
_HOSTS: weakref.WeakKeyDictionary[BrowserContext, str] = weakref.WeakKeyDictionary()
_BLOCKED: weakref.WeakKeyDictionary[Page, str] = weakref.WeakKeyDictionary()
_ROUTED: weakref.WeakKeyDictionary[BrowserContext, int] = weakref.WeakKeyDictionary()


def origin_host(url: str) -> str:
    """`host[:port]` of an http(s) URL, lower case, without credentials or path; else ""."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    try:
        port = parts.port
    except ValueError:
        return ""
    return parts.hostname.lower() + (f":{port}" if port is not None else "")


def as_host(base_url_or_host: str) -> str:
    """`host[:port]` of a base URL, or a host given as such (lower case)."""
    if "://" in base_url_or_host:
        return origin_host(base_url_or_host)
    return base_url_or_host.strip().lower()


def on_host(url: str, host: str) -> bool:
    """Whether `url` is an http(s) URL on `host` (as `origin_host` spells it)."""
    return bool(host) and origin_host(url) == host


# LinkedIn's own asset CDN: a signed-in page loads hundreds of images and scripts from it.
# Routing them would pause each one in the driver and Python for nothing (they are never a
# main-frame navigation that matters: a document from there is still stopped by layers 2
# and 3), so the route leaves them alone.
_ASSET_HOSTS = r"(?:[a-z0-9-]+\.)*licdn\.com(?::\d+)?"


def off_host_pattern(host: str) -> re.Pattern[str]:
    """A regex matching every URL that is neither on `host` nor on LinkedIn's asset CDN."""
    allowed = rf"(?:{re.escape(host)}|{_ASSET_HOSTS})"
    return re.compile(rf"^(?!https?://{allowed}(?:[/?#]|$))", re.IGNORECASE)


def stay_on_host(context: BrowserContext, base_url: str) -> None:
    """Record the host (or base URL's host) the context's pages must stay on; the first
    one recorded wins."""
    host = as_host(base_url)
    if host:
        _HOSTS.setdefault(context, host)


def expected_host(page: Page) -> str | None:
    """The host recorded for the page's context, if any."""
    return _HOSTS.get(page.context)


async def confine(context: BrowserContext, base_url: str) -> None:
    """Abort the context's main-frame navigations to other hosts (layer 1); `base_url` may
    also be a bare `host[:port]`."""
    host = as_host(base_url)
    if not host:
        raise ValueError("no allowed host given")
    stay_on_host(context, host)

    async def off_host(route: Route) -> None:
        request = route.request
        _ROUTED[context] = _ROUTED.get(context, 0) + 1
        with contextlib.suppress(PlaywrightError):
            if request.is_navigation_request() and request.frame.parent_frame is None:
                _BLOCKED[request.frame.page] = origin_host(request.url) or "a non-web page"
                # "aborted" leaves the current page as it is (no error page to commit).
                await route.abort("aborted")
            else:
                await route.continue_()

    await context.route(off_host_pattern(host), off_host)


def routed_requests(context: BrowserContext) -> int:
    """How many requests the context's off-host route has handled (requests on the host
    never reach it: Playwright's driver matches the pattern)."""
    return _ROUTED.get(context, 0)


async def guard_redirects(page: Page, base_url: str) -> None:
    """Abort main-frame document requests to other hosts, redirect hops included (layer 2)."""
    host = as_host(base_url)
    session = await page.context.new_cdp_session(page)
    tree = await session.send("Page.getFrameTree")
    main_frame = tree["frameTree"]["frame"]["id"]

    async def paused(event: dict[str, Any]) -> None:
        url = str(event.get("request", {}).get("url", ""))
        with contextlib.suppress(PlaywrightError):
            if event.get("frameId") == main_frame and not on_host(url, host):
                _BLOCKED[page] = origin_host(url) or "a non-web page"
                await session.send(
                    "Fetch.failRequest", {"requestId": event["requestId"], "errorReason": "Aborted"}
                )
            else:
                await session.send("Fetch.continueRequest", {"requestId": event["requestId"]})

    session.on("Fetch.requestPaused", paused)
    await session.send(
        "Fetch.enable",
        {"patterns": [{"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}]},
    )


def forget_stopped(page: Page) -> None:
    """Forget a stopped navigation that no check saw (a new navigation starts afresh)."""
    _BLOCKED.pop(page, None)


async def leave_page(page: Page) -> None:
    """Put the page on about:blank (ending the scripts of whatever it showed)."""
    for _ in range(3):
        try:
            await page.goto("about:blank")
            return
        except PlaywrightError as exc:
            # A stopped navigation may still commit its error page: try again after it.
            if page.is_closed() or "interrupted by another navigation" not in str(exc):
                return


async def _off_host(page: Page, where: str) -> TouchpointError:
    await leave_page(page)
    return TouchpointError(
        ErrorCode.OFF_HOST,
        f"the browser was sent off the LinkedIn host (to {where}); the page was closed",
        retryable=False,
        details={"host": where},
    )


async def raise_if_stopped(page: Page) -> None:
    """Fail OFF_HOST if a navigation of the page off its host was stopped since the last
    check (after a failed navigation, where the page itself stayed where it was)."""
    blocked = _BLOCKED.pop(page, None)
    if blocked is not None:
        raise await _off_host(page, blocked)


async def ensure_on_host(page: Page, host: str | None = None) -> None:
    """Fail OFF_HOST (leaving the page on about:blank) unless the page is on its host and
    no navigation off it was stopped.

    `host` defaults to the one recorded for the page's context; with neither, no check.
    """
    host = host or expected_host(page)
    if not host:
        return
    await raise_if_stopped(page)
    if not on_host(page.url, host):
        raise await _off_host(page, origin_host(page.url) or "a non-web page")
