"""Where webhooks may be sent: public addresses only, unless the operator allows private ones.

A webhook URL is a request the server makes on a client's behalf; without this check any API
client could make it reach the machine's own services or the private network behind it
(server-side request forgery). The URL is checked when it is registered and again at every
connection: the connection goes to the very address that was checked, so a name that
resolves elsewhere later (DNS rebinding) cannot slip past.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from urllib.parse import urlsplit

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL may not receive webhooks (the message says why)."""


def public(address: IPAddress) -> bool:
    """Whether an address is on the public internet (not loopback, private, link-local,
    shared, reserved, multicast or unspecified)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _check(host: str, addresses: typing.Iterable[str]) -> list[str]:
    found = list(dict.fromkeys(addresses))
    for text in found:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not public(address):
            raise TargetRefused(
                f"{host} resolves to {address}, a loopback, private or link-local address;"
                " set OO_WEBHOOK_ALLOW_PRIVATE=true to allow it (local use)"
            )
    return found


def check_url(url: str, allow_private: bool) -> None:
    """Refuse a URL that is not http(s), carries credentials, or resolves to a non-public
    address (blocking: resolves the name)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("must be an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(
            "must not carry credentials (user:password@); receivers check the signature"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused(f"has an invalid port: {exc}") from exc
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"host {parts.hostname} does not resolve ({exc})") from exc
    _check(parts.hostname, (str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses `public()` allows (all,
    when private targets are allowed), resolved once per connection."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, check every address, connect to the first that answers."""
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} does not resolve ({exc})") from exc
        addresses = [str(info[4][0]) for info in infos]
        if not self.allow_private:
            try:
                addresses = _check(host, addresses)
            except TargetRefused as exc:
                raise httpcore.ConnectError(str(exc)) from exc
        error: Exception | None = None
        for address in dict.fromkeys(addresses):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"{host} has no address")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: webhooks go over TCP."""
        raise httpcore.ConnectError("webhooks are not sent to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's retries)."""
        await self._inner.sleep(seconds)
