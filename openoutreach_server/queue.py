"""The only code that moves a run between states. Every guarantee is enforced in SQLite.

Plain SQL on purpose: these statements run once or twice per run, and building them
through SQLAlchemy cost more than executing them (see docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from linkedin.touchpoints.errors import ErrorCode
from openoutreach_server import safety
from openoutreach_server.db.engine import Database

# Internal run type that logs an account in; claimable whatever the account's status.
LOGIN_TYPE = "login"
LOGIN_PRIORITY = 1_000_000

# How an account-level failure changes the account (SPEC §4).
ACCOUNT_STATUS_ON_ERROR: dict[str, tuple[str, str]] = {
    ErrorCode.CHECKPOINT: ("checkpoint", "LinkedIn asks for verification"),
    ErrorCode.SESSION_EXPIRED: ("needs_login", "the session expired; log in again"),
    ErrorCode.AUTH_FAILED: ("needs_login", "LinkedIn rejected the credentials"),
    ErrorCode.ACCOUNT_RESTRICTED: ("restricted", "LinkedIn restricted the account"),
}
# RATE_LIMITED and WEEKLY_INVITE_LIMIT do not change the status: they start a cool-down
# of the touchpoints they concern (safety.COOLDOWN_SCOPE).


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


def request_hash(body: Any) -> str:
    """Stable hash of a request body, to tell an idempotent replay from a conflicting one."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_INSERT = """
INSERT INTO runs (handle, type, touchpoint, side_effecting, status, dry_run, priority,
                  not_before, tags, callback_url, on_quota, idempotency_key, request_hash,
                  attempt, max_attempts, artifacts, created_at)
VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '[]', ?)
RETURNING *
"""


def enqueue(
    db: Database,
    new: NewRun,
    now: float,
    *,
    idempotency_key: str | None = None,
    body_hash: str | None = None,
) -> tuple[sqlite3.Row, bool]:
    """Insert a pending run; with an idempotency key, return the earlier run instead.

    Returns (row, created). Raises IdempotencyConflict for a reused key with another body.
    """
    with db.raw_write() as conn:
        return enqueue_in(conn, new, now, idempotency_key=idempotency_key, body_hash=body_hash)


def enqueue_in(
    conn: sqlite3.Connection,
    new: NewRun,
    now: float,
    *,
    idempotency_key: str | None = None,
    body_hash: str | None = None,
) -> tuple[sqlite3.Row, bool]:
    """`enqueue` inside the caller's write transaction."""
    if idempotency_key is not None:
        existing = conn.execute(
            "SELECT * FROM runs WHERE idempotency_key = ?", (idempotency_key,)
        ).fetchone()
        if existing is not None:
            if existing["request_hash"] != body_hash:
                raise IdempotencyConflict(existing["id"])
            return existing, False
    values = _insert_values(new, now, idempotency_key, body_hash)
    return conn.execute(_INSERT, values).fetchone(), True


# A schedule's fire: a run that also carries its fire's identity. A fire already inserted
# (by this process or another) is left alone by the unique index uq_runs_schedule_fire.
_INSERT_FIRE = """
INSERT INTO runs (handle, type, touchpoint, side_effecting, status, dry_run, priority,
                  not_before, tags, callback_url, on_quota, idempotency_key, request_hash,
                  attempt, max_attempts, artifacts, created_at, schedule_id, fire_time)
VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '[]', ?, ?, ?)
ON CONFLICT (schedule_id, fire_time) WHERE schedule_id IS NOT NULL DO NOTHING
RETURNING id
"""


def _insert_values(
    new: NewRun, now: float, idempotency_key: str | None, body_hash: str | None
) -> tuple[Any, ...]:
    """The values of `_INSERT`, in its column order."""
    return (
        new.handle,
        new.type,
        _json(new.touchpoint),
        new.side_effecting,
        new.dry_run,
        new.priority,
        new.not_before if new.not_before is not None else now,
        _json(new.tags),
        new.callback_url,
        new.on_quota,
        idempotency_key,
        body_hash,
        new.max_attempts,
        now,
    )


def enqueue_fire(
    conn: sqlite3.Connection, new: NewRun, schedule_id: int, fire_time: float, now: float
) -> int | None:
    """Insert the run of one schedule fire inside the caller's write transaction.

    Returns the new run's id, or None when that fire already has its run: a fire becomes
    at most one run whatever the number of pollers or restarts.
    """
    values = (*_insert_values(new, now, None, None), schedule_id, fire_time)
    row = conn.execute(_INSERT_FIRE, values).fetchone()
    return None if row is None else int(row[0])


class AccountBusy(Exception):
    """Another run of the account is running."""


def enqueue_claimed(
    db: Database, new: NewRun, now: float, *, worker_id: str, lease_s: float
) -> Claimed:
    """Insert a run already owned by `worker_id` (for work done outside the executor).

    Raises AccountBusy while another run of the account is running: the partial unique
    index refuses a second one.
    """
    try:
        with db.raw_write() as conn:
            row, _ = enqueue_in(conn, new, now)
            claimed = conn.execute(_CLAIM, (worker_id, now + lease_s, now, row["id"])).fetchone()
    except sqlite3.IntegrityError as exc:
        raise AccountBusy(new.handle) from exc
    return Claimed(
        id=claimed["id"],
        handle=claimed["handle"],
        type=claimed["type"],
        touchpoint=json.loads(claimed["touchpoint"]),
        side_effecting=bool(claimed["side_effecting"]),
        dry_run=bool(claimed["dry_run"]),
        attempt=claimed["attempt"],
        max_attempts=claimed["max_attempts"],
    )


_ACTIVE_ACCOUNTS = """
SELECT a.handle, a.created_at, a.timezone, a.working_hours, a.quotas, a.cooldowns,
       a.next_action_at
  FROM accounts a
 WHERE a.status = 'active'
   AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.handle = a.handle AND x.status = 'running')
   AND EXISTS (SELECT 1 FROM runs r INDEXED BY ix_runs_claim
                WHERE r.handle = a.handle AND r.status = 'pending' AND r.not_before <= :now)
"""

# Login runs of accounts that are not active (they are exempt from the safety rules).
_LOGIN_HEADS = """
SELECT head, priority FROM (
  SELECT (SELECT r.id FROM runs r INDEXED BY ix_runs_pending_login
           WHERE r.handle = a.handle AND r.status = 'pending' AND r.type = 'login'
             AND r.not_before <= :now
           ORDER BY r.id LIMIT 1) AS head, :login_priority AS priority
    FROM accounts a
   WHERE a.status NOT IN ('active', 'disabled')
     AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.handle = a.handle AND x.status = 'running')
) WHERE head IS NOT NULL
"""

# The front of one account's queue, in claim order. Looking past the first run lets a
# capped touchpoint wait without holding back the account's other touchpoints.
_QUEUE_FRONT = """
SELECT id, type, on_quota, priority FROM runs INDEXED BY ix_runs_claim
 WHERE handle = ? AND status = 'pending' AND not_before <= ?
 ORDER BY priority DESC, id LIMIT ?
"""
_FRONT_DEPTH = 20

_CLAIM = """
UPDATE runs SET status = 'running', worker_id = ?, lease_expires_at = ?, started_at = ?,
                completed_at = NULL, attempt = attempt + 1
 WHERE id = ? AND status = 'pending'
RETURNING id, handle, type, touchpoint, side_effecting, dry_run, attempt, max_attempts
"""


def account_safety(row: sqlite3.Row) -> safety.AccountSafety:
    """An account row's safety state."""
    return safety.AccountSafety(
        created_at=row["created_at"],
        timezone=row["timezone"] or "UTC",
        working_hours=json.loads(row["working_hours"]) if row["working_hours"] else None,
        quotas=json.loads(row["quotas"]) if row["quotas"] else None,
        cooldowns=json.loads(row["cooldowns"]) if row["cooldowns"] else {},
        next_action_at=row["next_action_at"],
    )


def counted_starts(conn: sqlite3.Connection, handle: str, type_: str, now: float) -> list[float]:
    """Start times within the last week of the account's runs of one type that count
    against its caps (every started run but dry runs: a failed one may have acted)."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT started_at FROM runs INDEXED BY ix_runs_usage"
            " WHERE handle = ? AND type = ? AND started_at > ? AND dry_run = 0",
            (handle, type_, now - safety.WEEK),
        )
    ]


@dataclass
class ClaimRound:
    """What one claim found: the runs taken, and when a held run may become claimable."""

    claimed: list[Claimed] = field(default_factory=list)
    wake_at: float | None = None

    def hold(self, until: float | None) -> None:
        """Remember the earliest time a held run may go."""
        if until is not None and (self.wake_at is None or until < self.wake_at):
            self.wake_at = until


def _pick(
    conn: sqlite3.Connection,
    account: sqlite3.Row,
    now: float,
    rules: safety.SafetySettings,
    round_: ClaimRound,
) -> tuple[int, int] | None:
    """The first run of the account's queue that the safety rules let start now."""
    state = account_safety(account)
    hold = safety.account_hold(state, now)
    if hold is not None:
        round_.hold(hold.until)
        return None
    starts: dict[str, list[float]] = {}
    for run in conn.execute(_QUEUE_FRONT, (account["handle"], now, _FRONT_DEPTH)).fetchall():
        type_ = run["type"]
        if type_ not in starts:
            capped = safety.caps_for(state, type_, now, rules)
            starts[type_] = counted_starts(conn, account["handle"], type_, now) if capped else []
        held = safety.touchpoint_hold(state, type_, now, rules, starts[type_])
        if held is None:
            return run["id"], run["priority"]
        if run["on_quota"] == "fail" and held.reason.startswith("quota"):
            _fail_pending(conn, run["id"], ErrorCode.QUOTA_EXCEEDED, held.reason, now)
            continue
        round_.hold(held.until)
    return None


def _fail_pending(
    conn: sqlite3.Connection, run_id: int, code: str, message: str, now: float
) -> None:
    conn.execute(
        "UPDATE runs SET status = 'failed', error_code = ?, error = ?, retryable = 0,"
        " completed_at = ? WHERE id = ? AND status = 'pending'",
        (code, message, now, run_id),
    )


def _claim(
    conn: sqlite3.Connection,
    now: float,
    limit: int,
    worker_id: str,
    lease_s: float,
    rules: safety.SafetySettings,
) -> ClaimRound:
    round_ = ClaimRound()
    if limit <= 0:
        return round_
    candidates: list[tuple[int, int]] = [
        (row["head"], row["priority"])
        for row in conn.execute(_LOGIN_HEADS, {"now": now, "login_priority": LOGIN_PRIORITY})
    ]
    for account in conn.execute(_ACTIVE_ACCOUNTS, {"now": now}).fetchall():
        picked = _pick(conn, account, now, rules, round_)
        if picked is not None:
            candidates.append(picked)
    candidates.sort(key=lambda c: (-c[1], c[0]))
    for run_id, _ in candidates[:limit]:
        try:
            row = conn.execute(_CLAIM, (worker_id, now + lease_s, now, run_id)).fetchone()
        except sqlite3.IntegrityError:
            continue  # the account got busy: the partial unique index said no
        if row is not None:
            round_.claimed.append(
                Claimed(
                    id=row["id"],
                    handle=row["handle"],
                    type=row["type"],
                    touchpoint=json.loads(row["touchpoint"]),
                    side_effecting=bool(row["side_effecting"]),
                    dry_run=bool(row["dry_run"]),
                    attempt=row["attempt"],
                    max_attempts=row["max_attempts"],
                )
            )
    return round_


def claim(
    db: Database,
    *,
    now: float,
    limit: int,
    worker_id: str,
    lease_s: float,
    rules: safety.SafetySettings | None = None,
) -> list[Claimed]:
    """Atomically take up to `limit` runs, at most one per account, highest-oldest first,
    among those the safety rules let start now."""
    if limit <= 0:
        return []
    with db.raw_write() as conn:
        return _claim(
            conn, now, limit, worker_id, lease_s, rules or safety.SafetySettings()
        ).claimed


def _set_account_status(
    conn: sqlite3.Connection, handle: str, status: str, reason: str | None, now: float
) -> None:
    conn.execute(
        "UPDATE accounts SET status = ?, status_reason = ?, updated_at = ?"
        " WHERE handle = ? AND status != 'disabled'",
        (status, reason, now, handle),
    )


def _account_effects(
    conn: sqlite3.Connection,
    handle: str,
    outcome: Outcome,
    now: float,
    rules: safety.SafetySettings,
    gap_s: float,
) -> None:
    """Pacing gap, cool-downs and the circuit breaker, after a touchpoint ran."""
    row = conn.execute(
        "SELECT cooldowns, consecutive_failures FROM accounts WHERE handle = ?", (handle,)
    ).fetchone()
    if row is None:
        return
    failures = row["consecutive_failures"] or 0
    cooldowns = json.loads(row["cooldowns"]) if row["cooldowns"] else {}
    cooldowns = {k: v for k, v in cooldowns.items() if v > now}  # forget expired ones
    if outcome.code is None:
        failures = 0
    elif outcome.code in safety.BREAKER_CODES:
        failures += 1
    scope = safety.COOLDOWN_SCOPE.get(outcome.code or "")
    if scope is not None:
        cooldowns[scope] = max(
            cooldowns.get(scope, 0.0), now + rules.cooldown_s(outcome.code or "")
        )
    conn.execute(
        "UPDATE accounts SET consecutive_failures = ?, cooldowns = ?, next_action_at = ?"
        " WHERE handle = ?",
        (failures, _json(cooldowns) if cooldowns else None, now + gap_s if gap_s else None, handle),
    )
    if failures >= rules.breaker_failures:
        reason = (
            f"circuit breaker: {failures} failures in a row (last {outcome.code},"
            f" run {outcome.run_id}); POST /accounts/{handle}/resume after checking"
        )
        _set_account_status(conn, handle, "paused", reason, now)


def _finish(
    conn: sqlite3.Connection,
    outcome: Outcome,
    worker_id: str,
    now: float,
    retry_base_s: float,
    rules: safety.SafetySettings,
    gap_s: float,
) -> str | None:
    current = conn.execute(
        "SELECT handle, type, attempt, max_attempts FROM runs"
        " WHERE id = ? AND status = 'running' AND worker_id = ?",
        (outcome.run_id, worker_id),
    ).fetchone()
    if current is None:
        return None  # the lease lapsed and another worker recovered the run
    if current["type"] != LOGIN_TYPE:
        _account_effects(conn, current["handle"], outcome, now, rules, gap_s)
    if outcome.code is None:
        conn.execute(
            "UPDATE runs SET status = 'completed', result = ?, error_code = NULL, error = NULL,"
            " retryable = NULL, lease_expires_at = NULL, completed_at = ? WHERE id = ?",
            (_json(outcome.result or {}), now, outcome.run_id),
        )
        if current["type"] == LOGIN_TYPE:
            _set_account_status(conn, current["handle"], "active", None, now)
            conn.execute(
                "UPDATE accounts SET last_login_at = ? WHERE handle = ?", (now, current["handle"])
            )
        return "completed"
    retry = outcome.retryable and current["attempt"] < current["max_attempts"]
    common = (outcome.code, outcome.message, outcome.retryable, _json(outcome.artifacts))
    if retry:
        backoff = retry_base_s * (2 ** (current["attempt"] - 1))
        conn.execute(
            "UPDATE runs SET status = 'pending', error_code = ?, error = ?, retryable = ?,"
            " artifacts = ?, lease_expires_at = NULL, worker_id = NULL, not_before = ?"
            " WHERE id = ?",
            (*common, now + backoff, outcome.run_id),
        )
    else:
        conn.execute(
            "UPDATE runs SET status = 'failed', error_code = ?, error = ?, retryable = ?,"
            " artifacts = ?, lease_expires_at = NULL, completed_at = ? WHERE id = ?",
            (*common, now, outcome.run_id),
        )
    effect = ACCOUNT_STATUS_ON_ERROR.get(outcome.code)
    if effect is not None:
        reason = f"{effect[1]} (run {outcome.run_id})"
        _set_account_status(conn, current["handle"], effect[0], reason, now)
    if outcome.code == ErrorCode.CHECKPOINT and outcome.details.get("path"):
        # Where the challenge is, so a verification code can be submitted from a new context.
        conn.execute(
            "UPDATE accounts SET checkpoint_path = ? WHERE handle = ?",
            (outcome.details["path"], current["handle"]),
        )
    return "pending" if retry else "failed"


def finish_and_claim(
    db: Database,
    outcomes: Sequence[Outcome],
    *,
    now: float,
    limit: int,
    worker_id: str,
    lease_s: float,
    retry_base_s: float,
    rules: safety.SafetySettings | None = None,
    rng: random.Random | None = None,
) -> tuple[list[str | None], ClaimRound]:
    """Record how runs ended and claim the next ones, in one transaction.

    Returns each outcome's new run status (None if the lease was lost) and the claim
    round. A retryable failure is re-queued with exponential backoff while attempts
    remain; account-level codes change the account's status, LinkedIn limits start
    cool-downs, technical failures feed the circuit breaker, and every finished touchpoint
    sets the account's pacing gap, all in the same transaction.
    """
    rules = rules or safety.SafetySettings()
    rng = rng or random.Random()
    with db.raw_write() as conn:
        statuses = [
            _finish(conn, o, worker_id, now, retry_base_s, rules, safety.next_gap(rules, rng))
            for o in outcomes
        ]
        return statuses, _claim(conn, now, limit, worker_id, lease_s, rules)


def complete(db: Database, run_id: int, worker_id: str, result: dict[str, Any], now: float) -> bool:
    """Mark an owned run completed; a successful login makes its account active."""
    statuses, _ = finish_and_claim(
        db,
        [Outcome(run_id, result=result)],
        now=now,
        limit=0,
        worker_id=worker_id,
        lease_s=0,
        retry_base_s=0,
    )
    return statuses[0] == "completed"


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
    """Record a failure (see finish_and_claim); returns the run's new status."""
    outcome = Outcome(run_id, None, code, message, retryable, artifacts or [])
    statuses, _ = finish_and_claim(
        db, [outcome], now=now, limit=0, worker_id=worker_id, lease_s=0, retry_base_s=retry_base_s
    )
    return statuses[0]


def heartbeat(db: Database, run_ids: Iterable[int], worker_id: str, lease_until: float) -> int:
    """Extend the leases of runs this worker still owns; returns how many it still owns."""
    ids = list(run_ids)
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    with db.raw_write() as conn:
        cursor = conn.execute(
            f"UPDATE runs SET lease_expires_at = ? WHERE id IN ({marks})"
            " AND status = 'running' AND worker_id = ?",
            (lease_until, *ids, worker_id),
        )
        return cursor.rowcount


def _release(conn: sqlite3.Connection, row: sqlite3.Row, now: float, reason: str) -> str:
    if row["side_effecting"]:
        conn.execute(
            "UPDATE runs SET status = 'interrupted', error_code = ?, error = ?, retryable = 0,"
            " lease_expires_at = NULL, completed_at = ? WHERE id = ?",
            (
                ErrorCode.INTERRUPTED.value,
                f"{reason}; the action may or may not have happened, so it is not re-run",
                now,
                row["id"],
            ),
        )
        return "interrupted"
    if row["attempt"] >= row["max_attempts"]:
        conn.execute(
            "UPDATE runs SET status = 'failed', error_code = ?, error = ?, retryable = 0,"
            " lease_expires_at = NULL, completed_at = ? WHERE id = ?",
            (
                ErrorCode.INTERRUPTED.value,
                f"{reason} on every one of {row['attempt']} attempts",
                now,
                row["id"],
            ),
        )
        return "failed"
    conn.execute(
        "UPDATE runs SET status = 'pending', worker_id = NULL, lease_expires_at = NULL,"
        " not_before = ?, error = ? WHERE id = ?",
        (now, f"{reason}; re-queued (read-only)", row["id"]),
    )
    return "pending"


_RELEASE_COLUMNS = "id, side_effecting, attempt, max_attempts"


def release(db: Database, run_id: int, worker_id: str, now: float, reason: str) -> str | None:
    """Give a run back when this worker stops mid-action.

    A side-effecting run becomes `interrupted` (never silently re-executed); a read-only
    one is re-queued.
    """
    with db.raw_write() as conn:
        row = conn.execute(
            f"SELECT {_RELEASE_COLUMNS} FROM runs"
            " WHERE id = ? AND status = 'running' AND worker_id = ?",
            (run_id, worker_id),
        ).fetchone()
        return None if row is None else _release(conn, row, now, reason)


def reap_expired(db: Database, now: float) -> list[tuple[int, str]]:
    """Recover runs whose worker died (lapsed leases). Returns (run_id, new status)."""
    with db.raw_write() as conn:
        rows = conn.execute(
            f"SELECT {_RELEASE_COLUMNS} FROM runs"
            " WHERE status = 'running' AND lease_expires_at < ?",
            (now,),
        ).fetchall()
        reason = "the worker running it stopped (lease expired)"
        return [(row["id"], _release(conn, row, now, reason)) for row in rows]


def cancel(db: Database, run_id: int, now: float) -> sqlite3.Row | None:
    """Cancel a pending run. Returns None if unknown; raises NotCancelable if it started."""
    with db.raw_write() as conn:
        row = conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        if row["status"] not in ("pending", "canceled"):
            raise NotCancelable(
                f"run {run_id} is {row['status']}; only pending runs can be canceled"
            )
        if row["status"] == "pending":
            conn.execute(
                "UPDATE runs SET status = 'canceled', error_code = ?, error = ?, retryable = 0,"
                " completed_at = ? WHERE id = ?",
                (ErrorCode.CANCELED.value, "canceled by the client", now, run_id),
            )
        result: sqlite3.Row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return result


def cancel_pending_for_account(
    conn: sqlite3.Connection, handle: str, now: float, reason: str
) -> int:
    """Cancel every pending run of an account (inside the caller's transaction)."""
    cursor = conn.execute(
        "UPDATE runs SET status = 'canceled', error_code = ?, error = ?, retryable = 0,"
        " completed_at = ? WHERE handle = ? AND status = 'pending'",
        (ErrorCode.CANCELED.value, reason, now, handle),
    )
    return cursor.rowcount


def next_due(db: Database, now: float) -> float | None:
    """The earliest future moment the executor has something to do: a not_before or a lease."""
    with db.raw_read() as conn:
        due = conn.execute(
            "SELECT min(not_before) FROM runs WHERE status = 'pending' AND not_before > ?", (now,)
        ).fetchone()[0]
        lease = conn.execute(
            "SELECT min(lease_expires_at) FROM runs WHERE status = 'running'"
        ).fetchone()[0]
    times = [t for t in (due, lease) if t is not None]
    return min(times) if times else None
