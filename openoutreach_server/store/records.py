"""Plain records and parameters that cross the storage boundary (never database rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openoutreach_server.errors import Conflict, Invalid

# Internal run type that logs an account in; claimable whatever the account's status.
LOGIN_TYPE = "login"
LOGIN_PRIORITY = 1_000_000


@dataclass(frozen=True)
class NewRun:
    """Everything needed to insert a run."""

    handle: str
    type: str
    touchpoint: dict[str, Any]
    side_effecting: bool
    dry_run: bool = False
    priority: int = 0
    not_before: float | None = None
    tags: list[str] = field(default_factory=list)
    callback_url: str | None = None
    on_quota: str = "wait"
    max_attempts: int = 3


@dataclass(frozen=True)
class Claimed:
    """A run this worker now owns until it finishes or its lease lapses."""

    id: int
    handle: str
    type: str
    touchpoint: dict[str, Any]
    side_effecting: bool
    dry_run: bool
    attempt: int
    max_attempts: int


@dataclass(frozen=True)
class Outcome:
    """How a run this worker owned ended: a result, or an error."""

    run_id: int
    result: dict[str, Any] | None = None
    code: str | None = None
    message: str = ""
    retryable: bool = False
    artifacts: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRecord:
    """A run as stored."""

    id: int
    handle: str
    type: str
    touchpoint: dict[str, Any]
    side_effecting: bool
    status: str
    dry_run: bool
    priority: int
    not_before: float
    tags: list[str]
    callback_url: str | None
    on_quota: str
    idempotency_key: str | None
    request_hash: str | None
    result: dict[str, Any] | None
    error_code: str | None
    error: str | None
    retryable: bool | None
    attempt: int
    max_attempts: int
    artifacts: list[str]
    worker_id: str | None
    lease_expires_at: float | None
    created_at: float
    started_at: float | None
    completed_at: float | None
    schedule_id: int | None
    fire_time: float | None


@dataclass(frozen=True)
class AccountRecord:
    """An account as stored; secrets stay sealed (encrypted) here."""

    handle: str
    uid: str
    display_name: str | None
    username: str | None
    password_enc: bytes | None = field(repr=False)
    li_at_enc: bytes | None = field(repr=False)
    storage_state_enc: bytes | None = field(repr=False)
    proxy_enc: bytes | None = field(repr=False)
    pin_enc: bytes | None = field(repr=False)
    timezone: str
    working_hours: list[dict[str, Any]] | None
    quotas: dict[str, dict[str, int]] | None
    identity: dict[str, Any] | None
    status: str
    status_reason: str | None
    paused_from: str | None
    paused_from_reason: str | None
    created_at: float
    updated_at: float
    last_login_at: float | None
    checkpoint_path: str | None
    session_epoch: int
    session_cookie: bool
    last_action_at: float | None
    gap_draw: float | None
    cooldowns: dict[str, float]
    consecutive_failures: int
    home_host: str | None = None

    @property
    def has_session(self) -> bool:
        """A session worth trying is stored: an imported cookie not yet replaced by a saved
        state, or a saved state that holds LinkedIn's session cookie."""
        if self.storage_state_enc is not None:
            return self.session_cookie
        return self.li_at_enc is not None


@dataclass(frozen=True)
class ScheduleRecord:
    """A schedule as stored."""

    id: int
    handle: str
    type: str
    touchpoint: dict[str, Any]
    cron: str
    timezone: str
    tags: list[str]
    dry_run: bool
    priority: int
    active: bool
    created_at: float
    updated_at: float
    next_fire_at: float | None
    last_fire_at: float | None
    fires: int
    skipped_fires: int


@dataclass(frozen=True)
class RunFilter:
    """Which runs a listing or a bulk cancel is about (all given criteria must hold)."""

    handle: str | None = None
    status: str | None = None
    type: str | None = None
    tag: str | None = None
    created_after: float | None = None
    created_before: float | None = None
    schedule_id: int | None = None


@dataclass
class ClaimRound:
    """What one claim found: the runs taken, and when a held run may become claimable."""

    claimed: list[Claimed] = field(default_factory=list)
    wake_at: float | None = None

    def hold(self, until: float | None) -> None:
        """Remember the earliest time a held run may go."""
        if until is not None and (self.wake_at is None or until < self.wake_at):
            self.wake_at = until


@dataclass(frozen=True)
class DeletedAccount:
    """What deleting an account did: runs canceled, runs whose artifacts must go."""

    canceled: int
    runs_with_artifacts: list[int]


@dataclass(frozen=True)
class FireBatch:
    """What one batch of schedule fires did."""

    fired: int = 0
    skipped: int = 0
    schedules: int = 0


class UnknownAccount(Invalid):
    """A run or schedule names an account that does not exist (422 on `handle`)."""

    def __init__(self, handle: str) -> None:
        super().__init__("handle", f"no account {handle!r}; create it with POST /accounts")


class IdempotencyConflict(Conflict):
    """The Idempotency-Key was used before with a different request body."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"Idempotency-Key was already used for run {run_id} with a different body")
        self.run_id = run_id


class NotCancelable(Conflict):
    """Only pending runs can be canceled."""


class AccountBusy(Conflict):
    """Another run of the account is running."""


class AccountExists(Conflict):
    """An account with this handle already exists."""
