"""Baseline: accounts, runs, schedules, workers.

The schema of release 0.2. A database made by release 0.1 (tables created on start,
without Alembic) is brought to this revision by store.migrate and stamped.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "accounts",
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("username", sa.String(length=320), nullable=True),
        sa.Column("password_enc", sa.LargeBinary(), nullable=True),
        sa.Column("li_at_enc", sa.LargeBinary(), nullable=True),
        sa.Column("storage_state_enc", sa.LargeBinary(), nullable=True),
        sa.Column("proxy_enc", sa.LargeBinary(), nullable=True),
        sa.Column("pin_enc", sa.LargeBinary(), nullable=True),
        sa.Column(
            "timezone", sa.String(length=64), server_default=sa.text("'UTC'"), nullable=False
        ),
        sa.Column("working_hours", sa.Text(), nullable=True),
        sa.Column("quotas", sa.Text(), nullable=True),
        sa.Column("identity", sa.Text(), nullable=True),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'needs_login'"), nullable=False
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("paused_from", sa.String(length=20), nullable=True),
        sa.Column("paused_from_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("last_login_at", sa.Float(), nullable=True),
        sa.Column("checkpoint_path", sa.String(length=500), nullable=True),
        sa.Column("session_epoch", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "session_cookie", sa.Boolean(), server_default=sa.text("(false)"), nullable=False
        ),
        sa.Column("last_action_at", sa.Float(), nullable=True),
        sa.Column("gap_draw", sa.Float(), nullable=True),
        sa.Column("cooldowns", sa.Text(), nullable=True),
        sa.Column(
            "consecutive_failures", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("home_host", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("handle"),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_home_host", ["home_host"], unique=False)
        batch_op.create_index("uq_accounts_uid", ["uid"], unique=True)

    op.create_table(
        "runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("touchpoint", sa.Text(), nullable=False),
        sa.Column("side_effecting", sa.Boolean(), nullable=False),
        sa.Column(
            "status", sa.String(length=16), server_default=sa.text("'pending'"), nullable=False
        ),
        sa.Column("dry_run", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("priority", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("not_before", sa.Float(), nullable=False),
        sa.Column("tags", sa.Text(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("callback_url", sa.Text(), nullable=True),
        sa.Column(
            "on_quota", sa.String(length=8), server_default=sa.text("'wait'"), nullable=False
        ),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("retryable", sa.Boolean(), nullable=True),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("max_attempts", sa.Integer(), server_default=sa.text("3"), nullable=False),
        sa.Column("artifacts", sa.Text(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("worker_id", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=True),
        sa.Column("completed_at", sa.Float(), nullable=True),
        sa.Column(
            "schedule_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("fire_time", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        # Serves the claim: the head of one account's queue in priority order.
        batch_op.create_index(
            "ix_runs_claim", ["handle", "status", sa.text("priority DESC"), "id"], unique=False
        )
        batch_op.create_index(
            "ix_runs_pending_login",
            ["handle", "id"],
            unique=False,
            sqlite_where=sa.text("status = 'pending' AND type = 'login'"),
            postgresql_where=sa.text("status = 'pending' AND type = 'login'"),
        )
        batch_op.create_index("ix_runs_status_due", ["status", "not_before"], unique=False)
        batch_op.create_index("ix_runs_status_lease", ["status", "lease_expires_at"], unique=False)
        batch_op.create_index("ix_runs_usage", ["handle", "type", "started_at"], unique=False)
        batch_op.create_index(
            "uq_runs_idempotency_key",
            ["idempotency_key"],
            unique=True,
            sqlite_where=sa.text("idempotency_key IS NOT NULL"),
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_runs_one_running_per_handle",
            ["handle"],
            unique=True,
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )
        batch_op.create_index(
            "uq_runs_schedule_fire",
            ["schedule_id", "fire_time"],
            unique=True,
            sqlite_where=sa.text("schedule_id IS NOT NULL"),
            postgresql_where=sa.text("schedule_id IS NOT NULL"),
        )

    op.create_table(
        "schedules",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("touchpoint", sa.Text(), nullable=False),
        sa.Column("cron", sa.String(length=200), nullable=False),
        sa.Column(
            "timezone", sa.String(length=64), server_default=sa.text("'UTC'"), nullable=False
        ),
        sa.Column("tags", sa.Text(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("dry_run", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("priority", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("(true)"), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("next_fire_at", sa.Float(), nullable=True),
        sa.Column("last_fire_at", sa.Float(), nullable=True),
        sa.Column("fires", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("skipped_fires", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index("ix_schedules_due", ["active", "next_fire_at"], unique=False)
        batch_op.create_index("ix_schedules_handle", ["handle", "id"], unique=False)

    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("heartbeat_at", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("running", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("open_sessions", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("stopped_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.create_index("ix_workers_host", ["host", "heartbeat_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_index("ix_workers_host")

    op.drop_table("workers")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_schedules_handle")
        batch_op.drop_index("ix_schedules_due")

    op.drop_table("schedules")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_runs_schedule_fire",
            sqlite_where=sa.text("schedule_id IS NOT NULL"),
            postgresql_where=sa.text("schedule_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_runs_one_running_per_handle",
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )
        batch_op.drop_index(
            "uq_runs_idempotency_key",
            sqlite_where=sa.text("idempotency_key IS NOT NULL"),
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
        )
        batch_op.drop_index("ix_runs_usage")
        batch_op.drop_index("ix_runs_status_lease")
        batch_op.drop_index("ix_runs_status_due")
        batch_op.drop_index("ix_runs_claim")
        batch_op.drop_index(
            "ix_runs_pending_login",
            sqlite_where=sa.text("status = 'pending' AND type = 'login'"),
            postgresql_where=sa.text("status = 'pending' AND type = 'login'"),
        )

    op.drop_table("runs")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("uq_accounts_uid")
        batch_op.drop_index("ix_accounts_home_host")

    op.drop_table("accounts")
