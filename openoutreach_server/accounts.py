"""The account service: secrets sealed, the fixed browser identity, status changes, usage.

No SQL here: the store's account port does the storing, each call in one transaction.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from linkedin.browser.pool import Identity
from openoutreach_server import account_status, safety
from openoutreach_server.artifacts import ArtifactStore
from openoutreach_server.context import ServerContext
from openoutreach_server.crypto import SecretBox
from openoutreach_server.errors import Conflict, Invalid, NotFound
from openoutreach_server.schemas import (
    AccountCreate,
    AccountOut,
    AccountPatch,
    InvitationOut,
    TouchpointUsage,
    UsageOut,
    WindowUsageOut,
    to_datetime,
)
from openoutreach_server.store.records import AccountRecord

# Common desktop sizes; one is drawn per account and kept for all its sessions.
_VIEWPORTS = ((1366, 768), (1440, 900), (1536, 864), (1600, 900), (1920, 1080))
CREDENTIALS = frozenset({"li_at", "storage_state", "password", "username"})


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


def active_cooldowns(record: AccountRecord, now: float) -> dict[str, Any]:
    """Cool-downs still running, scope -> end (as a datetime)."""
    return {
        scope: to_datetime(until)
        for scope, until in sorted(record.cooldowns.items())
        if until > now
    }


def to_out(record: AccountRecord, now: float) -> AccountOut:
    """The public view of an account: which secrets are set, never their values."""
    return AccountOut(
        handle=record.handle,
        display_name=record.display_name,
        username=record.username,
        has_password=record.password_enc is not None,
        has_session=record.has_session,
        has_proxy=record.proxy_enc is not None,
        timezone=record.timezone,
        working_hours=record.working_hours,
        quotas=record.quotas,
        identity=record.identity,
        status=record.status,  # type: ignore[arg-type]
        status_reason=record.status_reason,
        paused_from=record.paused_from,  # type: ignore[arg-type]
        cooldowns=active_cooldowns(record, now),
        home_host=record.home_host,
        created_at=to_datetime(record.created_at),  # type: ignore[arg-type]
        updated_at=to_datetime(record.updated_at),  # type: ignore[arg-type]
        last_login_at=to_datetime(record.last_login_at),
    )


def _fields(
    box: SecretBox, current: AccountRecord | None, body: AccountCreate | AccountPatch
) -> dict[str, Any]:
    """The stored values a create or a patch sets (secrets sealed here)."""
    given = body.model_fields_set
    out: dict[str, Any] = {}
    epoch = current.session_epoch if current is not None else 0
    if "display_name" in given:
        out["display_name"] = body.display_name
    if current is not None and {"username", "password"} & given:
        # Other credentials: whatever session is stored belongs to the old ones.
        out.update(li_at_enc=None, storage_state_enc=None, session_cookie=False)
        epoch += 1
    if "username" in given:
        out["username"] = body.username
    if "password" in given:
        out["password_enc"] = box.seal(body.password.get_secret_value()) if body.password else None
    if "li_at" in given:
        out["li_at_enc"] = box.seal(body.li_at.get_secret_value()) if body.li_at else None
        if body.li_at:
            out.update(storage_state_enc=None, session_cookie=False)  # it replaces the old session
        epoch += 1
    if "storage_state" in given:
        state = body.storage_state.model_dump(exclude_none=True) if body.storage_state else None
        out["storage_state_enc"] = box.seal_json(state) if state else None
        out["session_cookie"] = has_session_cookie(state)
        epoch += 1
    if "proxy" in given:
        out["proxy_enc"] = box.seal(body.proxy) if body.proxy else None
    if "timezone" in given and body.timezone:
        out["timezone"] = body.timezone
        if current is not None and current.identity:
            out["identity"] = {**current.identity, "timezone_id": body.timezone}
    if "working_hours" in given:
        windows = body.working_hours
        out["working_hours"] = [w.model_dump() for w in windows] if windows else None
    if "quotas" in given:
        quotas = body.quotas
        out["quotas"] = (
            {k: v.model_dump(exclude_none=True) for k, v in quotas.items()} if quotas else None
        )
    if current is None or epoch != current.session_epoch:
        out["session_epoch"] = epoch
    return out


def has_session_cookie(state: dict[str, Any] | None) -> bool:
    """Whether a browser state holds LinkedIn's session cookie (li_at) with a value."""
    return any(
        c.get("name") == "li_at" and c.get("value") for c in (state or {}).get("cookies", [])
    )


def create(ctx: ServerContext, body: AccountCreate) -> AccountOut:
    """Register an account; it needs a login before its runs start."""
    now = ctx.clock.now()
    return to_out(ctx.store.accounts.create(new_values(ctx.box, body, now)), now)


def new_values(box: SecretBox, body: AccountCreate, now: float) -> dict[str, Any]:
    """Every stored value of a new account (secrets sealed): `needs_login`, a fresh identity."""
    timezone = body.timezone or "UTC"
    values: dict[str, Any] = {
        "handle": body.handle,
        "uid": secrets.token_hex(16),
        "timezone": timezone,
        "identity": new_identity(timezone),
        "status": "needs_login",
        "status_reason": f"new account: POST /accounts/{body.handle}/login",
        "created_at": now,
        "updated_at": now,
        "session_epoch": 0,
        "session_cookie": False,
        "consecutive_failures": 0,
    }
    values.update(_fields(box, None, body))
    return values


def get(ctx: ServerContext, handle: str) -> AccountOut:
    """One account (NotFound)."""
    return to_out(ctx.store.accounts.require(handle), ctx.clock.now())


def list_all(ctx: ServerContext) -> list[AccountOut]:
    """Every account, by handle."""
    now = ctx.clock.now()
    return [to_out(record, now) for record in ctx.store.accounts.all()]


def patch(ctx: ServerContext, handle: str, body: AccountPatch) -> AccountOut:
    """Change the given fields; new credentials drop the stored session and the account must
    log in again (account_status `credentials_changed`)."""
    now = ctx.clock.now()

    def change(current: AccountRecord) -> dict[str, Any]:
        return patch_values(ctx.box, current, body, now)

    updated = ctx.store.accounts.update(handle, change)
    if CREDENTIALS & body.model_fields_set:
        ctx.accounts_changed()  # warm contexts holding the old session are closed
    return to_out(updated, now)


def patch_values(
    box: SecretBox, current: AccountRecord, body: AccountPatch, now: float
) -> dict[str, Any]:
    """The stored values a patch changes (secrets sealed); new credentials need a new login."""
    if body.password is not None and not (body.username or current.username):
        raise Invalid("password", "a password needs a username (the LinkedIn login email)")
    out = _fields(box, current, body)
    if CREDENTIALS & body.model_fields_set:
        reason = f"credentials changed: POST /accounts/{current.handle}/login"
        out.update(_status_fields(current, "credentials_changed", reason))
    out["updated_at"] = now
    return out


def _status_fields(
    current: AccountRecord, event: account_status.Event, reason: str | None = None
) -> dict[str, Any]:
    state = account_status.State(
        current.status, current.status_reason, current.paused_from, current.paused_from_reason
    )
    after = account_status.transition(state, event, reason)
    return {
        "status": after.status,
        "status_reason": after.reason,
        "paused_from": after.paused_from,
        "paused_from_reason": after.paused_from_reason,
    }


def delete(ctx: ServerContext, handle: str) -> int:
    """Delete an account, cancel its pending runs and delete its runs' artifacts.

    Refused while one of its runs is running. Its past runs are kept (without artifacts:
    screenshots and pages of its session). Workers are told to close its browser context.
    """
    deleted = ctx.store.accounts.delete(handle, ctx.clock.now())
    store = ArtifactStore(ctx.settings.artifacts_dir)
    for run_id in deleted.runs_with_artifacts:
        store.remove(run_id)
    ctx.accounts_changed()
    return deleted.canceled


def pause(ctx: ServerContext, handle: str, reason: str | None) -> AccountOut:
    """Pause an account: its runs wait; resume returns it to the status it had."""
    now = ctx.clock.now()

    def change(current: AccountRecord) -> dict[str, Any]:
        if current.status == "disabled":
            raise Conflict(f"account {handle!r} is disabled")
        fields = _status_fields(current, "pause", reason or "paused by the operator")
        return {**fields, "updated_at": now}

    return to_out(ctx.store.accounts.update(handle, change), now)


def resume(ctx: ServerContext, handle: str) -> AccountOut:
    """Resume a paused account to the status it had before the pause (never `active` by
    default); the circuit breaker starts counting afresh."""
    now = ctx.clock.now()

    def change(current: AccountRecord) -> dict[str, Any]:
        if current.status != "paused":
            raise Conflict(f"account {handle!r} is {current.status}, not paused")
        fields = _status_fields(current, "resume")
        return {**fields, "consecutive_failures": 0, "updated_at": now}

    out = to_out(ctx.store.accounts.update(handle, change), now)
    ctx.notify()
    return out


def clear_cooldowns(ctx: ServerContext, handle: str, scope: str | None) -> AccountOut:
    """End the account's cool-downs early (one scope, or all); logged by the caller."""
    now = ctx.clock.now()

    def change(current: AccountRecord) -> dict[str, Any]:
        running = {k: v for k, v in current.cooldowns.items() if v > now}
        if scope is not None:
            if scope not in running:
                raise NotFound(f"account {handle!r} has no cool-down of {scope!r}")
            del running[scope]
        else:
            running = {}
        return {"cooldowns": running or None, "updated_at": now}

    out = to_out(ctx.store.accounts.update(handle, change), now)
    ctx.notify()
    return out


def invitations(ctx: ServerContext, handle: str, status: str | None) -> list[InvitationOut]:
    """The account's watched invitations, newest first (NotFound for an unknown account)."""
    ctx.store.accounts.require(handle)
    return [
        InvitationOut(
            public_identifier=i.public_identifier,
            profile_url=i.profile_url,
            status=i.status,  # type: ignore[arg-type]
            run_id=i.run_id,
            sent_at=to_datetime(i.sent_at),  # type: ignore[arg-type]
            missing_since=to_datetime(i.missing_since),
            resolved_at=to_datetime(i.resolved_at),
        )
        for i in ctx.store.tracking.invitations(handle, status)
    ]


def set_home_host(ctx: ServerContext, handle: str, host: str | None) -> AccountOut:
    """Pin the account to a worker host (its runs run only there), or unpin it."""
    now = ctx.clock.now()
    before: list[str | None] = []

    def change(current: AccountRecord) -> dict[str, Any]:
        before.append(current.home_host)
        return {"home_host": host, "updated_at": now}

    out = to_out(ctx.store.accounts.update(handle, change), now)
    logger.bind(handle=handle).info("home host changed from {} to {}", before[0], host)
    ctx.notify()
    return out


def store_pin(ctx: ServerContext, handle: str, code: str) -> None:
    """Seal a verification code for the next checkpoint run (only in `checkpoint` status)."""
    now = ctx.clock.now()

    def change(current: AccountRecord) -> dict[str, Any]:
        if current.status != "checkpoint":
            raise Conflict(f"account {handle!r} is {current.status}, not in checkpoint")
        return {"pin_enc": ctx.box.seal(code), "updated_at": now}

    ctx.store.accounts.update(handle, change)


def take_pin(ctx: ServerContext, handle: str) -> str | None:
    """Return and forget the submitted verification code: it is used once."""
    sealed = ctx.store.accounts.take_pin(handle)
    return None if sealed is None else ctx.box.open(sealed)


def load_secrets(ctx: ServerContext, handle: str) -> AccountSecrets:
    """Decrypt what the browser needs to act as this account (the session state lazily)."""
    record = ctx.store.accounts.get(handle)
    if record is None:
        raise NotFound(f"no account {handle!r}")
    box = ctx.box
    ident = record.identity or new_identity(record.timezone)
    viewport = ident.get("viewport", [1366, 768])
    identity = Identity(
        user_agent=ident.get("user_agent"),
        viewport=(int(viewport[0]), int(viewport[1])),
        locale=ident.get("locale", "en-US"),
        timezone_id=ident.get("timezone_id", record.timezone),
        proxy=box.open(record.proxy_enc) if record.proxy_enc else None,
    )
    return AccountSecrets(
        uid=record.uid,
        username=record.username,
        password=box.open(record.password_enc) if record.password_enc else None,
        li_at=box.open(record.li_at_enc) if record.li_at_enc else None,
        sealed_state=record.storage_state_enc,
        identity=identity,
        status=record.status,
        checkpoint_path=record.checkpoint_path,
        session_epoch=record.session_epoch,
    )


def save_storage_state(
    ctx: ServerContext, uid: str, state: dict[str, Any], *, epoch: int, replace: bool = False
) -> int:
    """Seal and store the browser's cookies and local storage after a run.

    Keyed by the account's immutable uid: a context of a deleted account never writes into a
    new account that took its handle. A save from an older epoch is dropped (the session was
    replaced since); `replace` starts a new epoch (a session made outside the executor).
    """
    return ctx.store.accounts.save_session(
        uid,
        ctx.box.seal_json(state),
        has_cookie=has_session_cookie(state),
        epoch=epoch,
        replace=replace,
    )


def session_epochs(ctx: ServerContext) -> dict[str, int]:
    """uid -> session epoch of every account (which warm contexts are still valid)."""
    return ctx.store.accounts.session_epochs()


def usage(ctx: ServerContext, handle: str) -> UsageOut:
    """Per touchpoint: caps in force, used, remaining and next reset of each window."""
    now = ctx.clock.now()
    rules = ctx.rules
    record = ctx.store.accounts.require(handle)
    state = safety_state(record)
    types = sorted(set(safety.DEFAULT_CAPS) | set(state.quotas or {}))
    caps = {type_: safety.caps_for(state, type_, now, rules) for type_ in types}
    starts = ctx.store.runs.counted_starts(handle, [t for t in types if caps[t]], now)
    touchpoints: dict[str, TouchpointUsage] = {}
    for type_ in types:
        windows = {
            w.window: WindowUsageOut(
                cap=w.cap, used=w.used, remaining=w.remaining, next_reset=to_datetime(w.next_reset)
            )
            for w in safety.usage(starts.get(type_, []), caps[type_], now)
        }
        until = state.cooldowns.get(type_)
        touchpoints[type_] = TouchpointUsage(
            windows=windows,
            cooldown_until=to_datetime(until) if until and until > now else None,
        )
    everything = state.cooldowns.get("*")
    next_action = safety.next_action_at(state, rules)
    return UsageOut(
        handle=handle,
        warmup_factor=round(safety.warmup_factor(state, now, rules), 3),
        next_action_at=to_datetime(next_action) if next_action and next_action > now else None,
        cooldown_all_until=to_datetime(everything) if everything and everything > now else None,
        touchpoints=touchpoints,
    )


def safety_state(record: AccountRecord) -> safety.AccountSafety:
    """An account's safety state."""
    return safety.AccountSafety(
        created_at=record.created_at,
        timezone=record.timezone,
        working_hours=record.working_hours,
        quotas=record.quotas,
        cooldowns=record.cooldowns,
        last_action_at=record.last_action_at,
        gap_draw=record.gap_draw,
    )
