"""/runs: queue (idempotent), get (long-poll), list, cancel, bulk cancel, artifacts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from openoutreach_client.call import Call, as_bytes, as_model, body, segment
from openoutreach_client.endpoints._common import TouchpointLike, aware, iso, touchpoint_json
from openoutreach_client.models import CanceledRuns, OnQuota, Page, Run, RunStatus

IDEMPOTENCY_HEADER = "Idempotency-Key"


def create(
    handle: str,
    touchpoint: TouchpointLike,
    *,
    dry_run: bool = False,
    not_before: datetime | None = None,
    priority: int = 0,
    tags: Sequence[str] = (),
    callback_url: str | None = None,
    on_quota: OnQuota = "wait",
    idempotency_key: str | None = None,
) -> Call[Run]:
    """Queue one touchpoint for one account. With `idempotency_key`, sending the same
    request again returns the same run; another request with that key is a `Conflict`."""
    fields = body(
        handle=handle,
        touchpoint=touchpoint_json(touchpoint),
        dry_run=dry_run,
        not_before=iso(not_before, "not_before"),
        priority=priority,
        tags=list(tags),
        callback_url=callback_url,
        on_quota=on_quota,
    )
    headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key is not None else {}
    return Call("POST", "/runs", as_model(Run), json=fields, headers=headers)


def get(run_id: int, *, wait: float | None = None) -> Call[Run]:
    """One run; with `wait`, the server answers as soon as it ends or after `wait` seconds."""
    return Call(
        "GET",
        f"/runs/{segment(run_id)}",
        as_model(Run),
        params={"wait": wait},
        server_wait_s=wait or 0.0,
    )


def list_(
    *,
    handle: str | None = None,
    status: RunStatus | None = None,
    type: str | None = None,
    tag: str | None = None,
    schedule_id: int | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Call[Page[Run]]:
    """One page of runs, newest first, matching every filter given."""
    params = {
        "handle": handle,
        "status": status,
        "type": type,
        "tag": tag,
        "schedule_id": schedule_id,
        "created_after": aware(created_after, "created_after"),
        "created_before": aware(created_before, "created_before"),
        "cursor": cursor,
        "limit": limit,
    }
    return Call("GET", "/runs", as_model(Page[Run]), params=params)


def cancel(run_id: int) -> Call[Run]:
    """Cancel a pending run (`Conflict` once it started: a running action is never cut off)."""
    return Call("POST", f"/runs/{segment(run_id)}/cancel", as_model(Run))


def cancel_many(
    *,
    handle: str | None = None,
    schedule_id: int | None = None,
    tag: str | None = None,
    type: str | None = None,
) -> Call[CanceledRuns]:
    """Cancel, in one transaction, every pending run matching all the criteria given."""
    criteria = body(handle=handle, schedule_id=schedule_id, tag=tag, type=type)
    return Call("POST", "/runs/cancel", as_model(CanceledRuns), json=criteria)


def download_artifact(run_id: int, name: str) -> Call[bytes]:
    """A failed run's artifact (`screenshot.png`, `page.html`, `trace.zip`, ...) as bytes."""
    return Call("GET", f"/runs/{segment(run_id)}/artifacts/{segment(name)}", as_bytes)
