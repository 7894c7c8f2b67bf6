"""The run port: the only code that moves a run between states. Every guarantee is enforced
in the database (see store/schema.py for the indexes that carry them).

Each public method is one transaction. Plain SQL with `?` placeholders, run unchanged on
SQLite and translated for PostgreSQL by its connector; the few differences are fragments
of the connector (`for_update`, `tag_match`).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from linkedin.touchpoints.errors import ErrorCode
from openoutreach_server import account_status, safety
from openoutreach_server.dispatch.decide import (
    FRONT_DEPTH,
    AccountState,
    Pending,
    Plan,
    Queued,
    plan_account,
    waiting_reason,
)
from openoutreach_server.store.records import (
    LOGIN_TYPE,
    AccountBusy,
    Claimed,
    ClaimRound,
    IdempotencyConflict,
    NewRun,
    NotCancelable,
    Outcome,
    RunFilter,
    RunRecord,
    UnknownAccount,
)
from openoutreach_server.store.sql.connector import Conn, Connector
from openoutreach_server.store.sql.events import (
    RUN_EVENT_COLUMNS,
    add_event,
    run_event,
    status_event,
)
from openoutreach_server.store.sql.inserts import (
    INSERT,
    INSERT_IF_ACCOUNT,
    insert_values,
)
from openoutreach_server.store.sql.rows import dumps, loads, run_record
from openoutreach_server.store.sql.tracking import track_completed

# What an account-level error says about the account, for its status_reason.
_ERROR_REASON: dict[str, str] = {
    ErrorCode.CHECKPOINT: "LinkedIn asks for verification",
    ErrorCode.SESSION_EXPIRED: "the session expired; log in again",
    ErrorCode.AUTH_FAILED: "LinkedIn rejected the credentials",
    ErrorCode.ACCOUNT_RESTRICTED: "LinkedIn restricted the account",
}


def request_hash(body: Any) -> str:
    """Stable hash of a request body, to tell an idempotent replay from a conflicting one."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


_ACCOUNT_STATE_COLUMNS = (
    "a.handle, a.status, a.status_reason, a.created_at, a.timezone, a.working_hours,"
    " a.quotas, a.cooldowns, a.last_action_at, a.gap_draw, a.home_host"
)
# Active accounts with nothing running and something due.
_ACTIVE_ACCOUNTS = f"""
SELECT {_ACCOUNT_STATE_COLUMNS}
  FROM accounts a
 WHERE a.status = 'active'
   AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.handle = a.handle AND x.status = 'running')
   AND EXISTS (SELECT 1 FROM runs r INDEXED BY ix_runs_claim
                WHERE r.handle = a.handle AND r.status = 'pending' AND r.not_before <= ?)
"""
# Accounts that are not active can only run their login run (a partial index finds it).
_LOGIN_HEADS = f"""
SELECT {_ACCOUNT_STATE_COLUMNS}, r.id AS head, r.priority AS head_priority
  FROM accounts a
  JOIN runs r ON r.id = (SELECT p.id FROM runs p INDEXED BY ix_runs_pending_login
                          WHERE p.handle = a.handle AND p.status = 'pending'
                            AND p.type = 'login' AND p.not_before <= ?
                          ORDER BY p.id LIMIT 1)
 WHERE a.status NOT IN ('active', 'disabled')
   AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.handle = a.handle AND x.status = 'running')
"""
# The front of one account's queue, in claim order (decide.FRONT_DEPTH runs).
_QUEUE_FRONT = """
SELECT id, type, on_quota, priority, dry_run FROM runs INDEXED BY ix_runs_claim
 WHERE handle = ? AND status = 'pending' AND not_before <= ?
 ORDER BY priority DESC, id LIMIT ?
"""
_CLAIM = """
UPDATE runs SET status = 'running', worker_id = ?, lease_expires_at = ?, started_at = ?,
                completed_at = NULL, attempt = attempt + 1
 WHERE {target}
RETURNING id, handle, type, touchpoint, side_effecting, dry_run, attempt, max_attempts
"""
_RELEASE_COLUMNS = "id, side_effecting, attempt, max_attempts"


@dataclass(frozen=True)
class ClaimScope:
    """Which accounts a worker may claim runs of: those pinned to its host and, if
    `unpinned`, those pinned to no host. No host: every account (one machine)."""

    host: str | None = None
    unpinned: bool = True

    def condition(self) -> tuple[str, tuple[Any, ...]]:
        """A condition on the claim's accounts (`a`), and its parameters."""
        if self.host is None:
            return "", ()
        if self.unpinned:
            return " AND (a.home_host = ? OR a.home_host IS NULL)", (self.host,)
        return " AND a.home_host = ?", (self.host,)


def _safety(row: Any) -> safety.AccountSafety:
    return safety.AccountSafety(
        created_at=row["created_at"],
        timezone=row["timezone"] or "UTC",
        working_hours=loads(row["working_hours"]),
        quotas=loads(row["quotas"]),
        cooldowns=loads(row["cooldowns"], {}),
        last_action_at=row["last_action_at"],
        gap_draw=row["gap_draw"],
    )


def _account_state(row: Any, running: int | None) -> AccountState:
    return AccountState(
        handle=row["handle"],
        status=row["status"],
        status_reason=row["status_reason"],
        running_run=running,
        safety=_safety(row),
        home_host=row["home_host"],
    )


def _new_record(
    run_id: int, new: NewRun, now: float, idempotency_key: str | None, body_hash: str | None
) -> RunRecord:
    """The record of a run just inserted from `new`."""
    return RunRecord(
        id=run_id,
        handle=new.handle,
        type=new.type,
        touchpoint=new.touchpoint,
        side_effecting=new.side_effecting,
        status="pending",
        dry_run=new.dry_run,
        priority=new.priority,
        not_before=new.not_before if new.not_before is not None else now,
        tags=list(new.tags),
        callback_url=new.callback_url,
        on_quota=new.on_quota,
        idempotency_key=idempotency_key,
        request_hash=body_hash,
        result=None,
        error_code=None,
        error=None,
        retryable=None,
        attempt=0,
        max_attempts=new.max_attempts,
        artifacts=[],
        worker_id=None,
        lease_expires_at=None,
        created_at=now,
        started_at=None,
        completed_at=None,
        schedule_id=None,
        fire_time=None,
    )


def _claimed(row: Any) -> Claimed:
    return Claimed(
        id=int(row["id"]),
        handle=row["handle"],
        type=row["type"],
        touchpoint=loads(row["touchpoint"], {}),
        side_effecting=bool(row["side_effecting"]),
        dry_run=bool(row["dry_run"]),
        attempt=row["attempt"],
        max_attempts=row["max_attempts"],
    )


def counted_starts(conn: Conn, handle: str, type_: str, now: float) -> list[float]:
    """Start times within the last week of the account's runs of one type that count
    against its caps (every started run but dry runs: a failed one may have acted)."""
    return [
        row["started_at"]
        for row in conn.execute(
            "SELECT started_at FROM runs INDEXED BY ix_runs_usage"
            " WHERE handle = ? AND type = ? AND started_at > ? AND dry_run = FALSE",
            (handle, type_, now - safety.WEEK),
        )
    ]


def _front(conn: Conn, handle: str, now: float) -> list[Queued]:
    return [
        Queued(
            id=int(row["id"]),
            type=row["type"],
            priority=row["priority"],
            on_quota=row["on_quota"],
            dry_run=bool(row["dry_run"]),
        )
        for row in conn.execute(_QUEUE_FRONT, (handle, now, FRONT_DEPTH))
    ]


def _plan(
    conn: Conn, state: AccountState, front: list[Queued], now: float, rules: safety.SafetySettings
) -> Plan:
    def starts_of(type_: str) -> list[float]:
        return counted_starts(conn, state.handle, type_, now)

    return plan_account(state, front, starts_of, now, rules)


class SqlRuns:
    """The run port over a SQL connector."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    # --- inserting -------------------------------------------------------------------------

    def enqueue(
        self,
        new: NewRun,
        now: float,
        *,
        idempotency_key: str | None = None,
        body_hash: str | None = None,
    ) -> tuple[RunRecord, bool]:
        """Insert a pending run; with an idempotency key, return the earlier run instead.

        Returns (run, created). Raises UnknownAccount, or IdempotencyConflict for a reused
        key with another body.
        """
        with self.db.write() as conn:
            if idempotency_key is not None:
                existing = conn.execute(
                    "SELECT * FROM runs WHERE idempotency_key = ?", (idempotency_key,)
                ).fetchone()
                if existing is not None:
                    if existing["request_hash"] != body_hash:
                        raise IdempotencyConflict(int(existing["id"]))
                    return run_record(existing), False
            values = insert_values(new, now, idempotency_key, body_hash)
            row = conn.execute(INSERT_IF_ACCOUNT, (*values, new.handle)).fetchone()
            if row is None:
                raise UnknownAccount(new.handle)
        # Built from what was inserted: decoding the row back would only cost time.
        return _new_record(int(row["id"]), new, now, idempotency_key, body_hash), True

    def enqueue_claimed(
        self, new: NewRun, now: float, *, worker_id: str, lease_s: float
    ) -> Claimed:
        """Insert a run already owned by `worker_id` (work done outside the executor).

        Raises AccountBusy while another run of the account is running: the partial unique
        index refuses a second one.
        """
        try:
            with self.db.write() as conn:
                row = conn.execute(INSERT, insert_values(new, now)).fetchone()
                sql = _CLAIM.format(target=self.db.claim_target)
                claimed = conn.execute(sql, (worker_id, now + lease_s, now, row["id"])).fetchone()
        except self.db.integrity_errors as exc:
            raise AccountBusy(f"a run of {new.handle!r} is running") from exc
        return _claimed(claimed)

    # --- reading ---------------------------------------------------------------------------

    def get(self, run_id: int) -> RunRecord | None:
        """One run."""
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else run_record(row)

    def _where(self, filter_: RunFilter) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (
            ("handle = ?", filter_.handle),
            ("status = ?", filter_.status),
            ("type = ?", filter_.type),
            (self.db.tag_match, filter_.tag),
            ("created_at >= ?", filter_.created_after),
            ("created_at < ?", filter_.created_before),
            ("schedule_id = ?", filter_.schedule_id),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        return " AND ".join(where), params

    def find(
        self, filter_: RunFilter, *, cursor: int | None = None, limit: int = 50
    ) -> tuple[list[RunRecord], bool]:
        """Newest first, after `cursor` (the last id of the previous page); (runs, more)."""
        where, params = self._where(filter_)
        if cursor is not None:
            where = f"{where} AND id < ?" if where else "id < ?"
            params.append(cursor)
        sql = "SELECT * FROM runs" + (f" WHERE {where}" if where else "")
        with self.db.read() as conn:
            rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit + 1)).fetchall()
        return [run_record(r) for r in rows[:limit]], len(rows) > limit

    def waiting_reasons(
        self,
        runs: Iterable[RunRecord],
        now: float,
        rules: safety.SafetySettings,
        *,
        live_since: float | None = None,
    ) -> dict[int, str]:
        """Why each pending run waits, from the same decision the claim makes.

        With `live_since`, a pinned account's host counts as live only if one of its workers
        sent a heartbeat since then (else the reason says nobody there can run it)."""
        pending = [run for run in runs if run.status == "pending"]
        if not pending:
            return {}
        out: dict[int, str] = {}
        accounts: dict[str, tuple[AccountState | None, list[Queued], Plan | None]] = {}
        with self.db.read() as conn:
            for run in pending:
                if run.handle not in accounts:
                    accounts[run.handle] = self._explain(conn, run.handle, now, rules, live_since)
                state, front, plan = accounts[run.handle]
                facts = Pending(run.id, run.type, run.not_before, run.error_code, run.attempt)
                out[run.id] = waiting_reason(facts, state, front, plan, now)
        return out

    def _explain(
        self,
        conn: Conn,
        handle: str,
        now: float,
        rules: safety.SafetySettings,
        live_since: float | None,
    ) -> tuple[AccountState | None, list[Queued], Plan | None]:
        row = conn.execute(
            f"SELECT {_ACCOUNT_STATE_COLUMNS} FROM accounts a WHERE a.handle = ?", (handle,)
        ).fetchone()
        if row is None:
            return None, [], None
        busy = conn.execute(
            "SELECT id FROM runs WHERE handle = ? AND status = 'running'", (handle,)
        ).fetchone()
        state = _account_state(row, None if busy is None else int(busy["id"]))
        if state.home_host is not None and live_since is not None:
            live = conn.execute(
                "SELECT 1 FROM workers WHERE host = ? AND stopped_at IS NULL"
                " AND heartbeat_at >= ? LIMIT 1",
                (state.home_host, live_since),
            ).fetchone()
            state = replace(state, home_host_live=live is not None)
        front = _front(conn, handle, now)
        return state, front, _plan(conn, state, front, now, rules)

    def counted_starts(
        self, handle: str, types: Iterable[str], now: float
    ) -> dict[str, list[float]]:
        """Counted start times per type within the last week (see `counted_starts`)."""
        with self.db.read() as conn:
            return {type_: counted_starts(conn, handle, type_, now) for type_ in types}

    # --- claiming and finishing ------------------------------------------------------------

    def _claim(
        self,
        conn: Conn,
        now: float,
        limit: int,
        worker_id: str,
        lease_s: float,
        rules: safety.SafetySettings,
        scope: ClaimScope | None,
    ) -> ClaimRound:
        round_ = ClaimRound()
        if limit <= 0:
            return round_
        pinned, pin_params = (scope or ClaimScope()).condition()
        candidates: list[tuple[int, int]] = []
        login_heads = conn.execute(_LOGIN_HEADS + pinned, (now, *pin_params))
        for row in login_heads.fetchall():
            head = Queued(int(row["head"]), LOGIN_TYPE, row["head_priority"])
            plan = plan_account(_account_state(row, None), [head], lambda _: (), now, rules)
            if plan.pick is not None:
                candidates.append((plan.pick.id, plan.pick.priority))
        active = conn.execute(_ACTIVE_ACCOUNTS + pinned, (now, *pin_params))
        for row in active.fetchall():
            state = _account_state(row, None)
            plan = _plan(conn, state, _front(conn, state.handle, now), now, rules)
            for run_id, reason in plan.quota_failed.items():
                self._fail_pending(conn, run_id, ErrorCode.QUOTA_EXCEEDED, reason, now)
            round_.hold(plan.wake_at)
            if plan.pick is not None:
                candidates.append((plan.pick.id, plan.pick.priority))
        candidates.sort(key=lambda c: (-c[1], c[0]))
        # Down the whole list, not only its first `limit`: a run another host is taking at
        # this very moment is skipped, and the next candidate takes its place.
        for run_id, _ in candidates:
            if len(round_.claimed) >= limit:
                break
            row = self._claim_one(conn, run_id, worker_id, now + lease_s, now)
            if row is not None:
                round_.claimed.append(_claimed(row))
        return round_

    def _claim_one(
        self, conn: Conn, run_id: int, worker_id: str, lease_until: float, now: float
    ) -> Any:
        try:
            with self.db.conflict_guard(conn):
                sql = _CLAIM.format(target=self.db.claim_target)
                return conn.execute(sql, (worker_id, lease_until, now, run_id)).fetchone()
        except self.db.integrity_errors:
            return None  # the account got busy: the partial unique index said no

    @staticmethod
    def _fail_pending(conn: Conn, run_id: int, code: str, message: str, now: float) -> None:
        row = conn.execute(
            "UPDATE runs SET status = 'failed', error_code = ?, error = ?, retryable = FALSE,"
            f" completed_at = ? WHERE id = ? AND status = 'pending' RETURNING {RUN_EVENT_COLUMNS}",
            (code, message, now, run_id),
        ).fetchone()
        if row is not None:
            run_event(conn, row, now)

    def claim(
        self,
        *,
        now: float,
        limit: int,
        worker_id: str,
        lease_s: float,
        rules: safety.SafetySettings | None = None,
        scope: ClaimScope | None = None,
    ) -> list[Claimed]:
        """Atomically take up to `limit` runs, at most one per account, highest-oldest first,
        among those the safety rules let start now (and `scope` lets this worker take)."""
        if limit <= 0:
            return []
        with self.db.write() as conn:
            rules = rules or safety.SafetySettings()
            return self._claim(conn, now, limit, worker_id, lease_s, rules, scope).claimed

    def _account_effects(
        self,
        conn: Conn,
        handle: str,
        type_: str,
        outcome: Outcome,
        now: float,
        rules: safety.SafetySettings,
        draw: float,
    ) -> None:
        """What a finished run changes on its account, in the run's own transaction:
        status (account_status.py), pacing, cool-downs, the circuit breaker."""
        row = conn.execute(
            "SELECT status, status_reason, paused_from, paused_from_reason, cooldowns,"
            f" consecutive_failures FROM accounts WHERE handle = ?{self.db.for_update}",
            (handle,),
        ).fetchone()
        if row is None:
            return
        state = account_status.State(
            row["status"], row["status_reason"], row["paused_from"], row["paused_from_reason"]
        )
        sets: dict[str, Any] = {}
        if type_ == LOGIN_TYPE:
            if outcome.code is None:
                state = account_status.transition(state, "login_ok")
                sets["last_login_at"] = now
                sets["checkpoint_path"] = None
        else:
            failures = row["consecutive_failures"] or 0
            if outcome.code is None:
                failures = 0
            elif outcome.code in safety.BREAKER_CODES:
                failures += 1
            cooldowns = {k: v for k, v in loads(row["cooldowns"], {}).items() if v > now}
            scope = safety.COOLDOWN_SCOPE.get(outcome.code or "")
            if scope is not None:
                until = max(cooldowns.get(scope, 0.0), now + rules.cooldown_s(outcome.code or ""))
                cooldowns[scope] = until
                data = {
                    "handle": handle,
                    "scope": scope,
                    "until": until,
                    "error_code": outcome.code,
                    "run_id": outcome.run_id,
                }
                add_event(conn, "account.cooldown_started", data, now, handle=handle)
            sets.update(
                consecutive_failures=failures,
                cooldowns=dumps(cooldowns) if cooldowns else None,
                last_action_at=now,
                gap_draw=draw,
            )
            if failures >= rules.breaker_failures:
                reason = (
                    f"circuit breaker: {failures} failures in a row (last {outcome.code},"
                    f" run {outcome.run_id}); POST /accounts/{handle}/resume after checking"
                )
                state = account_status.transition(state, "breaker", reason)
        event = account_status.error_event(outcome.code)
        if event is not None:
            reason = f"{_ERROR_REASON[outcome.code or '']} (run {outcome.run_id})"
            state = account_status.transition(state, event, reason)
        if outcome.code == ErrorCode.CHECKPOINT and outcome.details.get("path"):
            # Where the challenge is, so a verification code can be submitted from a new context.
            sets["checkpoint_path"] = outcome.details["path"]
        if state.status != row["status"]:
            status_event(conn, handle, state.status, row["status"], state.reason, now)
        if state.status != row["status"] or state.paused_from != row["paused_from"]:
            sets.update(
                status=state.status,
                status_reason=state.reason,
                paused_from=state.paused_from,
                paused_from_reason=state.paused_from_reason,
                updated_at=now,
            )
        if sets:
            assignments = ", ".join(f"{key} = ?" for key in sets)
            conn.execute(
                f"UPDATE accounts SET {assignments} WHERE handle = ?", (*sets.values(), handle)
            )

    def _finish(
        self,
        conn: Conn,
        outcome: Outcome,
        worker_id: str,
        now: float,
        retry_base_s: float,
        rules: safety.SafetySettings,
        draw: float,
    ) -> str | None:
        current = conn.execute(
            "SELECT handle, type, attempt, max_attempts FROM runs"
            " WHERE id = ? AND status = 'running' AND worker_id = ?",
            (outcome.run_id, worker_id),
        ).fetchone()
        if current is None:
            return None  # the lease lapsed and another worker recovered the run
        self._account_effects(conn, current["handle"], current["type"], outcome, now, rules, draw)
        if outcome.code is None:
            row = conn.execute(
                "UPDATE runs SET status = 'completed', result = ?, error_code = NULL,"
                " error = NULL, retryable = NULL, lease_expires_at = NULL, completed_at = ?"
                f" WHERE id = ? RETURNING {RUN_EVENT_COLUMNS}",
                (dumps(outcome.result or {}), now, outcome.run_id),
            ).fetchone()
            run_event(conn, row, now)
            track_completed(conn, row, now)
            return "completed"
        retry = outcome.retryable and current["attempt"] < current["max_attempts"]
        common = (outcome.code, outcome.message, outcome.retryable, dumps(outcome.artifacts))
        if retry:
            backoff = retry_base_s * (2 ** (current["attempt"] - 1))
            conn.execute(
                "UPDATE runs SET status = 'pending', error_code = ?, error = ?, retryable = ?,"
                " artifacts = ?, lease_expires_at = NULL, worker_id = NULL, not_before = ?"
                " WHERE id = ?",
                (*common, now + backoff, outcome.run_id),
            )
            return "pending"
        row = conn.execute(
            "UPDATE runs SET status = 'failed', error_code = ?, error = ?, retryable = ?,"
            f" artifacts = ?, lease_expires_at = NULL, completed_at = ? WHERE id = ?"
            f" RETURNING {RUN_EVENT_COLUMNS}",
            (*common, now, outcome.run_id),
        ).fetchone()
        run_event(conn, row, now)
        return "failed"

    def finish_and_claim(
        self,
        outcomes: Sequence[Outcome],
        *,
        now: float,
        limit: int,
        worker_id: str,
        lease_s: float,
        retry_base_s: float,
        rules: safety.SafetySettings | None = None,
        rng: random.Random | None = None,
        scope: ClaimScope | None = None,
    ) -> tuple[list[str | None], ClaimRound]:
        """Record how runs ended and claim the next ones, in one transaction.

        Returns each outcome's new run status (None if the lease was lost) and the claim
        round. A retryable failure is re-queued with exponential backoff while attempts
        remain; account-level codes change the account's status, LinkedIn limits start
        cool-downs, technical failures feed the circuit breaker, and every finished
        touchpoint starts the account's pacing gap, all in the same transaction.
        """
        rules = rules or safety.SafetySettings()
        rng = rng or random.Random()
        with self.db.write() as conn:
            statuses = [
                self._finish(conn, o, worker_id, now, retry_base_s, rules, safety.gap_draw(rng))
                for o in outcomes
            ]
            return statuses, self._claim(conn, now, limit, worker_id, lease_s, rules, scope)

    def finish(
        self,
        outcomes: Sequence[Outcome],
        *,
        now: float,
        worker_id: str,
        retry_base_s: float = 0.0,
        rules: safety.SafetySettings | None = None,
    ) -> list[str | None]:
        """Record how runs ended (without claiming more); returns their new statuses."""
        statuses, _ = self.finish_and_claim(
            outcomes,
            now=now,
            limit=0,
            worker_id=worker_id,
            lease_s=0,
            retry_base_s=retry_base_s,
            rules=rules,
        )
        return statuses

    def heartbeat(self, run_ids: Iterable[int], worker_id: str, lease_until: float) -> int:
        """Extend the leases of runs this worker still owns; returns how many it still owns."""
        ids = list(run_ids)
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        with self.db.write() as conn:
            cursor = conn.execute(
                f"UPDATE runs SET lease_expires_at = ? WHERE id IN ({marks})"
                " AND status = 'running' AND worker_id = ?",
                (lease_until, *ids, worker_id),
            )
            return cursor.rowcount

    @staticmethod
    def _release(conn: Conn, row: Any, now: float, reason: str) -> str:
        if row["side_effecting"]:
            done = conn.execute(
                "UPDATE runs SET status = 'interrupted', error_code = ?, error = ?,"
                " retryable = FALSE, lease_expires_at = NULL, completed_at = ? WHERE id = ?"
                f" RETURNING {RUN_EVENT_COLUMNS}",
                (
                    ErrorCode.INTERRUPTED.value,
                    f"{reason}; the action may or may not have happened, so it is not re-run",
                    now,
                    row["id"],
                ),
            ).fetchone()
            run_event(conn, done, now)
            return "interrupted"
        if row["attempt"] >= row["max_attempts"]:
            done = conn.execute(
                "UPDATE runs SET status = 'failed', error_code = ?, error = ?,"
                " retryable = FALSE, lease_expires_at = NULL, completed_at = ? WHERE id = ?"
                f" RETURNING {RUN_EVENT_COLUMNS}",
                (
                    ErrorCode.INTERRUPTED.value,
                    f"{reason} on every one of {row['attempt']} attempts",
                    now,
                    row["id"],
                ),
            ).fetchone()
            run_event(conn, done, now)
            return "failed"
        conn.execute(
            "UPDATE runs SET status = 'pending', worker_id = NULL, lease_expires_at = NULL,"
            " not_before = ?, error = ? WHERE id = ?",
            (now, f"{reason}; re-queued (read-only)", row["id"]),
        )
        return "pending"

    def release(self, run_id: int, worker_id: str, now: float, reason: str) -> str | None:
        """Give a run back when this worker stops mid-action.

        A side-effecting run becomes `interrupted` (never silently re-executed); a read-only
        one is re-queued.
        """
        with self.db.write() as conn:
            row = conn.execute(
                f"SELECT {_RELEASE_COLUMNS} FROM runs"
                " WHERE id = ? AND status = 'running' AND worker_id = ?",
                (run_id, worker_id),
            ).fetchone()
            return None if row is None else self._release(conn, row, now, reason)

    def reap_expired(self, now: float) -> list[tuple[int, str]]:
        """Recover runs whose worker died (lapsed leases). Returns (run_id, new status)."""
        with self.db.write() as conn:
            rows = conn.execute(
                f"SELECT {_RELEASE_COLUMNS} FROM runs"
                f" WHERE status = 'running' AND lease_expires_at < ?{self.db.for_update}",
                (now,),
            ).fetchall()
            reason = "the worker running it stopped (lease expired)"
            return [(int(row["id"]), self._release(conn, row, now, reason)) for row in rows]

    def next_due(self, now: float) -> float | None:
        """The earliest future moment the executor has something to do: a not_before or a
        lease."""
        with self.db.read() as conn:
            due = conn.execute(
                "SELECT min(not_before) AS t FROM runs WHERE status = 'pending' AND not_before > ?",
                (now,),
            ).fetchone()["t"]
            lease = conn.execute(
                "SELECT min(lease_expires_at) AS t FROM runs WHERE status = 'running'"
            ).fetchone()["t"]
        times = [t for t in (due, lease) if t is not None]
        return min(times) if times else None

    # --- canceling -------------------------------------------------------------------------

    def cancel(self, run_id: int, now: float) -> RunRecord | None:
        """Cancel a pending run. Returns None if unknown; raises NotCancelable if it started."""
        with self.db.write() as conn:
            row = conn.execute(
                f"SELECT status FROM runs WHERE id = ?{self.db.for_update}", (run_id,)
            ).fetchone()
            if row is None:
                return None
            if row["status"] not in ("pending", "canceled"):
                raise NotCancelable(
                    f"run {run_id} is {row['status']}; only pending runs can be canceled"
                )
            if row["status"] == "pending":
                done = conn.execute(
                    "UPDATE runs SET status = 'canceled', error_code = ?, error = ?,"
                    " retryable = FALSE, completed_at = ? WHERE id = ?"
                    f" RETURNING {RUN_EVENT_COLUMNS}",
                    (ErrorCode.CANCELED.value, "canceled by the client", now, run_id),
                ).fetchone()
                run_event(conn, done, now)
            return run_record(conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone())

    def cancel_many(self, filter_: RunFilter, now: float, reason: str) -> list[int]:
        """Cancel every pending run that matches, in one transaction; returns their ids."""
        where, params = self._where(filter_)
        condition = f"status = 'pending' AND {where}" if where else "status = 'pending'"
        with self.db.write() as conn:
            rows = conn.execute(
                "UPDATE runs SET status = 'canceled', error_code = ?, error = ?,"
                f" retryable = FALSE, completed_at = ? WHERE {condition}"
                f" RETURNING {RUN_EVENT_COLUMNS}",
                (ErrorCode.CANCELED.value, reason, now, *params),
            ).fetchall()
            for row in rows:
                run_event(conn, row, now)
        return sorted(int(row["id"]) for row in rows)

    # --- artifacts -------------------------------------------------------------------------

    def forget_artifacts(self, run_ids: Iterable[int]) -> None:
        """The runs no longer list artifacts (their files were deleted)."""
        ids = list(run_ids)
        if not ids:
            return
        with self.db.write() as conn:
            conn.executemany("UPDATE runs SET artifacts = '[]' WHERE id = ?", [(i,) for i in ids])
