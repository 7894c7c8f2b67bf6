"""The account port: accounts with their sealed secrets, status, session and safety state.

Each public method is one transaction. Changes are computed by the caller from the current
record (`update(handle, change)`): the read and the write happen in one transaction, so a
concurrent run outcome or API call never interleaves with them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from linkedin.touchpoints.errors import ErrorCode
from openoutreach_server.errors import NotFound
from openoutreach_server.store.records import (
    AccountBusy,
    AccountExists,
    AccountRecord,
    DeletedAccount,
)
from openoutreach_server.store.sql.connector import Connector
from openoutreach_server.store.sql.events import (
    RUN_EVENT_COLUMNS,
    add_event,
    run_event,
    status_event,
)
from openoutreach_server.store.sql.rows import account_record, account_values

Change = Callable[[AccountRecord], Mapping[str, Any]]
# An import's plan for one handle: the values to insert (given None) or the changes to apply.
Plan = Callable[[AccountRecord | None], Mapping[str, Any]]
ImportAction = Literal["created", "updated", "unchanged"]

_SEALED = ("password_enc", "li_at_enc", "storage_state_enc", "proxy_enc", "pin_enc")


class SqlAccounts:
    """The account port over a SQL connector."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def create(self, values: Mapping[str, Any]) -> AccountRecord:
        """Insert an account (all columns given by the service); AccountExists if taken."""
        stored = account_values(values)
        columns = ", ".join(stored)
        marks = ", ".join("?" * len(stored))
        with self.db.write() as conn:
            if conn.execute(
                "SELECT 1 FROM accounts WHERE handle = ?", (values["handle"],)
            ).fetchone():
                raise AccountExists(f"account {values['handle']!r} already exists")
            row = conn.execute(
                f"INSERT INTO accounts ({columns}) VALUES ({marks}) RETURNING *",
                tuple(stored.values()),
            ).fetchone()
        return account_record(row)

    def get(self, handle: str) -> AccountRecord | None:
        """One account."""
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM accounts WHERE handle = ?", (handle,)).fetchone()
        return None if row is None else account_record(row)

    def require(self, handle: str) -> AccountRecord:
        """One account, or NotFound."""
        account = self.get(handle)
        if account is None:
            raise NotFound(f"no account {handle!r}")
        return account

    def all(self) -> list[AccountRecord]:
        """Every account, by handle."""
        with self.db.read() as conn:
            rows = conn.execute("SELECT * FROM accounts ORDER BY handle").fetchall()
        return [account_record(row) for row in rows]

    def update(self, handle: str, change: Change) -> AccountRecord:
        """Apply `change(current)` (a dict of new field values) in one transaction.

        NotFound if there is no such account; whatever `change` raises aborts the update.
        """
        with self.db.write() as conn:
            row = conn.execute(
                f"SELECT * FROM accounts WHERE handle = ?{self.db.for_update}", (handle,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no account {handle!r}")
            before = account_record(row)
            changes = account_values(change(before))
            if not changes:
                return before
            assignments = ", ".join(f"{key} = ?" for key in changes)
            row = conn.execute(
                f"UPDATE accounts SET {assignments} WHERE handle = ? RETURNING *",
                (*changes.values(), handle),
            ).fetchone()
            after = account_record(row)
            now = after.updated_at
            if after.status != before.status:
                status_event(conn, handle, after.status, before.status, after.status_reason, now)
            if after.home_host != before.home_host:
                data = {
                    "handle": handle,
                    "home_host": after.home_host,
                    "previous": before.home_host,
                }
                add_event(conn, "account.home_host_changed", data, now, handle=handle)
        return after

    def delete(self, handle: str, now: float) -> DeletedAccount:
        """Delete an account and cancel its pending runs; its past runs stay, without
        artifacts. NotFound, or AccountBusy while one of its runs is running."""
        with self.db.write() as conn:
            exists = conn.execute(
                f"SELECT handle FROM accounts WHERE handle = ?{self.db.for_update}", (handle,)
            ).fetchone()
            if exists is None:
                raise NotFound(f"no account {handle!r}")
            running = conn.execute(
                "SELECT id FROM runs WHERE handle = ? AND status = 'running'", (handle,)
            ).fetchone()
            if running is not None:
                raise AccountBusy(
                    f"run {running['id']} is running on {handle!r}; retry when it ends"
                )
            canceled_rows = conn.execute(
                "UPDATE runs SET status = 'canceled', error_code = ?, error = ?,"
                " retryable = FALSE, completed_at = ? WHERE handle = ? AND status = 'pending'"
                f" RETURNING {RUN_EVENT_COLUMNS}",
                (ErrorCode.CANCELED.value, "account deleted", now, handle),
            ).fetchall()
            for run in canceled_rows:
                run_event(conn, run, now)
            canceled = len(canceled_rows)
            conn.execute("DELETE FROM accounts WHERE handle = ?", (handle,))
            with_artifacts = [
                int(row["id"])
                for row in conn.execute(
                    "SELECT id FROM runs WHERE handle = ? AND artifacts != '[]'", (handle,)
                )
            ]
            conn.execute("UPDATE runs SET artifacts = '[]' WHERE handle = ?", (handle,))
        return DeletedAccount(canceled=canceled, runs_with_artifacts=with_artifacts)

    def save_session(
        self, uid: str, sealed: bytes, *, has_cookie: bool, epoch: int, replace: bool
    ) -> int:
        """Store a sealed browser state for the account with this immutable uid.

        Dropped when the account's session epoch moved on (the session was replaced since)
        or the account is gone; `replace` starts a new epoch. Returns the epoch in force.
        """
        with self.db.write() as conn:
            row = conn.execute(
                f"SELECT session_epoch FROM accounts WHERE uid = ?{self.db.for_update}", (uid,)
            ).fetchone()
            if row is None:
                return epoch
            current = row["session_epoch"] or 0
            if current != epoch:
                return int(current)
            new_epoch = current + 1 if replace else current
            conn.execute(
                "UPDATE accounts SET storage_state_enc = ?, session_cookie = ?, session_epoch = ?"
                " WHERE uid = ?",
                (sealed, has_cookie, new_epoch, uid),
            )
            return int(new_epoch)

    def session_epochs(self) -> dict[str, int]:
        """uid -> session epoch of every account: which warm browser contexts are still valid."""
        with self.db.read() as conn:
            return {
                row["uid"]: int(row["session_epoch"] or 0)
                for row in conn.execute("SELECT uid, session_epoch FROM accounts")
            }

    def take_pin(self, handle: str) -> bytes | None:
        """Return and forget the submitted (sealed) verification code: it is used once."""
        with self.db.write() as conn:
            row = conn.execute(
                f"SELECT pin_enc FROM accounts WHERE handle = ?{self.db.for_update}", (handle,)
            ).fetchone()
            if row is None or row["pin_enc"] is None:
                return None
            conn.execute("UPDATE accounts SET pin_enc = NULL WHERE handle = ?", (handle,))
            return bytes(row["pin_enc"])

    def any_sealed_secret(self) -> bytes | None:
        """One sealed value, to check at start that the key can open what is stored."""
        sealed = " OR ".join(f"{column} IS NOT NULL" for column in _SEALED)
        with self.db.read() as conn:
            row = conn.execute(
                f"SELECT {', '.join(_SEALED)} FROM accounts WHERE {sealed} LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return next(bytes(row[column]) for column in _SEALED if row[column] is not None)

    def import_accounts(self, plans: Mapping[str, Plan]) -> dict[str, ImportAction]:
        """Create or update several accounts in ONE transaction: all of them, or none.

        For each handle, `plans[handle](current)` gets the locked account (None when there
        is none) and returns the values to insert, or the changes to apply (empty when
        unchanged). Whatever a plan raises rolls the whole import back.
        """
        done: dict[str, ImportAction] = {}
        with self.db.write() as conn:
            for handle, plan in plans.items():
                row = conn.execute(
                    f"SELECT * FROM accounts WHERE handle = ?{self.db.for_update}", (handle,)
                ).fetchone()
                current = None if row is None else account_record(row)
                values = account_values(plan(current))
                if current is None:
                    columns = ", ".join(values)
                    marks = ", ".join("?" * len(values))
                    try:
                        conn.execute(
                            f"INSERT INTO accounts ({columns}) VALUES ({marks})",
                            tuple(values.values()),
                        )
                    except self.db.integrity_errors as exc:  # inserted meanwhile elsewhere
                        raise AccountExists(f"account {handle!r} already exists") from exc
                    done[handle] = "created"
                elif values:
                    assignments = ", ".join(f"{key} = ?" for key in values)
                    conn.execute(
                        f"UPDATE accounts SET {assignments} WHERE handle = ?",
                        (*values.values(), handle),
                    )
                    done[handle] = "updated"
                else:
                    done[handle] = "unchanged"
        return done
