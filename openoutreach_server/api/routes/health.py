"""GET /health: unauthenticated liveness."""

from __future__ import annotations

from fastapi import APIRouter

from openoutreach_server import __version__
from openoutreach_server.api.deps import Ctx
from openoutreach_server.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Liveness (no API key needed)")
def health(ctx: Ctx) -> Health:
    """Answer ok when the database is reachable."""
    ctx.store.ping()
    return Health(
        status="ok", version=__version__, worker=ctx.executor is not None, database=ctx.store.kind
    )
