"""The schema, as typed SQLAlchemy models: accounts, runs, schedules. One definition for every
backend (SQLite, PostgreSQL); migrations are generated from and checked against it.

Times are UNIX seconds (float) in UTC; JSON values are stored as JSON text; secrets are
Fernet tokens. The guarantees that must hold across processes and hosts are indexes here,
not code: one running run per account, one run per schedule fire, one run per
Idempotency-Key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# 64-bit ids on PostgreSQL; SQLite's INTEGER PRIMARY KEY is already 64-bit (and must be
# spelled INTEGER to be the rowid).
Id = BigInteger().with_variant(Integer, "sqlite")


def _where(condition: str) -> dict[str, Any]:
    """A partial index's condition, for both dialects."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Account(Base):
    """A LinkedIn identity and its encrypted session."""

    __tablename__ = "accounts"

    handle: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Immutable identity of this account: browser sessions are keyed by it, so a handle
    # deleted and created again never inherits the old LinkedIn session.
    uid: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str | None] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(320))
    password_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    li_at_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    storage_state_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    proxy_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A submitted checkpoint PIN, sealed until the run that answers the checkpoint takes it.
    pin_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    timezone: Mapped[str] = mapped_column(String(64), server_default=text("'UTC'"))
    working_hours: Mapped[str | None] = mapped_column(Text)
    quotas: Mapped[str | None] = mapped_column(Text)
    identity: Mapped[str | None] = mapped_column(Text)
    # The status machine is account_status.py; `paused_from` is what resume returns to.
    status: Mapped[str] = mapped_column(String(20), server_default=text("'needs_login'"))
    status_reason: Mapped[str | None] = mapped_column(Text)
    paused_from: Mapped[str | None] = mapped_column(String(20))
    paused_from_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    last_login_at: Mapped[float | None] = mapped_column(Float)
    # Path of a pending checkpoint (no query: it can carry tokens).
    checkpoint_path: Mapped[str | None] = mapped_column(String(500))
    # Bumped when the session is replaced from outside a run (new cookie, human login):
    # a warm browser context from an older epoch must not be reused.
    session_epoch: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Whether the saved browser state holds LinkedIn's session cookie (what has_session says).
    session_cookie: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Safety state (safety.py): when it last acted and its pacing draw, cool-downs per
    # touchpoint type ("*" = all) as JSON {scope: until}, failures in a row (breaker).
    last_action_at: Mapped[float | None] = mapped_column(Float)
    gap_draw: Mapped[float | None] = mapped_column(Float)
    cooldowns: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The worker host that drives this account (its proxy egress and fingerprint stay put);
    # NULL: any host that takes unpinned accounts. Changed only by an explicit API call.
    home_host: Mapped[str | None] = mapped_column(String(255))
    # Detection: when the account's sent invitations and inbox are next looked at.
    next_check_at: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("uq_accounts_uid", "uid", unique=True),
        Index("ix_accounts_home_host", "home_host"),
    )


class Run(Base):
    """One touchpoint for one account; its status moves only through the store's run port."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    touchpoint: Mapped[str] = mapped_column(Text)
    side_effecting: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    priority: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    not_before: Mapped[float] = mapped_column(Float)
    tags: Mapped[str] = mapped_column(Text, server_default=text("'[]'"))
    callback_url: Mapped[str | None] = mapped_column(Text)
    on_quota: Mapped[str] = mapped_column(String(8), server_default=text("'wait'"))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    retryable: Mapped[bool | None] = mapped_column(Boolean)
    attempt: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    max_attempts: Mapped[int] = mapped_column(Integer, server_default=text("3"))
    artifacts: Mapped[str] = mapped_column(Text, server_default=text("'[]'"))
    worker_id: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float)
    completed_at: Mapped[float | None] = mapped_column(Float)
    # Set on runs made by a schedule: which one, and the cron instant they stand for.
    schedule_id: Mapped[int | None] = mapped_column(Id)
    fire_time: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        # The guarantee "one running run per account" lives here, not in process memory.
        Index(
            "uq_runs_one_running_per_handle",
            "handle",
            unique=True,
            **_where("status = 'running'"),
        ),
        # Serves the claim: the head of one account's queue in priority order.
        Index("ix_runs_claim", "handle", "status", text("priority DESC"), "id"),
        # Login runs of accounts that are not active (their other runs must wait).
        Index(
            "ix_runs_pending_login",
            "handle",
            "id",
            **_where("status = 'pending' AND type = 'login'"),
        ),
        Index("ix_runs_status_due", "status", "not_before"),
        # Serves the caps: one account's starts of one touchpoint type in a window.
        Index("ix_runs_usage", "handle", "type", "started_at"),
        Index("ix_runs_status_lease", "status", "lease_expires_at"),
        Index(
            "uq_runs_idempotency_key",
            "idempotency_key",
            unique=True,
            **_where("idempotency_key IS NOT NULL"),
        ),
        # One run per schedule fire, whichever process fires it and however often.
        Index(
            "uq_runs_schedule_fire",
            "schedule_id",
            "fire_time",
            unique=True,
            **_where("schedule_id IS NOT NULL"),
        ),
    )


class Schedule(Base):
    """A touchpoint queued as a run at every fire of a cron expression (scheduling/)."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    touchpoint: Mapped[str] = mapped_column(Text)
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), server_default=text("'UTC'"))
    tags: Mapped[str] = mapped_column(Text, server_default=text("'[]'"))
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    priority: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    # The next fire not yet turned into a run; NULL while paused.
    next_fire_at: Mapped[float | None] = mapped_column(Float)
    last_fire_at: Mapped[float | None] = mapped_column(Float)
    fires: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    skipped_fires: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    __table_args__ = (
        # The poller's only queries: due schedules, and the earliest next fire.
        Index("ix_schedules_due", "active", "next_fire_at"),
        Index("ix_schedules_handle", "handle", "id"),
    )


class Worker(Base):
    """A running worker process (executor): where it runs and how busy it is.

    Written at start and with every lease heartbeat; a worker whose heartbeat is older
    than a few lease periods is gone. `GET /hosts` groups them by host.
    """

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[float] = mapped_column(Float)
    heartbeat_at: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer)
    running: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    open_sessions: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Resident memory of this worker's Chromium processes, summed (GET /metrics).
    memory_bytes: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    stopped_at: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_workers_host", "host", "heartbeat_at"),)


class Event(Base):
    """Something that happened, written in the same transaction as the change it reports
    (a transactional outbox): the pull feed and the webhooks read from here."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(64))
    handle: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(Id)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        Index("ix_events_type", "type", "id"),
        Index("ix_events_handle", "handle", "id"),
        Index("ix_events_run", "run_id"),
    )


class Webhook(Base):
    """An endpoint that receives events (Standard Webhooks), with its sealed secret."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text)
    # JSON list of event types; NULL: every type.
    event_types: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Since when every delivery failed (NULL after a success): days of it disable it.
    failing_since: Mapped[float | None] = mapped_column(Float)
    last_success_at: Mapped[float | None] = mapped_column(Float)


class Delivery(Base):
    """One event on its way to one endpoint (a webhook, or a run's callback_url)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(Id)
    webhook_id: Mapped[int | None] = mapped_column(Id)  # NULL: a run's callback_url
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[float] = mapped_column(Float)
    locked_until: Mapped[float | None] = mapped_column(Float)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_latency_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    delivered_at: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_webhook", "webhook_id", "id"),
        Index("ix_deliveries_event", "event_id"),
    )


class Invitation(Base):
    """An invitation the server sent (a completed connect), watched until it is accepted
    or gone (detection)."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(64))
    public_identifier: Mapped[str] = mapped_column(String(200))
    profile_url: Mapped[str] = mapped_column(Text)
    run_id: Mapped[int] = mapped_column(Id)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    sent_at: Mapped[float] = mapped_column(Float)
    # Set when the sent list stopped showing it; resolved by a connection_status check.
    missing_since: Mapped[float | None] = mapped_column(Float)
    resolved_at: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_invitations_handle", "handle", "status"),
        Index(
            "uq_invitations_pending",
            "handle",
            "public_identifier",
            unique=True,
            **_where("status = 'pending'"),
        ),
    )


class Conversation(Base):
    """A conversation the server wrote in (a completed message), watched for a reply."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(64))
    public_identifier: Mapped[str] = mapped_column(String(200))
    profile_url: Mapped[str] = mapped_column(Text)
    thread_id: Mapped[str | None] = mapped_column(String(200))
    thread_url: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int] = mapped_column(Id)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'awaiting'"))
    last_sent_at: Mapped[float] = mapped_column(Float)
    replied_at: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_conversations_handle", "handle", "status"),
        Index(
            "uq_conversations_awaiting",
            "handle",
            "public_identifier",
            unique=True,
            **_where("status = 'awaiting'"),
        ),
    )


class Meta(Base):
    """Small server-wide values: cursors, the sealed callback secret."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
