"""Request and response models of the HTTP API."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from linkedin.touchpoints.models import Touchpoint

HANDLE_PATTERN = r"^[a-z0-9_-]{1,64}$"
# Database ids are 64-bit integers: anything outside is no id at all (422, never a 500).
MAX_ID = 2**63 - 1
AccountStatus = Literal["active", "needs_login", "checkpoint", "paused", "restricted", "disabled"]
RunStatus = Literal["pending", "running", "completed", "failed", "canceled", "interrupted"]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def to_datetime(ts: float | None) -> datetime | None:
    """UNIX seconds to an aware UTC datetime."""
    return None if ts is None else datetime.fromtimestamp(ts, tz=UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkingWindow(_Strict):
    """A weekly window in the account's timezone, e.g. mon-fri 09:00-17:30."""

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(min_length=1)
    start: str = Field(description="HH:MM, inclusive")
    end: str = Field(description="HH:MM, exclusive; must be after start")

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("must be HH:MM (00:00-23:59)")
        return value

    def model_post_init(self, _context: Any) -> None:
        """Check that the window is not empty."""
        if self.end <= self.start:
            raise ValueError("end must be after start")


class QuotaOverride(_Strict):
    """Per-touchpoint caps; null keeps the default."""

    hour: int | None = Field(default=None, ge=0, le=100_000)
    day: int | None = Field(default=None, ge=0, le=100_000)
    week: int | None = Field(default=None, ge=0, le=100_000)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("must be an IANA timezone such as Europe/Paris") from exc
    return value


def _check_proxy(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "socks5") or not parts.hostname:
        raise ValueError("must be a URL like http://user:pass@host:port or socks5://host:port")
    return value


class StorageCookie(_Strict):
    """One cookie of a Playwright storage_state."""

    name: str = Field(min_length=1, max_length=4096)
    value: str = Field(max_length=8192)
    domain: str = Field(min_length=1, max_length=255)
    path: str = Field(default="/", max_length=1024)
    expires: float = Field(default=-1, ge=-1, le=2**53)
    httpOnly: bool = False  # Playwright's camelCase names
    secure: bool = False
    sameSite: Literal["Strict", "Lax", "None"] = "Lax"
    partitionKey: str | None = Field(default=None, max_length=1024)


class StorageItem(_Strict):
    """One localStorage entry of an origin."""

    name: str = Field(max_length=4096)
    value: str = Field(max_length=262144)


class StorageOrigin(_Strict):
    """An origin's localStorage in a Playwright storage_state."""

    origin: str = Field(min_length=1, max_length=2048)
    localStorage: list[StorageItem] = Field(default_factory=list, max_length=5000)


# A real LinkedIn session is a few dozen cookies and some local storage: far below this.
STORAGE_STATE_MAX_BYTES = 512 * 1024


class StorageState(_Strict):
    """A Playwright storage_state (as `context.storage_state()` writes it)."""

    cookies: list[StorageCookie] = Field(default_factory=list, max_length=1000)
    origins: list[StorageOrigin] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _size(self) -> StorageState:
        size = len(self.model_dump_json())
        if size > STORAGE_STATE_MAX_BYTES:
            raise ValueError(f"must be at most {STORAGE_STATE_MAX_BYTES} bytes as JSON ({size})")
        return self


# Overrides are accepted for capped touchpoints only: a typo must not leave defaults in force.
# A Literal so /docs lists them: the capped types of linkedin/touchpoints/registry.py
# (tests/unit/test_touchpoint_registry.py keeps the two equal).
QuotaType = Literal["visit", "connect", "message", "comment", "react", "inmail", "enrich"]


class _AccountFields(_Strict):
    display_name: str | None = Field(default=None, max_length=200)
    username: str | None = Field(default=None, max_length=320, description="LinkedIn login email")
    password: SecretStr | None = Field(default=None, description="Write-only; encrypted at rest.")
    li_at: SecretStr | None = Field(default=None, description="Write-only `li_at` cookie value.")
    storage_state: StorageState | None = Field(
        default=None, description="Write-only Playwright storage_state (cookies, origins)."
    )
    proxy: str | None = Field(default=None, description="Write-only proxy URL for this account.")
    timezone: str | None = Field(default=None, description="IANA timezone, default UTC.")
    working_hours: list[WorkingWindow] | None = Field(default=None, max_length=50)
    quotas: dict[QuotaType, QuotaOverride] | None = Field(
        default=None, description='Per-touchpoint cap overrides, e.g. {"connect": {"day": 25}}'
    )

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        return _check_proxy(value)


class AccountCreate(_AccountFields):
    """Register a LinkedIn account."""

    handle: str = Field(pattern=HANDLE_PATTERN, description="Your name for the account.")

    @field_validator("password")
    @classmethod
    def _password_needs_username(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if value is not None and not info.data.get("username"):
            raise ValueError("a password needs a username (the LinkedIn login email)")
        return value

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "handle": "jane",
                    "display_name": "Jane Doe",
                    "username": "jane@example.com",
                    "password": "correct horse battery staple",
                    "timezone": "Europe/Paris",
                },
                {"handle": "sam", "li_at": "AQEDAR...", "timezone": "America/New_York"},
            ]
        },
    )


class AccountPatch(_AccountFields):
    """Change some fields of an account; secrets given here replace the stored ones."""


class AccountOut(BaseModel):
    """An account as the API shows it: secrets are never returned, only whether they are set."""

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
    paused_from: AccountStatus | None = Field(
        default=None, description="While paused: the status resume returns to"
    )
    cooldowns: dict[str, datetime] = Field(
        default_factory=dict,
        description="Cool-downs running now: touchpoint type (or * for all) -> end",
    )
    home_host: str | None = Field(
        default=None, description="The worker host it is pinned to (null: any host)"
    )
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


class RunCreate(_Strict):
    """Queue one touchpoint for one account."""

    handle: str = Field(pattern=HANDLE_PATTERN)
    touchpoint: Touchpoint
    dry_run: bool = False
    not_before: datetime | None = Field(default=None, description="Do not start before (ISO 8601).")
    priority: int = Field(default=0, ge=-100, le=100, description="Higher runs first.")
    tags: list[str] = Field(default_factory=list, max_length=20)
    callback_url: str | None = Field(default=None, max_length=2000)
    on_quota: Literal["wait", "fail"] = "wait"

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not 1 <= len(tag) <= 64:
                raise ValueError("each tag must be 1-64 characters")
        return value

    @field_validator("callback_url")
    @classmethod
    def _callback(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("not_before")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a timezone, e.g. 2026-01-31T09:00:00Z")
        return value

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "handle": "jane",
                    "touchpoint": {
                        "type": "connect",
                        "profile_url": "https://www.linkedin.com/in/john-smith/",
                        "note": "Hi John,\nenjoyed your post on pricing. Connect?",
                    },
                    "tags": ["campaign-42"],
                },
                {
                    "handle": "jane",
                    "touchpoint": {
                        "type": "visit",
                        "profile_url": "https://www.linkedin.com/in/john-smith/",
                        "dwell_s": [3, 8],
                        "scroll": True,
                    },
                    "dry_run": False,
                    "priority": 10,
                },
            ]
        },
    )


class RunOut(BaseModel):
    """A run as every endpoint returns it."""

    run_id: int
    handle: str
    touchpoint: dict[str, Any]
    status: RunStatus
    dry_run: bool
    result: dict[str, Any] | None
    error_code: str | None
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
    schedule_id: int | None = Field(default=None, description="The schedule that queued it.")
    fire_time: datetime | None = Field(default=None, description="The schedule fire it is for.")


def _check_tags(value: list[str] | None) -> list[str] | None:
    for tag in value or []:
        if not 1 <= len(tag) <= 64:
            raise ValueError("each tag must be 1-64 characters")
    return value


def _check_cron(value: str | None) -> str | None:
    from openoutreach_server.scheduling.cron import normalize_cron

    return None if value is None else normalize_cron(value)


_CRON_DOC = (
    "Cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with"
    " seconds as the sixth (last) field, e.g. `0 9 * * mon-fri` or `* * * * * */30`."
)


class ScheduleCreate(_Strict):
    """Queue a touchpoint as a run at every fire of a cron expression."""

    handle: str = Field(pattern=HANDLE_PATTERN)
    touchpoint: Touchpoint
    cron: str = Field(max_length=200, description=_CRON_DOC)
    timezone: str = Field(default="UTC", description="IANA timezone the cron is evaluated in.")
    tags: list[str] = Field(default_factory=list, max_length=20)
    active: bool = True
    dry_run: bool = False
    priority: int = Field(default=0, ge=-100, le=100)

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))
    _tags = field_validator("tags")(classmethod(lambda cls, v: _check_tags(v)))
    _cron = field_validator("cron")(classmethod(lambda cls, v: _check_cron(v)))

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "handle": "jane",
                    "touchpoint": {
                        "type": "visit",
                        "profile_url": "https://www.linkedin.com/in/john-smith/",
                    },
                    "cron": "30 9 * * mon-fri",
                    "timezone": "Europe/Paris",
                    "tags": ["weekday-visits"],
                },
                {
                    "handle": "jane",
                    "touchpoint": {
                        "type": "recent_posts",
                        "profile_url": "https://www.linkedin.com/in/john-smith/",
                    },
                    "cron": "0 */4 * * *",
                    "active": False,
                },
            ]
        },
    )


class SchedulePatch(_Strict):
    """Change some fields; a new cron, timezone or `active: true` recomputes the next fire."""

    touchpoint: Touchpoint | None = None
    cron: str | None = Field(default=None, max_length=200, description=_CRON_DOC)
    timezone: str | None = None
    tags: list[str] | None = Field(default=None, max_length=20)
    active: bool | None = None
    dry_run: bool | None = None
    priority: int | None = Field(default=None, ge=-100, le=100)

    _tz = field_validator("timezone")(
        classmethod(lambda cls, v: None if v is None else _check_timezone(v))
    )
    _tags = field_validator("tags")(classmethod(lambda cls, v: _check_tags(v)))
    _cron = field_validator("cron")(classmethod(lambda cls, v: _check_cron(v)))

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"active": False}, {"cron": "0 10 * * mon-fri"}]},
    )


class ScheduleOut(BaseModel):
    """A schedule as the API shows it; its runs: GET /runs?schedule_id=..."""

    schedule_id: int
    handle: str
    touchpoint: dict[str, Any]
    cron: str
    timezone: str
    tags: list[str]
    active: bool
    dry_run: bool
    priority: int
    next_fire_at: datetime | None = Field(description="Null while paused.")
    last_fire_at: datetime | None
    fires: int = Field(description="Fires turned into runs.")
    skipped_fires: int = Field(description="Fires missed while down and not run.")
    created_at: datetime
    updated_at: datetime


class SchedulePage(BaseModel):
    """One page of schedules, newest first; pass `next_cursor` as `cursor` for the next."""

    items: list[ScheduleOut]
    next_cursor: str | None


class RunPage(BaseModel):
    """One page of runs, newest first; pass `next_cursor` as `cursor` for the next page."""

    items: list[RunOut]
    next_cursor: str | None


class LoginOut(BaseModel):
    """The account after a login attempt, and the run that performed it."""

    account: AccountOut
    run: RunOut


class Health(BaseModel):
    """Liveness and a few facts about this process."""

    status: Literal["ok"]
    version: str
    worker: bool
    database: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


class WindowUsageOut(BaseModel):
    """One quota window of one touchpoint."""

    cap: int
    used: int
    remaining: int
    next_reset: datetime | None = Field(description="When the oldest counted use leaves it")


class TouchpointUsage(BaseModel):
    """Caps and usage of one touchpoint type, and its cool-down if any."""

    windows: dict[str, WindowUsageOut]
    cooldown_until: datetime | None = None


class UsageOut(BaseModel):
    """An account's usage per touchpoint and window (rolling hour/day/week)."""

    handle: str
    warmup_factor: float = Field(description="Share of the caps in force (warm-up), 0-1")
    next_action_at: datetime | None = Field(description="Pacing: no action before this")
    cooldown_all_until: datetime | None = None
    touchpoints: dict[str, TouchpointUsage]


HOST_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$"


class HomeHostIn(_Strict):
    """Pin an account to a worker host, or unpin it (null)."""

    host: str | None = Field(pattern=HOST_PATTERN, description="A worker's OO_WORKER_HOST")


class WorkerOut(BaseModel):
    """One live worker process."""

    worker_id: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    capacity: int = Field(description="Sessions it may run at once (OO_MAX_SESSIONS)")
    running: int
    open_sessions: int


class HostOut(BaseModel):
    """A worker host: its live workers, its load, the accounts pinned to it."""

    host: str
    live: bool = Field(description="At least one worker heard of recently")
    capacity: int
    running: int
    open_sessions: int
    workers: list[WorkerOut]
    accounts: list[str] = Field(description="Handles pinned to this host")


class EventOut(BaseModel):
    """Something that happened: `{id, type, timestamp, data}` (the webhook payload too)."""

    id: int = Field(description="Stable and increasing: the feed's cursor, the webhook-id")
    type: str
    timestamp: datetime
    data: dict[str, Any]


class EventPage(BaseModel):
    """Events after the cursor, oldest first; pass `next_cursor` as `after` next time."""

    items: list[EventOut]
    next_cursor: str


class InvitationOut(BaseModel):
    """An invitation the server sent, watched until it is accepted or gone."""

    public_identifier: str
    profile_url: str
    status: Literal["pending", "accepted", "withdrawn"]
    run_id: int = Field(description="The connect run that sent it")
    sent_at: datetime
    missing_since: datetime | None = Field(
        description="When the sent list stopped showing it (being confirmed)"
    )
    resolved_at: datetime | None


def _check_event_types(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    from openoutreach_server.store.sql.events import EVENT_TYPES

    for item in value:
        if item not in EVENT_TYPES:
            raise ValueError(f"unknown event type {item!r}; one of {', '.join(EVENT_TYPES)}")
    return sorted(set(value))


def _check_webhook_url(value: str | None) -> str | None:
    if value is not None and urlsplit(value).scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    return value


_EVENT_TYPES_DOC = "Only events of these types (omit or null: every type)"


class WebhookCreate(_Strict):
    """Register an endpoint for events (Standard Webhooks)."""

    url: str = Field(max_length=2000, description="Where events are POSTed (public address)")
    event_types: list[str] | None = Field(
        default=None, min_length=1, max_length=32, description=_EVENT_TYPES_DOC
    )
    description: str | None = Field(default=None, max_length=200)
    enabled: bool = True

    _url = field_validator("url")(classmethod(lambda cls, v: _check_webhook_url(v)))
    _types = field_validator("event_types")(classmethod(lambda cls, v: _check_event_types(v)))

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://crm.example.com/hooks/openoutreach",
                    "event_types": ["run.completed", "run.failed", "invitation.accepted"],
                }
            ]
        },
    )


class WebhookPatch(_Strict):
    """Change some fields; `enabled: true` re-enables a disabled endpoint."""

    url: str | None = Field(default=None, max_length=2000)
    event_types: list[str] | None = Field(
        default=None, min_length=1, max_length=32, description=_EVENT_TYPES_DOC
    )
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None

    _url = field_validator("url")(classmethod(lambda cls, v: _check_webhook_url(v)))
    _types = field_validator("event_types")(classmethod(lambda cls, v: _check_event_types(v)))

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enabled": True}]})


class WebhookOut(BaseModel):
    """An endpoint (its secret is shown only when created or rotated)."""

    id: int
    url: str
    event_types: list[str] | None
    description: str | None
    enabled: bool
    disabled_reason: str | None = Field(description="Why the server disabled it, if it did")
    failing_since: datetime | None = Field(description="Every delivery failed since then")
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    """A new endpoint with its signing secret, shown this once."""

    secret: str = Field(description="whsec_...: verify webhook-signature with it")


class WebhookPage(BaseModel):
    """Every endpoint, oldest first."""

    items: list[WebhookOut]


class WebhookSecret(BaseModel):
    """A signing secret (Standard Webhooks, `whsec_` + base64)."""

    secret: str


class DeliveryOut(BaseModel):
    """One event on its way to one endpoint, with its last attempt."""

    id: int
    event_id: int = Field(description="Also the webhook-id header of every attempt")
    event_type: str
    run_id: int | None = Field(description="The run the event is about, if any")
    webhook_id: int | None = Field(description="null: the run's callback_url")
    url: str
    status: Literal["pending", "delivered", "failed", "canceled"]
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None = Field(description="HTTP status of the last attempt")
    last_error: str | None
    last_latency_ms: float | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    """Deliveries, newest first; pass `next_cursor` as `before` for older ones."""

    items: list[DeliveryOut]
    next_cursor: str | None


class Redeliver(_Strict):
    """Send an event again (same webhook-id)."""

    webhook_id: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="Only to this endpoint (omit: every enabled endpoint that subscribes to"
        " the type, and the run's callback_url)",
    )


class Redelivered(BaseModel):
    """The deliveries queued by a redelivery."""

    event_id: int
    deliveries: list[DeliveryOut]
