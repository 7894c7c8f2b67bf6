"""ORM models: accounts, runs and schedules. Times are UNIX seconds (float) in UTC."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Account(Base):
    """A LinkedIn identity and its encrypted session."""

    __tablename__ = "accounts"

    handle: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Immutable identity of this account: browser sessions are keyed by it, so a handle
    # deleted and created again never inherits the old LinkedIn session.
    uid: Mapped[str | None] = mapped_column(String(32))
    display_name: Mapped[str | None] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(320))
    password_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    li_at_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    storage_state_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    proxy_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    working_hours: Mapped[Any | None] = mapped_column(JSON)
    quotas: Mapped[Any | None] = mapped_column(JSON)
    identity: Mapped[Any | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="needs_login")
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    last_login_at: Mapped[float | None] = mapped_column(Float)
    # Path of a pending checkpoint (no query: it can carry tokens), and a submitted PIN
    # kept sealed until the run that answers the checkpoint consumes it.
    checkpoint_path: Mapped[str | None] = mapped_column(String(500))
    # Bumped when the session is replaced from outside a run (new cookie, human login):
    # a warm browser context from an older epoch must not be reused.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Safety state (see safety.py): earliest next action (pacing gap), cool-downs per
    # touchpoint type ("*" = all) as UNIX times, and failures in a row for the breaker.
    next_action_at: Mapped[float | None] = mapped_column(Float)
    cooldowns: Mapped[Any | None] = mapped_column(JSON)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    pin_enc: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (Index("uq_accounts_uid", "uid", unique=True),)


class Run(Base):
    """One touchpoint for one account, moved between states only by `queue.py`."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    touchpoint: Mapped[Any] = mapped_column(JSON)
    side_effecting: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[float] = mapped_column(Float)
    tags: Mapped[Any] = mapped_column(JSON, default=list)
    callback_url: Mapped[str | None] = mapped_column(Text)
    on_quota: Mapped[str] = mapped_column(String(8), default="wait")
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[Any | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    retryable: Mapped[bool | None] = mapped_column(Boolean)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    artifacts: Mapped[Any] = mapped_column(JSON, default=list)
    worker_id: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float)
    completed_at: Mapped[float | None] = mapped_column(Float)
    # Set on runs made by a schedule: which one, and the cron instant they stand for.
    schedule_id: Mapped[int | None] = mapped_column(Integer)
    fire_time: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        # The guarantee "one running run per account" lives here, not in process memory.
        Index(
            "uq_runs_one_running_per_handle",
            "handle",
            unique=True,
            sqlite_where=text("status = 'running'"),
        ),
        # Serves the claim: the head of one account's queue in priority order.
        Index("ix_runs_claim", "handle", "status", text("priority DESC"), "id"),
        # Login runs of accounts that are not active (their other runs must wait).
        Index(
            "ix_runs_pending_login",
            "handle",
            "id",
            sqlite_where=text("status = 'pending' AND type = 'login'"),
        ),
        Index("ix_runs_status_due", "status", "not_before"),
        # Serves the caps: one account's starts of one touchpoint type in a window.
        Index("ix_runs_usage", "handle", "type", "started_at"),
        Index("ix_runs_status_lease", "status", "lease_expires_at"),
        Index(
            "uq_runs_idempotency_key",
            "idempotency_key",
            unique=True,
            sqlite_where=text("idempotency_key IS NOT NULL"),
        ),
        # One run per schedule fire, whichever process fires it and however often.
        Index(
            "uq_runs_schedule_fire",
            "schedule_id",
            "fire_time",
            unique=True,
            sqlite_where=text("schedule_id IS NOT NULL"),
        ),
    )


class Schedule(Base):
    """A touchpoint queued as a run at every fire of a cron expression (scheduler.py)."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    touchpoint: Mapped[Any] = mapped_column(JSON)
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    tags: Mapped[Any] = mapped_column(JSON, default=list)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    # The next fire not yet turned into a run; NULL while paused.
    next_fire_at: Mapped[float | None] = mapped_column(Float)
    last_fire_at: Mapped[float | None] = mapped_column(Float)
    fires: Mapped[int] = mapped_column(Integer, default=0)
    skipped_fires: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # The poller's only queries: due schedules, and the earliest next fire.
        Index("ix_schedules_due", "active", "next_fire_at"),
        Index("ix_schedules_handle", "handle", "id"),
    )
