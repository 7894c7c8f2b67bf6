"""What the server returns, as pydantic models mirroring its JSON.

Fields the server adds later are kept (`extra="allow"`) rather than refused, so an older
client keeps working against a newer server.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from openoutreach_client.errors import RunFailed

RunStatus = Literal["pending", "running", "completed", "failed", "canceled", "interrupted"]
DeliveryStatus = Literal["pending", "delivered", "failed", "canceled"]
InvitationStatus = Literal["pending", "accepted", "withdrawn"]
AccountStatus = Literal["active", "needs_login", "checkpoint", "paused", "restricted", "disabled"]
OnQuota = Literal["wait", "fail"]
UNFINISHED: frozenset[str] = frozenset({"pending", "running"})
M = TypeVar("M", bound=BaseModel)


class ErrorCode(StrEnum):
    """Why a run failed; the server's table of stable codes (README, Errors)."""

    INVALID_INPUT = "INVALID_INPUT"
    AUTH_FAILED = "AUTH_FAILED"
    CHECKPOINT = "CHECKPOINT"
    SESSION_EXPIRED = "SESSION_EXPIRED"
    ACCOUNT_RESTRICTED = "ACCOUNT_RESTRICTED"
    RATE_LIMITED = "RATE_LIMITED"
    WEEKLY_INVITE_LIMIT = "WEEKLY_INVITE_LIMIT"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    NOT_CONNECTED = "NOT_CONNECTED"
    EMAIL_REQUIRED = "EMAIL_REQUIRED"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    NO_CREDITS = "NO_CREDITS"
    PROFILE_NOT_FOUND = "PROFILE_NOT_FOUND"
    POST_NOT_FOUND = "POST_NOT_FOUND"
    NO_RECENT_POST = "NO_RECENT_POST"
    UI_CHANGED = "UI_CHANGED"
    NAVIGATION_TIMEOUT = "NAVIGATION_TIMEOUT"
    BROWSER_CRASHED = "BROWSER_CRASHED"
    INTERRUPTED = "INTERRUPTED"
    CANCELED = "CANCELED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    LINKEDIN_UNAVAILABLE = "LINKEDIN_UNAVAILABLE"
    OFF_HOST = "OFF_HOST"


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Run(_Out):
    """One touchpoint for one account, as the server reports it."""

    run_id: int
    handle: str
    touchpoint: dict[str, Any]
    status: RunStatus
    dry_run: bool
    result: dict[str, Any] | None
    error_code: ErrorCode | str | None = Field(
        description="An ErrorCode; a code newer than this client stays a plain str"
    )
    error: str | None
    retryable: bool | None
    attempt: int
    max_attempts: int
    priority: int
    waiting_reason: str | None
    not_before: datetime | None
    tags: list[str]
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    duration_ms: int | None
    artifacts: list[str]
    schedule_id: int | None = None
    fire_time: datetime | None = None

    @field_validator("error_code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> Any:
        try:
            return ErrorCode(value)
        except ValueError:  # None, or a code newer than this client
            return value

    @property
    def done(self) -> bool:
        """Whether the run has ended (any status but pending and running)."""
        return self.status not in UNFINISHED

    def result_as(self, model: type[M]) -> M:
        """The result parsed as a touchpoint's result model, e.g. `ConnectResult`."""
        if self.result is None:
            raise ValueError(f"run {self.run_id} has no result (status {self.status})")
        return model.model_validate(self.result)

    def raise_for_error(self) -> Run:
        """Raise `RunFailed` if the run failed, was canceled or interrupted; else return it."""
        if self.status in ("failed", "canceled", "interrupted"):
            raise RunFailed(self)
        return self


class Account(_Out):
    """A LinkedIn account; secrets are never returned, only whether they are set."""

    handle: str
    display_name: str | None
    username: str | None
    has_password: bool
    has_session: bool
    has_proxy: bool
    timezone: str
    working_hours: list[dict[str, Any]] | None
    quotas: dict[str, Any] | None
    identity: dict[str, Any] | None
    status: AccountStatus
    status_reason: str | None
    paused_from: AccountStatus | None = None
    cooldowns: dict[str, datetime] = Field(default_factory=dict)
    home_host: str | None = Field(default=None, description="Pinned worker host (None: any)")
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


class LoginResult(_Out):
    """The account after a login (or checkpoint code), and the run that performed it."""

    account: Account
    run: Run

    @property
    def pending(self) -> bool:
        """Whether the login run was still going when the server stopped waiting (HTTP 202)."""
        return not self.run.done


class WindowUsage(_Out):
    """One rolling window (hour, day, week) of one touchpoint's cap."""

    cap: int
    used: int
    remaining: int
    next_reset: datetime | None


class TouchpointUsage(_Out):
    """Caps and usage of one touchpoint type, and its cool-down if any."""

    windows: dict[str, WindowUsage]
    cooldown_until: datetime | None = None


class Usage(_Out):
    """An account's usage against its caps, its cool-downs and pacing."""

    handle: str
    warmup_factor: float
    next_action_at: datetime | None
    cooldown_all_until: datetime | None = None
    touchpoints: dict[str, TouchpointUsage]


class Schedule(_Out):
    """A touchpoint queued as a run at every fire of a cron expression."""

    schedule_id: int
    handle: str
    touchpoint: dict[str, Any]
    cron: str
    timezone: str
    tags: list[str]
    active: bool
    dry_run: bool
    priority: int
    next_fire_at: datetime | None
    last_fire_at: datetime | None
    fires: int
    skipped_fires: int
    created_at: datetime
    updated_at: datetime


T = TypeVar("T")


class Page(_Out, Generic[T]):
    """One page of a list, newest first; `next_cursor` fetches the next (None: the last)."""

    items: list[T]
    next_cursor: str | None


class Event(_Out):
    """One entry of the server's event feed; `id`s increase."""

    id: int
    type: str
    timestamp: datetime
    data: dict[str, Any] = Field(default_factory=dict)


class EventPage(_Out):
    """A page of events, oldest first; pass `next_cursor` as `after` for the next ones (it
    stays the same when nothing new came)."""

    items: list[Event]
    next_cursor: str | None = None


class CanceledRuns(_Out):
    """How many pending runs a bulk cancel canceled, and which."""

    canceled: int
    run_ids: list[int]


class Health(_Out):
    """Liveness and a few facts about the server process."""

    status: str
    version: str
    worker: bool
    database: str


class Invitation(_Out):
    """An invitation a connect run sent, watched until it is accepted or gone (withdrawn)."""

    public_identifier: str
    profile_url: str
    status: InvitationStatus
    run_id: int
    sent_at: datetime
    missing_since: datetime | None
    resolved_at: datetime | None


class Worker(_Out):
    """One live worker process of a host."""

    worker_id: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    capacity: int
    running: int
    open_sessions: int


class Host(_Out):
    """A worker host: its live workers, its load, the accounts pinned to it."""

    host: str
    live: bool
    capacity: int
    running: int
    open_sessions: int
    workers: list[Worker]
    accounts: list[str]


class Webhook(_Out):
    """A webhook endpoint (its secret is only in `WebhookCreated`); `event_types` None means
    every type."""

    id: int
    url: str
    event_types: list[str] | None
    description: str | None
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(Webhook):
    """A webhook with its signing secret (`whsec_...`), shown by the server this once: keep
    it; it stays out of the repr so logging the model does not leak it."""

    secret: str = Field(repr=False)


class WebhookPage(_Out):
    """Every webhook endpoint, oldest first."""

    items: list[Webhook]


class WebhookSecret(_Out):
    """The server-wide secret signing deliveries to runs' `callback_url` (not in the repr)."""

    secret: str = Field(repr=False)


class Delivery(_Out):
    """One event on its way to one endpoint, with its last attempt."""

    id: int
    event_id: int
    event_type: str
    run_id: int | None
    webhook_id: int | None
    url: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    last_latency_ms: float | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(_Out):
    """Deliveries, newest first; pass `next_cursor` as `before` for older ones (None: the
    last page)."""

    items: list[Delivery]
    next_cursor: str | None


class Redelivered(_Out):
    """The deliveries a redelivery queued (the event keeps its id: receivers deduplicate)."""

    event_id: int
    deliveries: list[Delivery]
