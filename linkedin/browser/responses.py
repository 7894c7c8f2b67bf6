"""LinkedIn's answers to a page's own requests, not only the page it shows.

A list that loads its next batch by XHR (show more, infinite scroll) gets a 429 when
LinkedIn throttles, or a 5xx when LinkedIn fails; the page may just keep what it has, which
must not read as "the end of the list" (nor as a changed UI). Watch the page's document,
XHR and fetch answers on the LinkedIn host while reading.
"""

from __future__ import annotations

from types import TracebackType
from urllib.parse import urlsplit

from playwright.async_api import Page, Response

from linkedin.browser.host_guard import expected_host, on_host, origin_host
from linkedin.touchpoints.errors import ErrorCode, TouchpointError

_THROTTLED = frozenset({429, 999})
_WATCHED = frozenset({"document", "xhr", "fetch"})


class ResponseWatch:
    """Remembers the first throttled (429 / 999) and the first failed (5xx) answer to the
    page's requests on the LinkedIn host while entered (paths only: queries can carry
    tokens)."""

    def __init__(self, page: Page, host: str | None = None) -> None:
        self._page = page
        self._host = host
        self.throttled_path: str | None = None
        self.failed_path: str | None = None

    def _on_response(self, response: Response) -> None:
        status = response.status
        if status not in _THROTTLED and status < 500:
            return
        if response.request.resource_type not in _WATCHED:
            return
        host = self._host or expected_host(self._page) or origin_host(self._page.url)
        if not on_host(response.url, host):
            return
        path = urlsplit(response.url).path
        if status in _THROTTLED:
            self.throttled_path = self.throttled_path or path
        else:
            self.failed_path = self.failed_path or path

    def __enter__(self) -> ResponseWatch:
        self._page.on("response", self._on_response)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._page.remove_listener("response", self._on_response)

    def raise_if_throttled(self) -> None:
        """Raise RATE_LIMITED if a watched request was answered 429 / 999."""
        if self.throttled_path is not None:
            raise TouchpointError(
                ErrorCode.RATE_LIMITED,
                "LinkedIn answered a request of this page with 'too many requests'",
                details={"path": self.throttled_path},
            )

    def raise_if_failed(self) -> None:
        """Raise LINKEDIN_UNAVAILABLE if a watched request was answered 5xx (for when what
        that request should have brought did not come)."""
        if self.failed_path is not None:
            raise TouchpointError(
                ErrorCode.LINKEDIN_UNAVAILABLE,
                "LinkedIn failed a request of this page (HTTP 5xx)",
                details={"path": self.failed_path},
            )
