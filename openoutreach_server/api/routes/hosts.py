"""GET /hosts: the worker hosts, their live workers, load and pinned accounts."""

from __future__ import annotations

from fastapi import APIRouter

from openoutreach_server.api.deps import Ctx
from openoutreach_server.schemas import HostOut, WorkerOut, to_datetime

router = APIRouter(tags=["hosts"])


@router.get("/hosts", response_model=list[HostOut], summary="Worker hosts")
def list_hosts(ctx: Ctx) -> list[HostOut]:
    """Hosts with a live worker (heartbeat within three lease periods) or pinned accounts."""
    now = ctx.clock.now()
    out = []
    for host in ctx.store.workers.hosts(now, ctx.settings.worker_stale_s):
        workers = [
            WorkerOut(
                worker_id=w.id,
                pid=w.pid,
                started_at=to_datetime(w.started_at),  # type: ignore[arg-type]
                heartbeat_at=to_datetime(w.heartbeat_at),  # type: ignore[arg-type]
                capacity=w.capacity,
                running=w.running,
                open_sessions=w.open_sessions,
            )
            for w in host.workers
        ]
        out.append(
            HostOut(
                host=host.host,
                live=bool(workers),
                capacity=sum(w.capacity for w in workers),
                running=sum(w.running for w in workers),
                open_sessions=sum(w.open_sessions for w in workers),
                workers=workers,
                accounts=host.accounts,
            )
        )
    return out
