"""The only code that moves a run between states. Every guarantee is enforced in SQLite."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linkedin.touchpoints.errors import ErrorCode
from openoutreach_server.db.engine import Database
from openoutreach_server.db.models import Account, Run

# Internal run type that logs an account in; claimable whatever the account's status.
LOGIN_TYPE = "login"
LOGIN_PRIORITY = 1_000_000
TERMINAL = frozenset({"completed", "failed", "canceled", "interrupted"})

# How an account-level failure changes the account (SPEC §4).
ACCOUNT_STATUS_ON_ERROR: dict[str, tuple[str, str]] = {
    ErrorCode.CHECKPOINT: ("checkpoint", "LinkedIn asks for verification"),
    ErrorCode.SESSION_EXPIRED: ("needs_login", "the session expired; log in again"),
    ErrorCode.AUTH_FAILED: ("needs_login", "LinkedIn rejected the credentials"),
    ErrorCode.ACCOUNT_RESTRICTED: ("restricted", "LinkedIn restricted the account"),
    ErrorCode.RATE_LIMITED: ("paused", "LinkedIn said too many requests"),
    ErrorCode.WEEKLY_INVITE_LIMIT: ("paused", "weekly invitation limit reached"),
}

_runs: Table = Run.__table__  # type: ignore[assignment]
_accounts: Table = Account.__table__  # type: ignore[assignment]


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request body."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"Idempotency-Key already used for run {run_id} with another body")
        self.run_id = run_id


class NotCancelable(Exception):
    """Only pending runs can be canceled."""


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


def request_hash(body: Any) -> str:
    """Stable hash of a request body, to tell an idempotent replay from a conflicting one."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def enqueue(
    db: Database,
    new: NewRun,
    now: float,
    *,
    idempotency_key: str | None = None,
    body_hash: str | None = None,
) -> tuple[Run, bool]:
    """Insert a pending run; with an idempotency key, return the earlier run instead.

    Returns (run, created). Raises IdempotencyConflict for a reused key with another body.
    """
    with db.write() as s:
        if idempotency_key is not None:
            existing = s.scalars(select(Run).where(Run.idempotency_key == idempotency_key)).first()
            if existing is not None:
                if existing.request_hash != body_hash:
                    raise IdempotencyConflict(existing.id)
                return existing, False
        run = Run(
            handle=new.handle,
            type=new.type,
            touchpoint=new.touchpoint,
            side_effecting=new.side_effecting,
            status="pending",
            dry_run=new.dry_run,
            priority=new.priority,
            not_before=new.not_before if new.not_before is not None else now,
            tags=new.tags,
            callback_url=new.callback_url,
            on_quota=new.on_quota,
            idempotency_key=idempotency_key,
            request_hash=body_hash,
            attempt=0,
            max_attempts=new.max_attempts,
            artifacts=[],
            created_at=now,
        )
        s.add(run)
        s.flush()
        return run, True


_CANDIDATES = text(
    """
    SELECT handle, head FROM (
      SELECT a.handle AS handle,
             (SELECT r.id FROM runs r
               WHERE r.handle = a.handle AND r.status = 'pending' AND r.not_before <= :now
               ORDER BY r.priority DESC, r.id LIMIT 1) AS head
        FROM accounts a
       WHERE a.status = 'active'
         AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.handle = a.handle AND x.status = 'running')
      UNION ALL
      SELECT a.handle AS handle,
             (SELECT r.id FROM runs r
               WHERE r.handle = a.handle AND r.status = 'pending' AND r.type = 'login'
                 AND r.not_before <= :now
               ORDER BY r.id LIMIT 1) AS head
        FROM accounts a
       WHERE a.status NOT IN ('active', 'disabled')
         AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.handle = a.handle AND x.status = 'running')
    ) WHERE head IS NOT NULL
    """
)


def claim(db: Database, *, now: float, limit: int, worker_id: str, lease_s: float) -> list[Claimed]:
    """Atomically take up to `limit` runs, at most one per account, oldest-highest first."""
    if limit <= 0:
        return []
    claimed: list[Claimed] = []
    with db.write() as s:
        heads = s.execute(_CANDIDATES, {"now": now}).all()
        if not heads:
            return []
        ids = [row.head for row in heads]
        ordered = s.execute(
            select(_runs.c.id)
            .where(_runs.c.id.in_(ids))
            .order_by(_runs.c.priority.desc(), _runs.c.id)
            .limit(limit)
        ).scalars()
        for run_id in list(ordered):
            try:
                with s.begin_nested():
                    row = s.execute(
                        update(_runs)
                        .where(_runs.c.id == run_id, _runs.c.status == "pending")
                        .values(
                            status="running",
                            worker_id=worker_id,
                            lease_expires_at=now + lease_s,
                            started_at=now,
                            completed_at=None,
                            attempt=_runs.c.attempt + 1,
                        )
                        .returning(
                            _runs.c.id,
                            _runs.c.handle,
                            _runs.c.type,
                            _runs.c.touchpoint,
                            _runs.c.side_effecting,
                            _runs.c.dry_run,
                            _runs.c.attempt,
                            _runs.c.max_attempts,
                        )
                    ).first()
            except IntegrityError:
                continue  # the account got busy: the partial unique index said no
            if row is not None:
                claimed.append(
                    Claimed(
                        id=row.id,
                        handle=row.handle,
                        type=row.type,
                        touchpoint=row.touchpoint,
                        side_effecting=bool(row.side_effecting),
                        dry_run=bool(row.dry_run),
                        attempt=row.attempt,
                        max_attempts=row.max_attempts,
                    )
                )
    return claimed


def heartbeat(db: Database, run_ids: list[int], worker_id: str, lease_until: float) -> int:
    """Extend the leases of runs this worker still owns; returns how many it still owns."""
    if not run_ids:
        return 0
    with db.write() as s:
        result = s.execute(
            update(_runs)
            .where(
                _runs.c.id.in_(run_ids),
                _runs.c.status == "running",
                _runs.c.worker_id == worker_id,
            )
            .values(lease_expires_at=lease_until)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _set_account_status(
    s: Session, handle: str, status: str, reason: str | None, now: float
) -> None:
    s.execute(
        update(_accounts)
        .where(_accounts.c.handle == handle, _accounts.c.status != "disabled")
        .values(status=status, status_reason=reason, updated_at=now)
    )


def complete(
    db: Database,
    run_id: int,
    worker_id: str,
    result: dict[str, Any],
    now: float,
) -> bool:
    """Mark an owned run completed; a successful login makes its account active."""
    with db.write() as s:
        row = s.execute(
            update(_runs)
            .where(
                _runs.c.id == run_id, _runs.c.status == "running", _runs.c.worker_id == worker_id
            )
            .values(
                status="completed",
                result=result,
                error_code=None,
                error=None,
                retryable=None,
                lease_expires_at=None,
                completed_at=now,
            )
            .returning(_runs.c.handle, _runs.c.type)
        ).first()
        if row is None:
            return False
        if row.type == LOGIN_TYPE:
            _set_account_status(s, row.handle, "active", None, now)
            s.execute(
                update(_accounts).where(_accounts.c.handle == row.handle).values(last_login_at=now)
            )
        return True


def fail(
    db: Database,
    run_id: int,
    worker_id: str,
    *,
    code: str,
    message: str,
    retryable: bool,
    now: float,
    retry_base_s: float,
    artifacts: list[str] | None = None,
) -> str | None:
    """Record a failure: re-queue with backoff if retryable and attempts remain, else fail.

    Account-level codes change the account's status in the same transaction.
    Returns the run's new status, or None if this worker no longer owned it.
    """
    with db.write() as s:
        current = s.execute(
            select(_runs.c.handle, _runs.c.attempt, _runs.c.max_attempts).where(
                _runs.c.id == run_id, _runs.c.status == "running", _runs.c.worker_id == worker_id
            )
        ).first()
        if current is None:
            return None
        retry = retryable and current.attempt < current.max_attempts
        values: dict[str, Any] = {
            "error_code": code,
            "error": message,
            "retryable": retryable,
            "lease_expires_at": None,
            "artifacts": artifacts or [],
        }
        if retry:
            backoff = retry_base_s * (2 ** (current.attempt - 1))
            values.update(status="pending", worker_id=None, not_before=now + backoff)
        else:
            values.update(status="failed", completed_at=now)
        s.execute(update(_runs).where(_runs.c.id == run_id).values(**values))
        effect = ACCOUNT_STATUS_ON_ERROR.get(code)
        if effect is not None:
            _set_account_status(s, current.handle, effect[0], f"{effect[1]} (run {run_id})", now)
        return str(values["status"])


def release(db: Database, run_id: int, worker_id: str, now: float, reason: str) -> str | None:
    """Give a run back when this worker stops mid-action.

    A side-effecting run becomes `interrupted` (never silently re-executed); a read-only
    one is re-queued.
    """
    with db.write() as s:
        row = s.execute(
            select(_runs.c.side_effecting).where(
                _runs.c.id == run_id, _runs.c.status == "running", _runs.c.worker_id == worker_id
            )
        ).first()
        if row is None:
            return None
        status = _release_values(bool(row.side_effecting), now, reason)
        s.execute(update(_runs).where(_runs.c.id == run_id).values(**status))
        return str(status["status"])


def _release_values(side_effecting: bool, now: float, reason: str) -> dict[str, Any]:
    if side_effecting:
        return {
            "status": "interrupted",
            "error_code": ErrorCode.INTERRUPTED.value,
            "error": f"{reason}; the action may or may not have happened, so it is not re-run",
            "retryable": False,
            "lease_expires_at": None,
            "completed_at": now,
        }
    return {
        "status": "pending",
        "worker_id": None,
        "lease_expires_at": None,
        "not_before": now,
        "error": f"{reason}; re-queued (read-only)",
    }


def reap_expired(db: Database, now: float) -> list[tuple[int, str]]:
    """Recover runs whose worker died: leases that lapsed. Returns (run_id, new status)."""
    with db.write() as s:
        rows = s.execute(
            select(_runs.c.id, _runs.c.side_effecting, _runs.c.attempt, _runs.c.max_attempts).where(
                _runs.c.status == "running", _runs.c.lease_expires_at < now
            )
        ).all()
        out: list[tuple[int, str]] = []
        for row in rows:
            reason = "the worker running it stopped (lease expired)"
            values = _release_values(bool(row.side_effecting), now, reason)
            if not row.side_effecting and row.attempt >= row.max_attempts:
                values = {
                    "status": "failed",
                    "error_code": ErrorCode.INTERRUPTED.value,
                    "error": f"{reason} on every one of {row.attempt} attempts",
                    "retryable": False,
                    "lease_expires_at": None,
                    "completed_at": now,
                }
            s.execute(update(_runs).where(_runs.c.id == row.id).values(**values))
            out.append((row.id, str(values["status"])))
        return out


def cancel(db: Database, run_id: int, now: float) -> Run | None:
    """Cancel a pending run. Returns None if unknown; raises NotCancelable if it already started."""
    with db.write() as s:
        run = s.get(Run, run_id)
        if run is None:
            return None
        if run.status == "canceled":
            return run
        if run.status != "pending":
            raise NotCancelable(f"run {run_id} is {run.status}; only pending runs can be canceled")
        run.status = "canceled"
        run.error_code = ErrorCode.CANCELED.value
        run.error = "canceled by the client"
        run.retryable = False
        run.completed_at = now
        return run


def cancel_pending_for_account(s: Session, handle: str, now: float, reason: str) -> int:
    """Cancel every pending run of an account (inside the caller's transaction)."""
    result = s.execute(
        update(_runs)
        .where(_runs.c.handle == handle, _runs.c.status == "pending")
        .values(
            status="canceled",
            error_code=ErrorCode.CANCELED.value,
            error=reason,
            retryable=False,
            completed_at=now,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def next_due(db: Database, now: float) -> float | None:
    """The earliest future moment the executor has something to do: a not_before or a lease."""
    with db.read() as s:
        due = s.execute(
            select(func.min(_runs.c.not_before)).where(
                _runs.c.status == "pending", _runs.c.not_before > now
            )
        ).scalar()
        lease = s.execute(
            select(func.min(_runs.c.lease_expires_at)).where(_runs.c.status == "running")
        ).scalar()
    times = [t for t in (due, lease) if t is not None]
    return min(times) if times else None
