"""Dependencies shared by the routers: the server context, API-key auth, ids, touchpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import APIKeyHeader

from linkedin.touchpoints.models import AnyTouchpoint, check_linkedin_url
from linkedin.touchpoints.runner import supported_types
from openoutreach_server.api.gate import presents_key
from openoutreach_server.api.problems import ApiError
from openoutreach_server.context import ServerContext
from openoutreach_server.errors import Invalid
from openoutreach_server.schemas import MAX_ID

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_ctx(request: Request) -> ServerContext:
    """The server context stored on the app."""
    ctx: ServerContext = request.app.state.ctx
    return ctx


async def require_key(
    request: Request, key: Annotated[str | None, Security(_api_key)] = None
) -> None:
    """Document the X-API-Key scheme in OpenAPI; the Gate middleware already checked it
    (the key may also come as `Authorization: Bearer <key>`).

    Checked again here (constant time) so a router mounted without the Gate stays closed.
    """
    # Async: a plain `def` dependency costs a thread-pool round trip per request.
    ctx: ServerContext = request.app.state.ctx
    if not presents_key(key, request.headers.get("authorization"), ctx.api_keys):
        raise ApiError(401, "Unauthorized", "missing or invalid X-API-Key header")


Ctx = Annotated[ServerContext, Depends(get_ctx)]

RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="A run's id")]
ScheduleId = Annotated[int, Path(ge=1, le=MAX_ID, description="A schedule's id")]


def check_touchpoint(touchpoint: AnyTouchpoint, base_url: str) -> None:
    """Invalid unless the touchpoint is implemented and every URL in it is on the LinkedIn
    host (the browser is never pointed at another host)."""
    if touchpoint.type not in supported_types():
        raise Invalid("touchpoint.type", f"{touchpoint.type!r} is not implemented yet")
    for field, url in touchpoint.linkedin_urls().items():
        try:
            check_linkedin_url(url, base_url)
        except ValueError as exc:
            raise Invalid(f"touchpoint.{field}", str(exc)) from exc
