"""`Client` and `AsyncClient`: the same methods over httpx, sync or async.

Everything but the transport is shared: requests are built and answers parsed by the
`Call`s of `endpoints/`, methods are bound from them in `resources.py`, and `wait_for`
drives the flow of a `Waiter`. Each client only sends and sleeps.

Extending: a new resource (say the server's metrics) is a module
of builders in `endpoints/`, a pair of resource classes in `resources.py` and one attribute
on each client; an event-feed waiter is a `Waiter` passed as `waiter=`.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass, field
from importlib import metadata
from types import TracebackType
from typing import Any, TypeVar

import httpx

from openoutreach_client.call import Call
from openoutreach_client.endpoints import health
from openoutreach_client.models import Health, Run
from openoutreach_client.resources import (
    Accounts,
    AsyncAccounts,
    AsyncEvents,
    AsyncHosts,
    AsyncRuns,
    AsyncSchedules,
    AsyncWebhooks,
    Events,
    Hosts,
    Runs,
    Schedules,
    Webhooks,
)
from openoutreach_client.waiting import Flow, LongPollWaiter, Pause, Waiter

T = TypeVar("T")
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_WAIT_TIMEOUT_S = 300.0


@functools.cache
def _user_agent() -> str:
    return f"openoutreach-client/{_version()}"


def _version() -> str:
    try:
        return metadata.version("openoutreach-server")
    except metadata.PackageNotFoundError:
        return "0"


@dataclass(frozen=True)
class _Connection:
    """Where and as whom to send: the part of a request every call shares."""

    base_url: str
    api_key: str = field(repr=False)
    timeout: httpx.Timeout

    def request(self, http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
        request = call.build(http, self.base_url, self.timeout)
        request.headers["X-API-Key"] = self.api_key
        request.headers["User-Agent"] = _user_agent()
        return request


def _connection(
    base_url: str, api_key: str, timeout: float | httpx.Timeout, http: object, transport: object
) -> _Connection:
    if not api_key:
        raise ValueError("api_key is empty")
    if http is not None and transport is not None:
        raise ValueError("give http_client or transport, not both")
    return _Connection(base_url.rstrip("/"), api_key, httpx.Timeout(timeout))


class Client:
    """Sync client of openoutreach-server.

    `Client("http://127.0.0.1:8000", api_key)`; use it as a context manager (or call
    `close()`). `http_client` or `transport` replace the httpx client or its transport
    (tests, proxies); an injected `http_client` is not closed by this client.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT_S,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        waiter: Waiter | None = None,
    ) -> None:
        self._conn = _connection(base_url, api_key, timeout, http_client, transport)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport)
        self.waiter: Waiter = waiter or LongPollWaiter()
        self.accounts = Accounts(self)
        self.runs = Runs(self)
        self.schedules = Schedules(self)
        self.events = Events(self)
        self.webhooks = Webhooks(self)
        self.hosts = Hosts(self)

    @property
    def base_url(self) -> str:
        """The server's URL."""
        return self._conn.base_url

    def send(self, call: Call[T]) -> T:
        """Send one call and return its parsed answer; an error status raises `ApiError`."""
        return call.read(self._http.send(self._conn.request(self._http, call)))

    def health(self) -> Health:
        """Liveness: server version, whether it runs a worker, its database kind."""
        return self.send(health.health())

    def wait_for(self, run: Run | int, timeout: float = DEFAULT_WAIT_TIMEOUT_S) -> Run:
        """The run once it has ended (a failed run is returned, see `Run.raise_for_error`);
        `WaitTimeout` if it is still pending or running after `timeout` seconds."""
        return self._drive(self.waiter.wait(run, timeout))

    def _drive(self, flow: Flow[T]) -> T:
        reply: Any = None
        while True:
            try:
                step = flow.send(reply)
            except StopIteration as done:
                return done.value
            if isinstance(step, Pause):
                time.sleep(step.seconds)
                reply = None
            else:
                reply = self.send(step)

    def close(self) -> None:
        """Close the httpx client if this client made it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient:
    """Async client of openoutreach-server: `Client`'s methods, awaited.

    `async with AsyncClient(url, api_key) as oo: run = await oo.runs.create(...)`.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT_S,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        waiter: Waiter | None = None,
    ) -> None:
        self._conn = _connection(base_url, api_key, timeout, http_client, transport)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport)
        self.waiter: Waiter = waiter or LongPollWaiter()
        self.accounts = AsyncAccounts(self)
        self.runs = AsyncRuns(self)
        self.schedules = AsyncSchedules(self)
        self.events = AsyncEvents(self)
        self.webhooks = AsyncWebhooks(self)
        self.hosts = AsyncHosts(self)

    @property
    def base_url(self) -> str:
        """The server's URL."""
        return self._conn.base_url

    async def send(self, call: Call[T]) -> T:
        """Send one call and return its parsed answer; an error status raises `ApiError`."""
        return call.read(await self._http.send(self._conn.request(self._http, call)))

    async def health(self) -> Health:
        """Liveness: server version, whether it runs a worker, its database kind."""
        return await self.send(health.health())

    # `timeout` is the wait's budget, spent across long-polls, not a cancel scope: it keeps
    # the same signature as Client.wait_for.
    async def wait_for(
        self,
        run: Run | int,
        timeout: float = DEFAULT_WAIT_TIMEOUT_S,  # noqa: ASYNC109
    ) -> Run:
        """The run once it has ended (a failed run is returned, see `Run.raise_for_error`);
        `WaitTimeout` if it is still pending or running after `timeout` seconds."""
        return await self._drive(self.waiter.wait(run, timeout))

    async def _drive(self, flow: Flow[T]) -> T:
        reply: Any = None
        while True:
            try:
                step = flow.send(reply)
            except StopIteration as done:
                return done.value
            if isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
                reply = None
            else:
                reply = await self.send(step)

    async def aclose(self) -> None:
        """Close the httpx client if this client made it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
