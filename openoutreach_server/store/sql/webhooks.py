"""The webhook port: endpoints, and the deliveries that carry events to them.

Events reach deliveries by a fan-out that follows the outbox with a cursor kept in `meta`
(advanced in the transaction that writes the deliveries, so an event is fanned out exactly
once even with deliverers on several hosts). A delivery is taken with a short lock
(`locked_until`), so one that was being sent when its process died is sent again after the
lock runs out, under the same event id: at-least-once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openoutreach_server.store.sql.connector import Conn, Connector
from openoutreach_server.store.sql.events import EventRecord, add_event
from openoutreach_server.store.sql.rows import dumps, loads

FANOUT_CURSOR = "webhooks.fanout_cursor"
CALLBACK_SECRET = "webhooks.callback_secret"
# Final statuses of a delivery; 'pending' ones are still on their way.
DELIVERY_STATUSES = ("pending", "delivered", "failed", "canceled")


@dataclass(frozen=True)
class WebhookRecord:
    """A webhook endpoint as stored (its secret still sealed)."""

    id: int
    url: str
    event_types: list[str] | None
    description: str | None
    enabled: bool
    secret_enc: bytes
    created_at: float
    updated_at: float
    disabled_reason: str | None
    failing_since: float | None
    last_success_at: float | None


@dataclass(frozen=True)
class DeliveryRecord:
    """One event's delivery to one endpoint, with its last attempt."""

    id: int
    event_id: int
    event_type: str
    run_id: int | None
    webhook_id: int | None
    url: str
    status: str
    attempts: int
    next_attempt_at: float | None
    last_status: int | None
    last_error: str | None
    last_latency_ms: float | None
    created_at: float
    delivered_at: float | None


@dataclass(frozen=True)
class DueDelivery:
    """A delivery taken for sending: where, what, and the sealed secret that signs it
    (None: a run's callback_url, signed with the server's callback secret)."""

    id: int
    url: str
    webhook_id: int | None
    attempts: int
    secret_enc: bytes | None
    event: EventRecord


@dataclass(frozen=True)
class Attempt:
    """How one attempt went. `retry_at` None after a failure: give up (final)."""

    delivery_id: int
    webhook_id: int | None
    ok: bool
    status: int | None
    error: str | None
    latency_ms: float
    retry_at: float | None = None
    # Disable the endpoint (410 Gone), with this reason.
    disable: str | None = None


def _webhook(row: Mapping[str, Any]) -> WebhookRecord:
    return WebhookRecord(
        id=int(row["id"]),
        url=row["url"],
        event_types=loads(row["event_types"]),
        description=row["description"],
        enabled=bool(row["enabled"]),
        secret_enc=bytes(row["secret_enc"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        disabled_reason=row["disabled_reason"],
        failing_since=row["failing_since"],
        last_success_at=row["last_success_at"],
    )


def _delivery(row: Mapping[str, Any]) -> DeliveryRecord:
    pending = row["status"] == "pending"
    return DeliveryRecord(
        id=int(row["id"]),
        event_id=int(row["event_id"]),
        event_type=row["event_type"],
        run_id=row["run_id"],
        webhook_id=row["webhook_id"],
        url=row["url"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"] if pending else None,
        last_status=row["last_status"],
        last_error=row["last_error"],
        last_latency_ms=row["last_latency_ms"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
    )


def subscribed(types: list[str] | None, event_type: str) -> bool:
    """Whether a webhook with this type filter receives events of this type."""
    return types is None or event_type in types


def _disable(conn: Conn, webhook_id: int, url: str, reason: str, now: float) -> bool:
    """Disable an endpoint, drop what still waits for it, and say so (webhook.disabled)."""
    changed = conn.execute(
        "UPDATE webhooks SET enabled = ?, disabled_reason = ?, updated_at = ?"
        " WHERE id = ? AND enabled",
        (False, reason, now, webhook_id),
    ).rowcount
    if not changed:
        return False
    conn.execute(
        "UPDATE deliveries SET status = 'canceled', locked_until = NULL"
        " WHERE webhook_id = ? AND status = 'pending'",
        (webhook_id,),
    )
    add_event(
        conn, "webhook.disabled", {"webhook_id": webhook_id, "url": url, "reason": reason}, now
    )
    return True


def _callbacks(conn: Conn, run_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(run_ids)
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    found = conn.execute(
        f"SELECT id, callback_url FROM runs WHERE id IN ({marks}) AND callback_url IS NOT NULL",
        ids,
    ).fetchall()
    return {int(row["id"]): row["callback_url"] for row in found}


def _fan_out(conn: Conn, now: float, limit: int) -> int:
    """Deliveries for the events after the cursor: one per enabled endpoint subscribed to
    the type that existed when the event was written, one to its run's callback_url."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, '0') ON CONFLICT (key) DO NOTHING",
        (FANOUT_CURSOR,),
    )
    # Locks the cursor's row on PostgreSQL: a second deliverer waits here, then reads the
    # cursor this one advanced (SQLite serialises the transaction anyway).
    conn.execute("UPDATE meta SET value = value WHERE key = ?", (FANOUT_CURSOR,))
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (FANOUT_CURSOR,)).fetchone()
    events = conn.execute(
        "SELECT id, type, run_id, created_at FROM events WHERE id > ? ORDER BY id LIMIT ?",
        (int(row["value"]), limit),
    ).fetchall()
    if not events:
        return 0
    hooks = [
        (int(h["id"]), h["url"], loads(h["event_types"]), h["created_at"])
        for h in conn.execute(
            "SELECT id, url, event_types, created_at FROM webhooks WHERE enabled"
        ).fetchall()
    ]
    callbacks = _callbacks(conn, {e["run_id"] for e in events if e["run_id"]})
    rows: list[tuple[Any, ...]] = []
    for event in events:
        for hook_id, url, types, created_at in hooks:
            if created_at <= event["created_at"] and subscribed(types, event["type"]):
                rows.append((event["id"], hook_id, url, now, now))
        callback = callbacks.get(event["run_id"])
        if callback is not None:
            rows.append((event["id"], None, callback, now, now))
    if rows:
        conn.executemany(
            "INSERT INTO deliveries (event_id, webhook_id, url, status, attempts,"
            " next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)",
            rows,
        )
    conn.execute("UPDATE meta SET value = ? WHERE key = ?", (str(events[-1]["id"]), FANOUT_CURSOR))
    return len(events)


def _fan_out_all(conn: Conn, now: float) -> None:
    """Fan out every event written so far, before endpoints change: events that happened
    while an endpoint was disabled (or had another filter) are judged by that state."""
    while _fan_out(conn, now, 1000) == 1000:
        pass


_DELIVERY_COLUMNS = "d.*, e.type AS event_type, e.run_id AS run_id"


class SqlWebhooks:
    """The webhook port over a SQL connector."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    # Endpoints.

    def create(
        self,
        url: str,
        event_types: Sequence[str] | None,
        description: str | None,
        enabled: bool,
        secret_enc: bytes,
        now: float,
    ) -> WebhookRecord:
        """Add an endpoint; it receives the events written from now on."""
        types = None if event_types is None else dumps(list(event_types))
        with self.db.write() as conn:
            row = conn.execute(
                "INSERT INTO webhooks (url, event_types, description, enabled, secret_enc,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (url, types, description, enabled, secret_enc, now, now),
            ).fetchone()
        return _webhook(row)

    def get(self, webhook_id: int) -> WebhookRecord | None:
        """One endpoint."""
        with self.db.read() as conn:
            row = conn.execute("SELECT * FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
        return None if row is None else _webhook(row)

    def all(self) -> list[WebhookRecord]:
        """Every endpoint, oldest first."""
        with self.db.read() as conn:
            rows = conn.execute("SELECT * FROM webhooks ORDER BY id").fetchall()
        return [_webhook(row) for row in rows]

    def update(
        self, webhook_id: int, changes: Mapping[str, Any], now: float
    ) -> WebhookRecord | None:
        """Change an endpoint (url, event_types, description, enabled, secret_enc); enabling
        it again clears why it was disabled and its failure streak."""
        values = dict(changes)
        if "event_types" in values:
            types = values["event_types"]
            values["event_types"] = None if types is None else dumps(list(types))
        if values.get("enabled") is True:
            values.update(disabled_reason=None, failing_since=None)
        values["updated_at"] = now
        assignments = ", ".join(f"{column} = ?" for column in values)
        with self.db.write() as conn:
            if {"enabled", "event_types", "url"} & set(changes):
                _fan_out_all(conn, now)
            row = conn.execute(
                f"UPDATE webhooks SET {assignments} WHERE id = ? RETURNING *",
                (*values.values(), webhook_id),
            ).fetchone()
            if row is not None and values.get("enabled") is False:
                conn.execute(
                    "UPDATE deliveries SET status = 'canceled', locked_until = NULL"
                    " WHERE webhook_id = ? AND status = 'pending'",
                    (webhook_id,),
                )
        return None if row is None else _webhook(row)

    def delete(self, webhook_id: int, now: float) -> bool:
        """Remove an endpoint and its delivery log."""
        with self.db.write() as conn:
            _fan_out_all(conn, now)
            conn.execute("DELETE FROM deliveries WHERE webhook_id = ?", (webhook_id,))
            return conn.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,)).rowcount > 0

    def deliveries(
        self,
        webhook_id: int,
        *,
        status: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[DeliveryRecord]:
        """An endpoint's deliveries, newest first (`before`: a delivery id, the cursor)."""
        where = ["d.webhook_id = ?"]
        params: list[Any] = [webhook_id]
        if status is not None:
            where.append("d.status = ?")
            params.append(status)
        if before is not None:
            where.append("d.id < ?")
            params.append(before)
        sql = (
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id"
            f" WHERE {' AND '.join(where)} ORDER BY d.id DESC LIMIT ?"
        )
        with self.db.read() as conn:
            rows = conn.execute(sql, (*params, limit)).fetchall()
        return [_delivery(row) for row in rows]

    # The callback secret (signs deliveries to runs' callback_url).

    def callback_secret(self, sealed_if_new: bytes) -> bytes:
        """The sealed callback secret; `sealed_if_new` becomes it when there is none yet."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (CALLBACK_SECRET, sealed_if_new.decode()),
            )
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (CALLBACK_SECRET,))
            return str(row.fetchone()["value"]).encode()

    def replace_callback_secret(self, sealed: bytes) -> None:
        """Rotate the callback secret."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (CALLBACK_SECRET, sealed.decode()),
            )

    # Delivery.

    def fan_out(self, now: float, limit: int = 500) -> int:
        """Turn the events after the cursor into deliveries (see `_fan_out`); returns how
        many events were read (`limit`: more may wait)."""
        # Every committed event wakes every deliverer: look before taking the write lock,
        # which the executors' transactions need far more often.
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT (SELECT max(id) FROM events) AS newest,"
                " (SELECT value FROM meta WHERE key = ?) AS fanned",
                (FANOUT_CURSOR,),
            ).fetchone()
        if row["newest"] is None or (
            row["fanned"] is not None and int(row["newest"]) <= int(row["fanned"])
        ):
            return 0
        with self.db.write() as conn:
            return _fan_out(conn, now, limit)

    def claim(self, now: float, limit: int, lock_s: float) -> list[DueDelivery]:
        """Take up to `limit` due deliveries for `lock_s` seconds (counting the attempt)."""
        with self.db.write() as conn:
            ids = [
                int(row["id"])
                for row in conn.execute(
                    "SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?"
                    " AND (locked_until IS NULL OR locked_until <= ?)"
                    f" ORDER BY next_attempt_at, id LIMIT ?{self.db.skip_locked}",
                    (now, now, limit),
                ).fetchall()
            ]
            if not ids:
                return []
            marks = ", ".join("?" * len(ids))
            conn.execute(
                f"UPDATE deliveries SET locked_until = ?, attempts = attempts + 1"
                f" WHERE id IN ({marks})",
                (now + lock_s, *ids),
            )
            rows = conn.execute(
                "SELECT d.id, d.url, d.webhook_id, d.attempts, w.secret_enc,"
                " e.id AS e_id, e.type AS e_type, e.handle AS e_handle, e.run_id AS e_run_id,"
                " e.data AS e_data, e.created_at AS e_created_at"
                " FROM deliveries d JOIN events e ON e.id = d.event_id"
                f" LEFT JOIN webhooks w ON w.id = d.webhook_id WHERE d.id IN ({marks})"
                " ORDER BY d.id",
                ids,
            ).fetchall()
        return [
            DueDelivery(
                id=int(row["id"]),
                url=row["url"],
                webhook_id=row["webhook_id"],
                attempts=row["attempts"],
                secret_enc=None if row["secret_enc"] is None else bytes(row["secret_enc"]),
                event=EventRecord(
                    id=int(row["e_id"]),
                    type=row["e_type"],
                    handle=row["e_handle"],
                    run_id=row["e_run_id"],
                    data=loads(row["e_data"], {}),
                    created_at=row["e_created_at"],
                ),
            )
            for row in rows
        ]

    def release(self, ids: Sequence[int]) -> None:
        """Give back deliveries taken but not attempted (a stopping deliverer)."""
        if not ids:
            return
        marks = ", ".join("?" * len(ids))
        with self.db.write() as conn:
            conn.execute(
                "UPDATE deliveries SET locked_until = NULL, attempts = attempts - 1"
                f" WHERE id IN ({marks}) AND status = 'pending'",
                list(ids),
            )

    def record(self, attempts: Sequence[Attempt], now: float, disable_after_s: float) -> int:
        """Write how attempts went, in one transaction; an endpoint that failed for
        `disable_after_s` in a row (or answered 410) is disabled. Returns how many were
        disabled."""
        disabled = 0
        with self.db.write() as conn:
            for a in attempts:
                if a.ok:
                    conn.execute(
                        "UPDATE deliveries SET status = 'delivered', delivered_at = ?,"
                        " last_status = ?, last_error = NULL, last_latency_ms = ?,"
                        " locked_until = NULL WHERE id = ?",
                        (now, a.status, a.latency_ms, a.delivery_id),
                    )
                    if a.webhook_id is not None:
                        conn.execute(
                            "UPDATE webhooks SET last_success_at = ?, failing_since = NULL"
                            " WHERE id = ?",
                            (now, a.webhook_id),
                        )
                    continue
                final = a.retry_at is None
                conn.execute(
                    "UPDATE deliveries SET status = ?, next_attempt_at = ?, last_status = ?,"
                    " last_error = ?, last_latency_ms = ?, locked_until = NULL WHERE id = ?",
                    (
                        "failed" if final else "pending",
                        now if final else a.retry_at,
                        a.status,
                        a.error,
                        a.latency_ms,
                        a.delivery_id,
                    ),
                )
                if a.webhook_id is None:
                    continue
                hook = conn.execute(
                    "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?)"
                    " WHERE id = ? RETURNING url, failing_since",
                    (now, a.webhook_id),
                ).fetchone()
                if hook is None:
                    continue
                reason = a.disable
                if reason is None and now - hook["failing_since"] >= disable_after_s:
                    days = (now - hook["failing_since"]) / 86400
                    reason = f"every delivery failed for {days:.1f} days (last: {a.error})"
                if reason is not None and _disable(conn, a.webhook_id, hook["url"], reason, now):
                    disabled += 1
        return disabled

    def next_due(self) -> float | None:
        """When the earliest pending delivery may be taken (None: nothing pending)."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT min(COALESCE(CASE WHEN locked_until > next_attempt_at"
                " THEN locked_until END, next_attempt_at)) AS due"
                " FROM deliveries WHERE status = 'pending'"
            ).fetchone()
        return None if row["due"] is None else float(row["due"])

    def pending_events(self) -> int:
        """Events not fanned out yet (the deliverer's backlog)."""
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (FANOUT_CURSOR,)).fetchone()
            cursor = int(row["value"]) if row is not None else 0
            count = conn.execute("SELECT count(*) AS n FROM events WHERE id > ?", (cursor,))
            return int(count.fetchone()["n"])

    def redeliver(
        self, event_id: int, webhook_ids: Sequence[int], callback: bool, now: float
    ) -> list[DeliveryRecord]:
        """New deliveries of an event (same event id, so the same webhook-id): to these
        endpoints, and to its run's callback_url when `callback`."""
        with self.db.write() as conn:
            event = conn.execute(
                "SELECT id, run_id FROM events WHERE id = ?", (event_id,)
            ).fetchone()
            if event is None:
                return []
            rows: list[tuple[Any, ...]] = []
            for hook_id in webhook_ids:
                hook = conn.execute("SELECT url FROM webhooks WHERE id = ?", (hook_id,)).fetchone()
                if hook is not None:
                    rows.append((event_id, hook_id, hook["url"]))
            if callback and event["run_id"]:
                url = _callbacks(conn, [event["run_id"]]).get(event["run_id"])
                if url is not None:
                    rows.append((event_id, None, url))
            created: list[int] = []
            for row in rows:
                found = conn.execute(
                    "INSERT INTO deliveries (event_id, webhook_id, url, status, attempts,"
                    " next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)"
                    " RETURNING id",
                    (*row, now, now),
                ).fetchone()
                created.append(int(found["id"]))
            if not created:
                return []
            marks = ", ".join("?" * len(created))
            found_rows = conn.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries d JOIN events e"
                f" ON e.id = d.event_id WHERE d.id IN ({marks}) ORDER BY d.id",
                created,
            ).fetchall()
        return [_delivery(row) for row in found_rows]
