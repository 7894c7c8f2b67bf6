"""Account endpoints: CRUD, login, checkpoint code, pause and resume, cool-downs, usage."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from loguru import logger
from pydantic import BaseModel, Field, SecretStr, field_validator

from openoutreach_server import accounts, runs
from openoutreach_server.api.deps import Ctx
from openoutreach_server.api.routes.runs import wait_for_run
from openoutreach_server.errors import Conflict, Invalid
from openoutreach_server.schemas import (
    HANDLE_PATTERN,
    AccountCreate,
    AccountOut,
    AccountPatch,
    HomeHostIn,
    InvitationOut,
    LoginOut,
    UsageOut,
)
from openoutreach_server.store.records import LOGIN_PRIORITY, LOGIN_TYPE, NewRun

router = APIRouter(prefix="/accounts", tags=["accounts"])
Handle = Annotated[str, Path(pattern=HANDLE_PATTERN)]
Scope = Annotated[str, Path(pattern=r"^(\*|[a-z_]{1,32})$", description="A touchpoint type or *")]


class PauseBody(BaseModel):
    """Why the operator pauses the account."""

    reason: str | None = Field(default=None, max_length=500)

    model_config = {"extra": "forbid"}


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
    """One account with its active cool-downs; secrets are never returned."""
    return accounts.get(ctx, handle)


@router.patch("/{handle}", response_model=AccountOut, summary="Change an account")
def patch_account(ctx: Ctx, handle: Handle, body: AccountPatch) -> AccountOut:
    """Change the given fields. New credentials drop the stored session: log in again."""
    return accounts.patch(ctx, handle, body)


@router.delete("/{handle}", status_code=204, summary="Delete an account")
def delete_account(ctx: Ctx, handle: Handle) -> Response:
    """Delete the account, cancel its pending runs and delete its artifacts; its past runs
    are kept."""
    accounts.delete(ctx, handle)
    return Response(status_code=204)


@router.get("/{handle}/usage", response_model=UsageOut, summary="Usage against the caps")
def account_usage(ctx: Ctx, handle: Handle) -> UsageOut:
    """Per touchpoint and window (hour/day/week, rolling): cap in force (warm-up included),
    used, remaining, next reset; plus cool-downs and the pacing gap."""
    return accounts.usage(ctx, handle)


@router.post("/{handle}/pause", response_model=AccountOut, summary="Pause an account")
def pause_account(ctx: Ctx, handle: Handle, body: PauseBody | None = None) -> AccountOut:
    """Its runs wait until it is resumed; resume returns it to the status it had."""
    return accounts.pause(ctx, handle, body.reason if body else None)


@router.post(
    "/{handle}/resume",
    response_model=AccountOut,
    summary="Resume a paused account",
    responses={409: {"description": "The account is not paused"}},
)
def resume_account(ctx: Ctx, handle: Handle) -> AccountOut:
    """A paused account goes back to the status it had before the pause (active,
    needs_login, checkpoint, restricted); never to active by default."""
    return accounts.resume(ctx, handle)


@router.get(
    "/{handle}/invitations",
    response_model=list[InvitationOut],
    summary="Invitations the server sent, and what became of them",
)
def list_invitations(
    ctx: Ctx,
    handle: Handle,
    status: Annotated[Literal["pending", "accepted", "withdrawn"] | None, Query()] = None,
) -> list[InvitationOut]:
    """Every invitation a connect run of this account sent (or found pending), newest first:
    pending, accepted or withdrawn (gone without acceptance), with when it was noticed."""
    return accounts.invitations(ctx, handle, status)


@router.put("/{handle}/home-host", response_model=AccountOut, summary="Pin to a worker host")
def set_home_host(ctx: Ctx, handle: Handle, body: HomeHostIn) -> AccountOut:
    """Run this account only on workers of `host` (its proxy egress and browser identity
    stay put), or anywhere with `null`. Logged."""
    return accounts.set_home_host(ctx, handle, body.host)


@router.delete(
    "/{handle}/cooldowns", response_model=AccountOut, summary="End every cool-down early"
)
def clear_cooldowns(ctx: Ctx, handle: Handle) -> AccountOut:
    """End the account's cool-downs now (LinkedIn's limits may still apply)."""
    out = accounts.clear_cooldowns(ctx, handle, None)
    logger.bind(handle=handle).warning("every cool-down ended early by the operator")
    return out


@router.delete(
    "/{handle}/cooldowns/{scope}",
    response_model=AccountOut,
    summary="End one cool-down early",
    responses={404: {"description": "No such cool-down running"}},
)
def clear_cooldown(ctx: Ctx, handle: Handle, scope: Scope) -> AccountOut:
    """End the cool-down of one touchpoint type (`connect`), or of all touchpoints (`*`)."""
    out = accounts.clear_cooldowns(ctx, handle, scope)
    logger.bind(handle=handle).warning("cool-down {} ended early by the operator", scope)
    return out


async def _login_run(ctx: Ctx, handle: str, mode: str, response: Response, wait: float) -> LoginOut:
    """Queue a login run (it never overlaps another run of the account) and wait for it."""
    touchpoint = {"type": LOGIN_TYPE}
    if mode != "session":
        touchpoint["mode"] = mode
    new = NewRun(
        handle=handle,
        type=LOGIN_TYPE,
        touchpoint=touchpoint,
        side_effecting=True,  # never submit a password or a code twice on our own
        priority=LOGIN_PRIORITY,
        max_attempts=1,
    )
    queued, _ = await asyncio.to_thread(runs.enqueue, ctx, new)
    out = await wait_for_run(ctx, queued.run_id, wait)
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
        raise Conflict(f"account {handle!r} is disabled")
    if not (account.has_session or account.has_password):
        raise Invalid(
            "li_at", "the account has neither a session (li_at, storage_state) nor a password"
        )
    return await _login_run(ctx, handle, "session", response, wait)


class CheckpointBody(BaseModel):
    """The verification code LinkedIn e-mailed to the account's owner."""

    code: SecretStr = Field(description="The PIN, e.g. 123456 (write-only, used once).")

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"code": "123456"}]}}

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
