"""Dependencies: the server context and API-key auth."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from openoutreach_server.api.problems import ApiError
from openoutreach_server.context import ServerContext

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_ctx(request: Request) -> ServerContext:
    """The server context stored on the app."""
    ctx: ServerContext = request.app.state.ctx
    return ctx


async def require_key(
    request: Request, key: Annotated[str | None, Security(_api_key)] = None
) -> None:
    """Reject requests without a valid X-API-Key (constant-time comparison)."""
    # Async: a plain `def` dependency costs a thread-pool round trip per request.
    ctx: ServerContext = request.app.state.ctx
    presented = (key or "").encode()
    ok = False
    for accepted in ctx.api_keys:
        # Compare against every key so timing does not reveal which one matched.
        ok |= hmac.compare_digest(presented, accepted.encode())
    if not key or not ok:
        raise ApiError(401, "Unauthorized", "missing or invalid X-API-Key header")


Ctx = Annotated[ServerContext, Depends(get_ctx)]
