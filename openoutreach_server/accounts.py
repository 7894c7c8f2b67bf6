"""Accounts: storage with secrets sealed, the fixed browser identity, and the public view."""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from linkedin.browser.pool import Identity
from openoutreach_server import queue, safety
from openoutreach_server.api.problems import ApiError
from openoutreach_server.artifacts import ArtifactStore
from openoutreach_server.context import ServerContext
from openoutreach_server.crypto import SecretBox
from openoutreach_server.db.engine import Database
from openoutreach_server.db.models import Account
from openoutreach_server.schemas import (
    AccountCreate,
    AccountOut,
    AccountPatch,
    TouchpointUsage,
    UsageOut,
    WindowUsageOut,
    to_datetime,
)

# Common desktop sizes; one is drawn per account and kept for all its sessions.
_VIEWPORTS = ((1366, 768), (1440, 900), (1536, 864), (1600, 900), (1920, 1080))


@dataclass(frozen=True)
class AccountSecrets:
    """Decrypted credentials of one account, for the browser runner only."""

    uid: str
    username: str | None
    # Hidden from repr: a traceback or a debug line must never print them.
    password: str | None = field(repr=False)
    li_at: str | None = field(repr=False)
    sealed_state: bytes | None = field(repr=False)
    identity: Identity
    status: str
    checkpoint_path: str | None = None
    session_epoch: int = 0

    def storage_state(self, box: SecretBox) -> dict[str, Any] | None:
        """The saved browser state, decrypted only when a new context needs it."""
        return None if self.sealed_state is None else box.open_json(self.sealed_state)


def new_identity(timezone: str, rng: random.Random | None = None) -> dict[str, Any]:
    """Draw the fingerprint an account keeps: viewport, locale, timezone."""
    width, height = (rng or random.SystemRandom()).choice(_VIEWPORTS)
    return {"viewport": [width, height], "locale": "en-US", "timezone_id": timezone}


def to_out(account: Account) -> AccountOut:
    """The public view of an account: which secrets are set, never their values."""
    return AccountOut(
        handle=account.handle,
        display_name=account.display_name,
        username=account.username,
        has_password=account.password_enc is not None,
        has_session=account.li_at_enc is not None or account.storage_state_enc is not None,
        has_proxy=account.proxy_enc is not None,
        timezone=account.timezone,
        working_hours=account.working_hours,
        quotas=account.quotas,
        identity=account.identity,
        status=account.status,  # type: ignore[arg-type]
        status_reason=account.status_reason,
        created_at=to_datetime(account.created_at),  # type: ignore[arg-type]
        updated_at=to_datetime(account.updated_at),  # type: ignore[arg-type]
        last_login_at=to_datetime(account.last_login_at),
    )


def _apply(
    ctx: ServerContext, account: Account, fields: AccountCreate | AccountPatch, *, new: bool
) -> None:
    given = fields.model_fields_set
    box = ctx.box
    if "display_name" in given:
        account.display_name = fields.display_name
    if {"username", "password"} & given and not new:
        # Other credentials: whatever session is stored belongs to the old ones.
        account.li_at_enc = None
        account.storage_state_enc = None
        account.session_epoch = (account.session_epoch or 0) + 1
    if "username" in given:
        account.username = fields.username
    if "password" in given:
        account.password_enc = (
            box.seal(fields.password.get_secret_value()) if fields.password else None
        )
    if "li_at" in given:
        account.li_at_enc = box.seal(fields.li_at.get_secret_value()) if fields.li_at else None
        if fields.li_at:
            account.storage_state_enc = None  # a new cookie replaces the old session
        account.session_epoch = (account.session_epoch or 0) + 1
    if "storage_state" in given:
        account.storage_state_enc = (
            box.seal_json(fields.storage_state.model_dump(exclude_none=True))
            if fields.storage_state
            else None
        )
        account.session_epoch = (account.session_epoch or 0) + 1
    if "proxy" in given:
        account.proxy_enc = box.seal(fields.proxy) if fields.proxy else None
    if "timezone" in given and fields.timezone:
        account.timezone = fields.timezone
        if account.identity:
            account.identity = {**account.identity, "timezone_id": fields.timezone}
    if "working_hours" in given:
        account.working_hours = (
            [w.model_dump() for w in fields.working_hours] if fields.working_hours else None
        )
    if "quotas" in given:
        account.quotas = (
            {k: v.model_dump(exclude_none=True) for k, v in fields.quotas.items()}
            if fields.quotas
            else None
        )


def create(ctx: ServerContext, body: AccountCreate) -> AccountOut:
    """Register an account; it needs a login before its runs start."""
    now = ctx.clock.now()
    with ctx.db.write() as s:
        if s.get(Account, body.handle) is not None:
            raise ApiError(409, "Conflict", f"account {body.handle!r} already exists")
        timezone = body.timezone or "UTC"
        account = Account(
            handle=body.handle,
            uid=secrets.token_hex(16),
            timezone=timezone,
            identity=new_identity(timezone),
            status="needs_login",
            status_reason=f"new account: POST /accounts/{body.handle}/login",
            created_at=now,
            updated_at=now,
        )
        _apply(ctx, account, body, new=True)
        s.add(account)
        s.flush()
        return to_out(account)


def get(ctx: ServerContext, handle: str) -> AccountOut:
    """One account, or 404."""
    with ctx.db.read() as s:
        account = s.get(Account, handle)
        if account is None:
            raise ApiError(404, "Not found", f"no account {handle!r}")
        return to_out(account)


def list_all(ctx: ServerContext) -> list[AccountOut]:
    """Every account, by handle."""
    with ctx.db.read() as s:
        return [to_out(a) for a in s.scalars(select(Account).order_by(Account.handle))]


def patch(ctx: ServerContext, handle: str, body: AccountPatch) -> AccountOut:
    """Change the given fields; a new cookie or password means the account must log in again."""
    with ctx.db.write() as s:
        account = s.get(Account, handle)
        if account is None:
            raise ApiError(404, "Not found", f"no account {handle!r}")
        if body.password is not None and not (body.username or account.username):
            message = "a password needs a username (the LinkedIn login email)"
            raise ApiError(
                422,
                "Invalid input",
                f"password: {message}",
                errors=[{"field": "password", "message": message}],
            )
        _apply(ctx, account, body, new=False)
        credentials = {"li_at", "storage_state", "password", "username"}
        if credentials & body.model_fields_set and account.status in ("active", "needs_login"):
            account.status = "needs_login"
            account.status_reason = f"credentials changed: POST /accounts/{handle}/login"
        account.updated_at = ctx.clock.now()
        return to_out(account)


def delete(ctx: ServerContext, handle: str) -> int:
    """Delete an account, cancel its pending runs and delete its runs' artifacts.

    Refused while one of its runs is running. Its past runs are kept (without artifacts:
    screenshots and pages of its session). Workers are told to close its browser context.
    """
    now = ctx.clock.now()
    with ctx.db.raw_write() as conn:
        if conn.execute("SELECT 1 FROM accounts WHERE handle = ?", (handle,)).fetchone() is None:
            raise ApiError(404, "Not found", f"no account {handle!r}")
        running = conn.execute(
            "SELECT id FROM runs WHERE handle = ? AND status = 'running'", (handle,)
        ).fetchone()
        if running is not None:
            raise ApiError(
                409, "Conflict", f"run {running[0]} is running on {handle!r}; retry when it ends"
            )
        canceled = queue.cancel_pending_for_account(conn, handle, now, "account deleted")
        conn.execute("DELETE FROM accounts WHERE handle = ?", (handle,))
        with_artifacts = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM runs WHERE handle = ? AND artifacts != '[]'", (handle,)
            )
        ]
        conn.execute("UPDATE runs SET artifacts = '[]' WHERE handle = ?", (handle,))
    store = ArtifactStore(ctx.settings.artifacts_dir)
    for run_id in with_artifacts:
        store.remove(run_id)
    ctx.accounts_changed()
    return canceled


def set_paused(ctx: ServerContext, handle: str, paused: bool, reason: str | None) -> AccountOut:
    """Pause an account (its runs wait) or resume a paused one."""
    with ctx.db.write() as s:
        account = s.get(Account, handle)
        if account is None:
            raise ApiError(404, "Not found", f"no account {handle!r}")
        if paused:
            account.status = "paused"
            account.status_reason = reason or "paused by the operator"
        elif account.status == "paused":
            account.status = "active"
            account.status_reason = None
            account.consecutive_failures = 0  # the breaker starts counting afresh
        else:
            raise ApiError(409, "Conflict", f"account {handle!r} is {account.status}, not paused")
        account.updated_at = ctx.clock.now()
        out = to_out(account)
    ctx.notify()
    return out


def any_sealed_secret(db: Database) -> bytes | None:
    """One sealed value from the accounts table, to check the key against at start."""
    with db.raw_read() as conn:
        row = conn.execute(
            "SELECT coalesce(password_enc, li_at_enc, storage_state_enc, proxy_enc, pin_enc)"
            " FROM accounts WHERE coalesce(password_enc, li_at_enc, storage_state_enc,"
            " proxy_enc, pin_enc) IS NOT NULL LIMIT 1"
        ).fetchone()
    return None if row is None else bytes(row[0])


def load_secrets(ctx: ServerContext, handle: str) -> AccountSecrets:
    """Decrypt what the browser needs to act as this account (the session state lazily)."""
    # Plain SQL: this runs before every run, on its critical path.
    with ctx.db.raw_read() as conn:
        row = conn.execute(
            "SELECT uid, username, password_enc, li_at_enc, storage_state_enc, proxy_enc,"
            " timezone, identity, status, checkpoint_path, session_epoch"
            " FROM accounts WHERE handle = ?",
            (handle,),
        ).fetchone()
    if row is None:
        raise LookupError(f"no account {handle!r}")
    box = ctx.box
    ident = json.loads(row["identity"]) if row["identity"] else new_identity(row["timezone"])
    viewport = ident.get("viewport", [1366, 768])
    identity = Identity(
        user_agent=ident.get("user_agent"),
        viewport=(int(viewport[0]), int(viewport[1])),
        locale=ident.get("locale", "en-US"),
        timezone_id=ident.get("timezone_id", row["timezone"]),
        proxy=box.open(row["proxy_enc"]) if row["proxy_enc"] else None,
    )
    return AccountSecrets(
        uid=row["uid"],
        username=row["username"],
        password=box.open(row["password_enc"]) if row["password_enc"] else None,
        li_at=box.open(row["li_at_enc"]) if row["li_at_enc"] else None,
        sealed_state=row["storage_state_enc"],
        identity=identity,
        status=row["status"],
        checkpoint_path=row["checkpoint_path"],
        session_epoch=row["session_epoch"] or 0,
    )


def save_storage_state(
    ctx: ServerContext, uid: str, state: dict[str, Any], *, epoch: int, replace: bool = False
) -> int:
    """Seal and store the browser's cookies and local storage after a run.

    Keyed by the account's immutable uid: a context of a deleted account never writes into
    a new account that took its handle. A save from a context of an older epoch is dropped
    (the session was replaced since); `replace` starts a new epoch (a session made outside
    the executor). Returns the epoch.
    """
    sealed = ctx.box.seal_json(state)
    with ctx.db.write() as s:
        account = s.scalars(select(Account).where(Account.uid == uid)).first()
        if account is None:
            return epoch
        current = account.session_epoch or 0
        if current != epoch:
            return current
        account.storage_state_enc = sealed
        if replace:
            account.session_epoch = current + 1
        return account.session_epoch


def session_epochs(ctx: ServerContext) -> dict[str, int]:
    """uid -> session epoch of every account: which warm browser contexts are still valid."""
    with ctx.db.raw_read() as conn:
        return {
            row[0]: row[1] or 0
            for row in conn.execute("SELECT uid, session_epoch FROM accounts WHERE uid IS NOT NULL")
        }


def store_pin(ctx: ServerContext, handle: str, code: str) -> None:
    """Seal a verification code for the next checkpoint run (only in `checkpoint` status)."""
    with ctx.db.write() as s:
        account = s.get(Account, handle)
        if account is None:
            raise ApiError(404, "Not found", f"no account {handle!r}")
        if account.status != "checkpoint":
            raise ApiError(
                409, "Conflict", f"account {handle!r} is {account.status}, not in checkpoint"
            )
        account.pin_enc = ctx.box.seal(code)
        account.updated_at = ctx.clock.now()


def take_pin(ctx: ServerContext, handle: str) -> str | None:
    """Return and forget the submitted verification code: it is used once."""
    with ctx.db.write() as s:
        account = s.get(Account, handle)
        if account is None or account.pin_enc is None:
            return None
        sealed, account.pin_enc = account.pin_enc, None
        return ctx.box.open(sealed)


def usage(ctx: ServerContext, handle: str) -> UsageOut:
    """Per touchpoint: caps in force, used, remaining and next reset of each window."""
    now = ctx.clock.now()
    rules = ctx.rules
    with ctx.db.raw_read() as conn:
        row = conn.execute("SELECT * FROM accounts WHERE handle = ?", (handle,)).fetchone()
        if row is None:
            raise ApiError(404, "Not found", f"no account {handle!r}")
        state = queue.account_safety(row)
        types = sorted(set(safety.DEFAULT_CAPS) | set(state.quotas or {}))
        touchpoints: dict[str, TouchpointUsage] = {}
        for type_ in types:
            caps = safety.caps_for(state, type_, now, rules)
            starts = queue.counted_starts(conn, handle, type_, now) if caps else []
            windows = {
                w.window: WindowUsageOut(
                    cap=w.cap,
                    used=w.used,
                    remaining=w.remaining,
                    next_reset=to_datetime(w.next_reset),
                )
                for w in safety.usage(starts, caps, now)
            }
            until = state.cooldowns.get(type_)
            touchpoints[type_] = TouchpointUsage(
                windows=windows,
                cooldown_until=to_datetime(until) if until and until > now else None,
            )
    everything = state.cooldowns.get("*")
    return UsageOut(
        handle=handle,
        warmup_factor=round(safety.warmup_factor(state, now, rules), 3),
        next_action_at=to_datetime(state.next_action_at)
        if state.next_action_at and state.next_action_at > now
        else None,
        cooldown_all_until=to_datetime(everything) if everything and everything > now else None,
        touchpoints=touchpoints,
    )
