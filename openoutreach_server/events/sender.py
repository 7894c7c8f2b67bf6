"""One webhook attempt over HTTP: POST, no redirects, a hard timeout, the answer's status.

A connection pool per endpoint origin (scheme, host, port): httpcore's pool looks at every
connection it holds for each request, so one big pool for every endpoint gets slower the
more connections it has (docs/benchmarks.md), while a small pool per endpoint stays fast
and caps how many connections one endpoint gets.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore

from openoutreach_server.events.targets import GuardedBackend

# Connections kept per endpoint origin (also the most requests in flight to it).
PER_ORIGIN = 8
# Pools kept for this many distinct origins; the least recently used is closed beyond it.
MAX_ORIGINS = 256
_ERROR_CHARS = 300
_MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Sent:
    """What one HTTP attempt returned: a status, or an error without one."""

    status: int | None
    error: str | None
    retry_after: str | None
    latency_ms: float


def origin(url: str) -> str:
    """scheme://host:port of a URL (what a pool, and the log, are keyed by)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class Sender:
    """POSTs to endpoints through per-origin pools that connect only to allowed addresses."""

    def __init__(self, timeout_s: float, allow_private: bool) -> None:
        self.timeout_s = timeout_s
        self._backend = GuardedBackend(allow_private)
        self._pools: OrderedDict[str, tuple[httpcore.AsyncConnectionPool, asyncio.Semaphore]]
        self._pools = OrderedDict()

    def _pool(self, url: str) -> tuple[httpcore.AsyncConnectionPool, asyncio.Semaphore]:
        key = origin(url)
        found = self._pools.get(key)
        if found is None:
            pool = httpcore.AsyncConnectionPool(
                max_connections=PER_ORIGIN,
                max_keepalive_connections=PER_ORIGIN,
                keepalive_expiry=30.0,
                retries=0,
                network_backend=self._backend,
            )
            # Requests beyond the pool's connections wait here, not in httpcore's queue,
            # whose every request scans every waiting one.
            found = self._pools[key] = (pool, asyncio.Semaphore(PER_ORIGIN))
            if len(self._pools) > MAX_ORIGINS:
                _, (oldest, _) = self._pools.popitem(last=False)
                asyncio.get_running_loop().create_task(oldest.aclose())
        else:
            self._pools.move_to_end(key)
        return found

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Sent:
        """One attempt; never raises for what the network or the endpoint does."""
        started = time.monotonic()
        timeout = self.timeout_s
        extensions = {
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        }
        pool, slots = self._pool(url)
        try:
            # The timeout covers waiting for a slot too: a delivery is never held longer
            # than one timeout, which its lock allows for.
            async with (
                asyncio.timeout(timeout),
                slots,
                pool.stream(
                    "POST", url, headers=list(headers.items()), content=body, extensions=extensions
                ) as response,
            ):
                # The answer's body means nothing to us: read a little (so the connection
                # can be reused), never all of a huge one.
                read = 0
                async for chunk in response.aiter_stream():
                    read += len(chunk)
                    if read > _MAX_BODY:
                        break
        except (TimeoutError, httpcore.TimeoutException):
            return Sent(None, f"no answer within {timeout:g}s", None, _ms(started))
        except httpcore.ConnectError as exc:
            return Sent(None, f"could not connect: {_short(exc)}", None, _ms(started))
        except (httpcore.ProtocolError, httpcore.NetworkError, httpcore.UnsupportedProtocol) as exc:
            return Sent(None, f"{type(exc).__name__}: {_short(exc)}", None, _ms(started))
        status = response.status
        found = {k.decode().lower(): v.decode("latin-1") for k, v in response.headers}
        error = None
        if 300 <= status < 400:
            error = f"HTTP {status}: redirects are not followed ({found.get('location', '')})"
        return Sent(status, error, found.get("retry-after"), _ms(started))

    async def close(self) -> None:
        """Close every pool."""
        pools = list(self._pools.values())
        self._pools.clear()
        for pool, _ in pools:
            await pool.aclose()


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _short(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:_ERROR_CHARS]
