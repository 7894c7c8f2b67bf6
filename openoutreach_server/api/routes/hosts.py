"""GET /hosts: the worker hosts, their live workers, load and pinned accounts."""

from __future__ import annotations

from fastapi import APIRouter

from openoutreach_server import hosts
from openoutreach_server.api.deps import Ctx
from openoutreach_server.schemas import HostOut

router = APIRouter(tags=["hosts"])


@router.get("/hosts", response_model=list[HostOut], summary="Worker hosts")
def list_hosts(ctx: Ctx) -> list[HostOut]:
    """Hosts with a live worker (heartbeat within three lease periods) or pinned accounts."""
    return hosts.list_hosts(ctx)
