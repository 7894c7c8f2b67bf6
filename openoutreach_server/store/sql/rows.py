"""Turning database rows into records, and values into what the database stores."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from openoutreach_server.store.records import AccountRecord, RunRecord, ScheduleRecord


def dumps(value: Any) -> str:
    """JSON text as stored (compact, UTF-8 kept)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(value: str | None, default: Any = None) -> Any:
    """A stored JSON text, or `default` when NULL or empty."""
    return json.loads(value) if value else default


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def run_record(row: Mapping[str, Any]) -> RunRecord:
    """A `runs` row (SELECT *)."""
    return RunRecord(
        id=int(row["id"]),
        handle=row["handle"],
        type=row["type"],
        touchpoint=loads(row["touchpoint"], {}),
        side_effecting=bool(row["side_effecting"]),
        status=row["status"],
        dry_run=bool(row["dry_run"]),
        priority=row["priority"],
        not_before=row["not_before"],
        tags=loads(row["tags"], []),
        callback_url=row["callback_url"],
        on_quota=row["on_quota"],
        idempotency_key=row["idempotency_key"],
        request_hash=row["request_hash"],
        result=loads(row["result"]),
        error_code=row["error_code"],
        error=row["error"],
        retryable=_bool(row["retryable"]),
        attempt=row["attempt"],
        max_attempts=row["max_attempts"],
        artifacts=loads(row["artifacts"], []),
        worker_id=row["worker_id"],
        lease_expires_at=row["lease_expires_at"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        schedule_id=row["schedule_id"],
        fire_time=row["fire_time"],
    )


def account_record(row: Mapping[str, Any]) -> AccountRecord:
    """An `accounts` row (SELECT *)."""
    return AccountRecord(
        handle=row["handle"],
        uid=row["uid"],
        display_name=row["display_name"],
        username=row["username"],
        password_enc=_bytes(row["password_enc"]),
        li_at_enc=_bytes(row["li_at_enc"]),
        storage_state_enc=_bytes(row["storage_state_enc"]),
        proxy_enc=_bytes(row["proxy_enc"]),
        pin_enc=_bytes(row["pin_enc"]),
        timezone=row["timezone"] or "UTC",
        working_hours=loads(row["working_hours"]),
        quotas=loads(row["quotas"]),
        identity=loads(row["identity"]),
        status=row["status"],
        status_reason=row["status_reason"],
        paused_from=row["paused_from"],
        paused_from_reason=row["paused_from_reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_login_at=row["last_login_at"],
        checkpoint_path=row["checkpoint_path"],
        session_epoch=row["session_epoch"] or 0,
        session_cookie=bool(row["session_cookie"]),
        last_action_at=row["last_action_at"],
        gap_draw=row["gap_draw"],
        cooldowns=loads(row["cooldowns"], {}),
        consecutive_failures=row["consecutive_failures"] or 0,
        home_host=row["home_host"],
    )


def schedule_record(row: Mapping[str, Any]) -> ScheduleRecord:
    """A `schedules` row (SELECT *)."""
    return ScheduleRecord(
        id=int(row["id"]),
        handle=row["handle"],
        type=row["type"],
        touchpoint=loads(row["touchpoint"], {}),
        cron=row["cron"],
        timezone=row["timezone"],
        tags=loads(row["tags"], []),
        dry_run=bool(row["dry_run"]),
        priority=row["priority"],
        active=bool(row["active"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        next_fire_at=row["next_fire_at"],
        last_fire_at=row["last_fire_at"],
        fires=row["fires"],
        skipped_fires=row["skipped_fires"],
    )


# Account fields stored as JSON text.
ACCOUNT_JSON_FIELDS = frozenset({"working_hours", "quotas", "identity", "cooldowns"})


def account_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Field values of an account as stored (JSON fields as text)."""
    return {
        key: (dumps(value) if key in ACCOUNT_JSON_FIELDS and value is not None else value)
        for key, value in changes.items()
    }
