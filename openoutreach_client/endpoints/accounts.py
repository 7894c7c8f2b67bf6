"""/accounts: CRUD, login, checkpoint code, pause and resume, usage, cool-downs, tracked
invitations, pinning to a worker host."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openoutreach_client.call import (
    UNSET,
    Call,
    Unset,
    as_list,
    as_model,
    as_none,
    body,
    changes,
    segment,
)
from openoutreach_client.models import Account, Invitation, InvitationStatus, LoginResult, Usage

DEFAULT_LOGIN_WAIT_S = 60.0


def create(
    handle: str,
    *,
    display_name: str | None = None,
    username: str | None = None,
    password: str | None = None,
    li_at: str | None = None,
    storage_state: Mapping[str, Any] | None = None,
    proxy: str | None = None,
    timezone: str | None = None,
    working_hours: Sequence[Mapping[str, Any]] | None = None,
    quotas: Mapping[str, Mapping[str, int | None]] | None = None,
) -> Call[Account]:
    """Register an account (username + password, an `li_at` cookie or a Playwright
    storage_state); it starts as `needs_login`."""
    fields = body(
        handle=handle,
        display_name=display_name,
        username=username,
        password=password,
        li_at=li_at,
        storage_state=storage_state,
        proxy=proxy,
        timezone=timezone,
        working_hours=working_hours,
        quotas=quotas,
    )
    return Call("POST", "/accounts", as_model(Account), json=fields)


def list_() -> Call[list[Account]]:
    """Every account, by handle."""
    return Call("GET", "/accounts", as_list(Account))


def get(handle: str) -> Call[Account]:
    """One account with its active cool-downs."""
    return Call("GET", f"/accounts/{segment(handle)}", as_model(Account))


def patch(
    handle: str,
    *,
    display_name: str | Unset | None = UNSET,
    username: str | Unset | None = UNSET,
    password: str | Unset | None = UNSET,
    li_at: str | Unset | None = UNSET,
    storage_state: Mapping[str, Any] | Unset | None = UNSET,
    proxy: str | Unset | None = UNSET,
    timezone: str | Unset | None = UNSET,
    working_hours: Sequence[Mapping[str, Any]] | Unset | None = UNSET,
    quotas: Mapping[str, Mapping[str, int | None]] | Unset | None = UNSET,
) -> Call[Account]:
    """Change the fields given (None clears one); new credentials mean a new login."""
    fields = changes(
        display_name=display_name,
        username=username,
        password=password,
        li_at=li_at,
        storage_state=storage_state,
        proxy=proxy,
        timezone=timezone,
        working_hours=working_hours,
        quotas=quotas,
    )
    return Call("PATCH", f"/accounts/{segment(handle)}", as_model(Account), json=fields)


def delete(handle: str) -> Call[None]:
    """Delete the account and cancel its pending runs (409 while one of its runs runs)."""
    return Call("DELETE", f"/accounts/{segment(handle)}", as_none)


def login(handle: str, *, wait: float = DEFAULT_LOGIN_WAIT_S) -> Call[LoginResult]:
    """Log in with the stored password or verify the stored session, waiting up to `wait`
    seconds for the outcome (`LoginResult.pending` if it is still running)."""
    return Call(
        "POST",
        f"/accounts/{segment(handle)}/login",
        as_model(LoginResult),
        params={"wait": wait},
        server_wait_s=wait,
    )


def submit_checkpoint(
    handle: str, code: str, *, wait: float = DEFAULT_LOGIN_WAIT_S
) -> Call[LoginResult]:
    """Answer a checkpoint with the code LinkedIn e-mailed; a wrong code keeps `checkpoint`."""
    return Call(
        "POST",
        f"/accounts/{segment(handle)}/checkpoint",
        as_model(LoginResult),
        params={"wait": wait},
        json={"code": code},
        server_wait_s=wait,
    )


def pause(handle: str, reason: str | None = None) -> Call[Account]:
    """Pause the account: its runs wait until it is resumed."""
    return Call(
        "POST", f"/accounts/{segment(handle)}/pause", as_model(Account), json=body(reason=reason)
    )


def resume(handle: str) -> Call[Account]:
    """Return a paused account to the status it had before the pause (409 if not paused)."""
    return Call("POST", f"/accounts/{segment(handle)}/resume", as_model(Account))


def usage(handle: str) -> Call[Usage]:
    """Used, remaining and next reset per touchpoint and window; cool-downs; pacing."""
    return Call("GET", f"/accounts/{segment(handle)}/usage", as_model(Usage))


def clear_cooldowns(handle: str, scope: str | None = None) -> Call[Account]:
    """End every cool-down now, or only that of `scope` (a touchpoint type, or `*`)."""
    path = f"/accounts/{segment(handle)}/cooldowns"
    if scope is not None:
        path += f"/{segment(scope)}"
    return Call("DELETE", path, as_model(Account))


def invitations(handle: str, *, status: InvitationStatus | None = None) -> Call[list[Invitation]]:
    """Invitations the account's connect runs sent, newest first: pending, accepted or
    withdrawn (gone without acceptance)."""
    return Call(
        "GET",
        f"/accounts/{segment(handle)}/invitations",
        as_list(Invitation),
        params={"status": status},
    )


def set_home_host(handle: str, host: str | None) -> Call[Account]:
    """Run the account only on workers of `host` (a worker's OO_WORKER_HOST), or on any
    host with None."""
    return Call(
        "PUT", f"/accounts/{segment(handle)}/home-host", as_model(Account), json={"host": host}
    )
