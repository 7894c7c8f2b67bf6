"""The client's namespaces (`client.accounts`, `client.runs`, `client.webhooks`, ...), bound
once for sync and once for async from the same endpoint builders.

A builder's signature and docstring become the method's: `get = sync(accounts.get)` makes
`client.accounts.get(handle)` send `accounts.get(handle)` and return its parsed answer. A new
endpoint is one builder plus one line in each class below (a test keeps both sides equal).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from openoutreach_client.call import Call
from openoutreach_client.endpoints import accounts, events, hosts, runs, schedules, webhooks
from openoutreach_client.models import Event, EventPage, Page

P = ParamSpec("P")
T = TypeVar("T")


class SyncSender(Protocol):
    """What a sync resource needs from its client."""

    def send(self, call: Call[T]) -> T:
        """Send the call and return its parsed answer."""
        ...


class AsyncSender(Protocol):
    """What an async resource needs from its client."""

    async def send(self, call: Call[T]) -> T:
        """Send the call and return its parsed answer."""
        ...


class SyncResource:
    """A namespace of sync methods sharing one client."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client


class AsyncResource:
    """A namespace of async methods sharing one client."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client


def sync(build: Callable[P, Call[T]]) -> Callable[Concatenate[SyncResource, P], T]:
    """A method sending what `build` describes."""

    @functools.wraps(build)
    def method(self: SyncResource, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._client.send(build(*args, **kwargs))

    return method


def aio(
    build: Callable[P, Call[T]],
) -> Callable[Concatenate[AsyncResource, P], Coroutine[Any, Any, T]]:
    """A coroutine method sending what `build` describes."""

    @functools.wraps(build)
    async def method(self: AsyncResource, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._client.send(build(*args, **kwargs))

    return method


def _iterating(method: Any, build: Callable[..., Any]) -> None:
    method.__name__ = method.__qualname__ = "iterate"
    method.__doc__ = f"Every item, page after page (follows next_cursor). {build.__doc__}"


def sync_pages(
    build: Callable[P, Call[Page[T]]],
) -> Callable[Concatenate[SyncResource, P], Iterator[T]]:
    """A method iterating over every item of a paged list, fetching pages as it goes."""

    @functools.wraps(build)
    def method(self: SyncResource, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        call = build(*args, **kwargs)
        while True:
            page = self._client.send(call)
            yield from page.items
            if not page.next_cursor:
                return
            call = call.with_params(cursor=page.next_cursor)

    _iterating(method, build)
    return method


def aio_pages(
    build: Callable[P, Call[Page[T]]],
) -> Callable[Concatenate[AsyncResource, P], AsyncIterator[T]]:
    """An async-iterator method over every item of a paged list, fetching pages as it goes."""

    @functools.wraps(build)
    async def method(self: AsyncResource, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
        call = build(*args, **kwargs)
        while True:
            page = await self._client.send(call)
            for item in page.items:
                yield item
            if not page.next_cursor:
                return
            call = call.with_params(cursor=page.next_cursor)

    _iterating(method, build)
    return method


class Accounts(SyncResource):
    """`/accounts`: LinkedIn identities, their login, pause, usage, cool-downs, invitations
    and home host."""

    create = sync(accounts.create)
    list = sync(accounts.list_)
    get = sync(accounts.get)
    patch = sync(accounts.patch)
    delete = sync(accounts.delete)
    login = sync(accounts.login)
    submit_checkpoint = sync(accounts.submit_checkpoint)
    pause = sync(accounts.pause)
    resume = sync(accounts.resume)
    usage = sync(accounts.usage)
    clear_cooldowns = sync(accounts.clear_cooldowns)
    invitations = sync(accounts.invitations)
    set_home_host = sync(accounts.set_home_host)


class AsyncAccounts(AsyncResource):
    """`/accounts`: LinkedIn identities, their login, pause, usage, cool-downs, invitations
    and home host."""

    create = aio(accounts.create)
    list = aio(accounts.list_)
    get = aio(accounts.get)
    patch = aio(accounts.patch)
    delete = aio(accounts.delete)
    login = aio(accounts.login)
    submit_checkpoint = aio(accounts.submit_checkpoint)
    pause = aio(accounts.pause)
    resume = aio(accounts.resume)
    usage = aio(accounts.usage)
    clear_cooldowns = aio(accounts.clear_cooldowns)
    invitations = aio(accounts.invitations)
    set_home_host = aio(accounts.set_home_host)


class Runs(SyncResource):
    """`/runs`: queue touchpoints, read, list, cancel, download artifacts."""

    create = sync(runs.create)
    get = sync(runs.get)
    list = sync(runs.list_)
    iterate = sync_pages(runs.list_)
    cancel = sync(runs.cancel)
    cancel_many = sync(runs.cancel_many)
    download_artifact = sync(runs.download_artifact)


class AsyncRuns(AsyncResource):
    """`/runs`: queue touchpoints, read, list, cancel, download artifacts."""

    create = aio(runs.create)
    get = aio(runs.get)
    list = aio(runs.list_)
    iterate = aio_pages(runs.list_)
    cancel = aio(runs.cancel)
    cancel_many = aio(runs.cancel_many)
    download_artifact = aio(runs.download_artifact)


class Schedules(SyncResource):
    """`/schedules`: touchpoints queued by cron."""

    create = sync(schedules.create)
    list = sync(schedules.list_)
    iterate = sync_pages(schedules.list_)
    get = sync(schedules.get)
    patch = sync(schedules.patch)
    delete = sync(schedules.delete)


class AsyncSchedules(AsyncResource):
    """`/schedules`: touchpoints queued by cron."""

    create = aio(schedules.create)
    list = aio(schedules.list_)
    iterate = aio_pages(schedules.list_)
    get = aio(schedules.get)
    patch = aio(schedules.patch)
    delete = aio(schedules.delete)


class Webhooks(SyncResource):
    """`/webhooks`: endpoints events are POSTed to, their secrets and delivery log."""

    create = sync(webhooks.create)
    list = sync(webhooks.list_)
    get = sync(webhooks.get)
    patch = sync(webhooks.patch)
    delete = sync(webhooks.delete)
    rotate_secret = sync(webhooks.rotate_secret)
    deliveries = sync(webhooks.deliveries)
    callback_secret = sync(webhooks.callback_secret)
    rotate_callback_secret = sync(webhooks.rotate_callback_secret)


class AsyncWebhooks(AsyncResource):
    """`/webhooks`: endpoints events are POSTed to, their secrets and delivery log."""

    create = aio(webhooks.create)
    list = aio(webhooks.list_)
    get = aio(webhooks.get)
    patch = aio(webhooks.patch)
    delete = aio(webhooks.delete)
    rotate_secret = aio(webhooks.rotate_secret)
    deliveries = aio(webhooks.deliveries)
    callback_secret = aio(webhooks.callback_secret)
    rotate_callback_secret = aio(webhooks.rotate_callback_secret)


class Hosts(SyncResource):
    """`/hosts`: worker hosts, their workers, load and pinned accounts."""

    list = sync(hosts.list_)


class AsyncHosts(AsyncResource):
    """`/hosts`: worker hosts, their workers, load and pinned accounts."""

    list = aio(hosts.list_)


def _next_after(page: EventPage, after: str | int | None) -> str | int | None:
    if page.next_cursor:
        return page.next_cursor
    return page.items[-1].id if page.items else after


class Events(SyncResource):
    """`/events`: the event feed, and redelivery of an event to webhooks."""

    list = sync(events.list_)
    redeliver = sync(events.redeliver)

    def iterate(
        self,
        *,
        after: str | int | None = None,
        types: Sequence[str] = (),
        handle: str | None = None,
        limit: int = events.DEFAULT_LIMIT,
        wait: float | None = None,
        follow: bool = False,
    ) -> Iterator[Event]:
        """Every event after `after`, page after page; stops at the end of the feed, or with
        `follow` long-polls (`wait`, default 30 s) for new ones forever."""
        wait = wait if wait is not None or not follow else events.FOLLOW_WAIT_S
        while True:
            page = self._client.send(
                events.list_(after=after, types=types, handle=handle, limit=limit, wait=wait)
            )
            yield from page.items
            after = _next_after(page, after)
            if not page.items and not follow:
                return


class AsyncEvents(AsyncResource):
    """`/events`: the event feed, and redelivery of an event to webhooks."""

    list = aio(events.list_)
    redeliver = aio(events.redeliver)

    async def iterate(
        self,
        *,
        after: str | int | None = None,
        types: Sequence[str] = (),
        handle: str | None = None,
        limit: int = events.DEFAULT_LIMIT,
        wait: float | None = None,
        follow: bool = False,
    ) -> AsyncIterator[Event]:
        """Every event after `after`, page after page; stops at the end of the feed, or with
        `follow` long-polls (`wait`, default 30 s) for new ones forever."""
        wait = wait if wait is not None or not follow else events.FOLLOW_WAIT_S
        while True:
            page = await self._client.send(
                events.list_(after=after, types=types, handle=handle, limit=limit, wait=wait)
            )
            for event in page.items:
                yield event
            after = _next_after(page, after)
            if not page.items and not follow:
                return
