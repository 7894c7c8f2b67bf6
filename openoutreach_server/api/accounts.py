"""Account endpoints: CRUD, login, pause and resume."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field, SecretStr, field_validator

from openoutreach_server import accounts, queue, runs
from openoutreach_server.api.deps import Ctx
from openoutreach_server.api.problems import ApiError
from openoutreach_server.schemas import (
    HANDLE_PATTERN,
    AccountCreate,
    AccountOut,
    AccountPatch,
    LoginOut,
    UsageOut,
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


@router.get("/{handle}/usage", response_model=UsageOut, summary="Usage against the caps")
def account_usage(ctx: Ctx, handle: Handle) -> UsageOut:
    """Per touchpoint and window (hour/day/week, rolling): cap in force (warm-up included),
    used, remaining, next reset; plus cool-downs and the pacing gap."""
    return accounts.usage(ctx, handle)


@router.post("/{handle}/pause", response_model=AccountOut, summary="Pause an account")
def pause_account(ctx: Ctx, handle: Handle, body: PauseBody | None = None) -> AccountOut:
    """Its runs wait until it is resumed."""
    return accounts.set_paused(ctx, handle, True, body.reason if body else None)


@router.post("/{handle}/resume", response_model=AccountOut, summary="Resume a paused account")
def resume_account(ctx: Ctx, handle: Handle) -> AccountOut:
    """A paused account becomes active again."""
    return accounts.set_paused(ctx, handle, False, None)


async def _login_run(ctx: Ctx, handle: str, mode: str, response: Response, wait: float) -> LoginOut:
    """Queue a login run (it never overlaps another run of the account) and wait for it."""
    touchpoint = {"type": queue.LOGIN_TYPE}
    if mode != "session":
        touchpoint["mode"] = mode
    new = queue.NewRun(
        handle=handle,
        type=queue.LOGIN_TYPE,
        touchpoint=touchpoint,
        side_effecting=True,  # never submit a password or a code twice on our own
        priority=queue.LOGIN_PRIORITY,
        max_attempts=1,
    )
    row, _ = await asyncio.to_thread(queue.enqueue, ctx.db, new, ctx.clock.now())
    ctx.notify()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        with ctx.db.raw_read() as conn:
            out = runs.get(conn, row["id"], ctx.clock.now(), ctx.rules)
        assert out is not None
        if out.status not in ("pending", "running") or loop.time() >= deadline:
            break
        await asyncio.sleep(0.1)
    if out.status in ("pending", "running"):
        response.status_code = 202
    return LoginOut(account=await asyncio.to_thread(accounts.get, ctx, handle), run=out)


Wait = Annotated[float, Query(ge=0, le=300, description="Seconds to wait for the result")]


@router.post(
    "/{handle}/login",
    response_model=LoginOut,
    summary="Log in (stored password) or verify the imported session",
    responses={202: {"model": LoginOut, "description": "Still running after `wait` seconds"}},
)
async def login_account(ctx: Ctx, handle: Handle, response: Response, wait: Wait = 60) -> LoginOut:
    """Log in with the stored session or password; a checkpointed account is only re-checked."""
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
    return await _login_run(ctx, handle, "session", response, wait)


class CheckpointBody(BaseModel):
    """The verification code LinkedIn e-mailed to the account's owner."""

    code: SecretStr = Field(description="The PIN, e.g. 123456 (write-only, used once).")

    model_config = {"json_schema_extra": {"examples": [{"code": "123456"}]}}

    @field_validator("code")
    @classmethod
    def _code(cls, value: SecretStr) -> SecretStr:
        if not re.fullmatch(r"[A-Za-z0-9]{4,12}", value.get_secret_value()):
            raise ValueError("must be 4-12 letters or digits")
        return value


@router.post(
    "/{handle}/checkpoint",
    response_model=LoginOut,
    summary="Answer a checkpoint with the e-mailed verification code",
    responses={
        202: {"model": LoginOut, "description": "Still running after `wait` seconds"},
        409: {"description": "The account is not in checkpoint"},
    },
)
async def submit_checkpoint(
    ctx: Ctx, handle: Handle, body: CheckpointBody, response: Response, wait: Wait = 60
) -> LoginOut:
    """Submit the PIN once in the account's session; a refused code keeps it in checkpoint."""
    await asyncio.to_thread(accounts.store_pin, ctx, handle, body.code.get_secret_value())
    return await _login_run(ctx, handle, "pin", response, wait)
