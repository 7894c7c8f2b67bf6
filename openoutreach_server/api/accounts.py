"""Account endpoints: CRUD, login, pause and resume."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from openoutreach_server import accounts, queue, runs
from openoutreach_server.api.deps import Ctx
from openoutreach_server.api.problems import ApiError
from openoutreach_server.schemas import (
    HANDLE_PATTERN,
    AccountCreate,
    AccountOut,
    AccountPatch,
    LoginOut,
)

router = APIRouter(prefix="/accounts", tags=["accounts"])
Handle = Annotated[str, Path(pattern=HANDLE_PATTERN)]


class PauseBody(BaseModel):
    """Why the operator pauses the account."""

    reason: str | None = Field(default=None, max_length=500)


@router.post("", response_model=AccountOut, status_code=201, summary="Register an account")
def create_account(ctx: Ctx, body: AccountCreate) -> AccountOut:
    """Store the account with its secrets encrypted; it starts as `needs_login`."""
    return accounts.create(ctx, body)


@router.get("", response_model=list[AccountOut], summary="List accounts")
def list_accounts(ctx: Ctx) -> list[AccountOut]:
    """Every account, by handle."""
    return accounts.list_all(ctx)


@router.get("/{handle}", response_model=AccountOut, summary="Get an account")
def get_account(ctx: Ctx, handle: Handle) -> AccountOut:
    """One account; secrets are never returned."""
    return accounts.get(ctx, handle)


@router.patch("/{handle}", response_model=AccountOut, summary="Change an account")
def patch_account(ctx: Ctx, handle: Handle, body: AccountPatch) -> AccountOut:
    """Change the given fields. New credentials require a new login."""
    return accounts.patch(ctx, handle, body)


@router.delete("/{handle}", status_code=204, summary="Delete an account")
def delete_account(ctx: Ctx, handle: Handle) -> Response:
    """Delete the account and cancel its pending runs; its past runs are kept."""
    accounts.delete(ctx, handle)
    return Response(status_code=204)


@router.post("/{handle}/pause", response_model=AccountOut, summary="Pause an account")
def pause_account(ctx: Ctx, handle: Handle, body: PauseBody | None = None) -> AccountOut:
    """Its runs wait until it is resumed."""
    return accounts.set_paused(ctx, handle, True, body.reason if body else None)


@router.post("/{handle}/resume", response_model=AccountOut, summary="Resume a paused account")
def resume_account(ctx: Ctx, handle: Handle) -> AccountOut:
    """A paused account becomes active again."""
    return accounts.set_paused(ctx, handle, False, None)


@router.post(
    "/{handle}/login",
    response_model=LoginOut,
    summary="Log in (stored password) or verify the imported session",
    responses={202: {"model": LoginOut, "description": "Still running after `wait` seconds"}},
)
async def login_account(
    ctx: Ctx,
    handle: Handle,
    response: Response,
    wait: Annotated[float, Query(ge=0, le=300, description="Seconds to wait for the result")] = 60,
) -> LoginOut:
    """Queue a login run on the account (it never overlaps another run) and wait for it."""
    account = await asyncio.to_thread(accounts.get, ctx, handle)
    if account.status == "disabled":
        raise ApiError(409, "Conflict", f"account {handle!r} is disabled")
    if not (account.has_session or account.has_password):
        raise ApiError(
            422,
            "Invalid input",
            "the account has neither li_at/storage_state nor username+password",
            errors=[{"field": "li_at", "message": "set li_at, storage_state or a password"}],
        )
    new = queue.NewRun(
        handle=handle,
        type=queue.LOGIN_TYPE,
        touchpoint={"type": queue.LOGIN_TYPE},
        side_effecting=True,  # never submit a password twice on our own
        priority=queue.LOGIN_PRIORITY,
        max_attempts=1,
    )
    run, _ = await asyncio.to_thread(queue.enqueue, ctx.db, new, ctx.clock.now())
    ctx.notify()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        with ctx.db.raw_read() as conn:
            out = runs.get(conn, run["id"], ctx.clock.now())
        assert out is not None
        if out.status not in ("pending", "running") or loop.time() >= deadline:
            break
        await asyncio.sleep(0.1)
    if out.status in ("pending", "running"):
        response.status_code = 202
    return LoginOut(account=await asyncio.to_thread(accounts.get, ctx, handle), run=out)
