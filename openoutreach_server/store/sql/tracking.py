"""What the server watches after acting: invitations it sent (until accepted or gone) and
conversations it wrote in (until the member replies).

Called from the run port inside the transaction that completes a run, so the tracked state
and the events it produces (`invitation.accepted`, `invitation.withdrawn`,
`message.replied`) are committed with the run's own outcome:

- a `connect` that sent (or found pending) an invitation starts watching it;
- a `message` that was sent starts (or renews) watching its conversation;
- a `sent_invitations` check that read the whole list marks the watched invitations it no
  longer shows as missing and queues one `connection_status` run for each (absence alone
  cannot tell accepted from withdrawn);
- a `connection_status` (of a check or of a client) that says `connected` settles a watched
  invitation as accepted, `not_connected`/`follow_only`/`incoming_request` as gone;
- an `inbox` check whose conversation shows the member wrote last settles it as replied;
- our own `withdraw` ends the watch without an event (the client asked for it).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from linkedin.touchpoints.models import thread_id_of
from openoutreach_server.store.records import NewRun
from openoutreach_server.store.sql.connector import Conn, Connector
from openoutreach_server.store.sql.events import add_event
from openoutreach_server.store.sql.inserts import INSERT, insert_values
from openoutreach_server.store.sql.rows import loads

# Detection runs wait behind every client run of the account and are tagged as such.
CHECK_PRIORITY = -1000
CHECK_TAG = "detection"
_GONE = frozenset({"not_connected", "follow_only", "incoming_request"})


def track_completed(conn: Conn, run: Mapping[str, Any], now: float) -> None:
    """Update what is watched after a run completed (`run`: its RUN_EVENT_COLUMNS row)."""
    if run["dry_run"]:
        return
    result = loads(run["result"], {}) or {}
    handle, kind = run["handle"], run["type"]
    profile_url = (loads(run["touchpoint"], {}) or {}).get("profile_url") or ""
    if kind == "connect" and result.get("status") in ("sent", "already_pending"):
        _watch_invitation(conn, handle, result, profile_url, int(run["id"]), now)
    elif kind == "connect" and result.get("status") == "already_connected":
        _settle(conn, handle, result.get("public_identifier"), "connected", now)
    elif kind == "withdraw" and result.get("status") == "withdrawn":
        conn.execute(
            "UPDATE invitations SET status = 'withdrawn', resolved_at = ?"
            " WHERE handle = ? AND public_identifier = ? AND status = 'pending'",
            (now, handle, result.get("public_identifier")),
        )
    elif kind == "message" and result.get("status") == "sent":
        _watch_conversation(conn, handle, result, profile_url, int(run["id"]), now)
    elif kind == "connection_status":
        _settle(conn, handle, result.get("public_identifier"), result.get("status"), now)
    elif kind == "sent_invitations" and result.get("complete"):
        _missing(conn, handle, result, now)
    elif kind == "inbox":
        _replies(conn, handle, result, now)


def _watch_invitation(
    conn: Conn, handle: str, result: Mapping[str, Any], profile_url: str, run_id: int, now: float
) -> None:
    public_id = result.get("public_identifier")
    if not public_id:
        return
    conn.execute(
        "INSERT INTO invitations (handle, public_identifier, profile_url, run_id, status,"
        " sent_at) VALUES (?, ?, ?, ?, 'pending', ?)"
        " ON CONFLICT (handle, public_identifier) WHERE status = 'pending' DO NOTHING",
        (handle, public_id, profile_url or result.get("final_url") or "", run_id, now),
    )


def _watch_conversation(
    conn: Conn, handle: str, result: Mapping[str, Any], profile_url: str, run_id: int, now: float
) -> None:
    public_id = result.get("public_identifier")
    if not public_id:
        return
    thread_url = result.get("thread_url")
    thread_id = _thread_id(thread_url)
    updated = conn.execute(
        "UPDATE conversations SET last_sent_at = ?, run_id = ?,"
        " thread_url = coalesce(?, thread_url), thread_id = coalesce(?, thread_id)"
        " WHERE handle = ? AND public_identifier = ? AND status = 'awaiting'",
        (now, run_id, thread_url, thread_id, handle, public_id),
    ).rowcount
    if not updated:
        conn.execute(
            "INSERT INTO conversations (handle, public_identifier, profile_url, thread_id,"
            " thread_url, run_id, status, last_sent_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'awaiting', ?)",
            (handle, public_id, profile_url, thread_id, thread_url, run_id, now),
        )


def _thread_id(url: str | None) -> str | None:
    try:
        return thread_id_of(url) if url else None
    except ValueError:
        return None  # e.g. /messaging/thread/new/: matched by the member instead


def _settle(conn: Conn, handle: str, public_id: str | None, status: str | None, now: float) -> None:
    """A relationship was seen: settle the watched invitation to that member, if any."""
    if not public_id or status not in (_GONE | {"connected", "pending"}):
        return
    row = conn.execute(
        "SELECT id, profile_url, run_id, sent_at FROM invitations"
        " WHERE handle = ? AND public_identifier = ? AND status = 'pending'",
        (handle, public_id),
    ).fetchone()
    if row is None:
        return
    if status == "pending":  # still pending: a list that missed it was wrong
        conn.execute("UPDATE invitations SET missing_since = NULL WHERE id = ?", (row["id"],))
        return
    outcome = "accepted" if status == "connected" else "withdrawn"
    conn.execute(
        "UPDATE invitations SET status = ?, resolved_at = ? WHERE id = ?",
        (outcome, now, row["id"]),
    )
    data = {
        "handle": handle,
        "public_identifier": public_id,
        "profile_url": row["profile_url"],
        "run_id": int(row["run_id"]),
        "sent_at": row["sent_at"],
        "relationship": status,
    }
    # The connect run's id: its callback_url hears how the invitation ended.
    add_event(conn, f"invitation.{outcome}", data, now, handle=handle, run_id=data["run_id"])


def _missing(conn: Conn, handle: str, result: Mapping[str, Any], now: float) -> None:
    listed = {i.get("public_identifier") for i in result.get("invitations", [])}
    watched = conn.execute(
        "SELECT id, public_identifier, profile_url, missing_since FROM invitations"
        " WHERE handle = ? AND status = 'pending'",
        (handle,),
    ).fetchall()
    for row in watched:
        public_id = row["public_identifier"]
        if public_id in listed:
            if row["missing_since"] is not None:
                conn.execute(
                    "UPDATE invitations SET missing_since = NULL WHERE id = ?", (row["id"],)
                )
            continue
        if row["missing_since"] is not None:
            continue  # its connection_status check is already queued
        conn.execute("UPDATE invitations SET missing_since = ? WHERE id = ?", (now, row["id"]))
        check = NewRun(
            handle=handle,
            type="connection_status",
            touchpoint={"type": "connection_status", "profile_url": row["profile_url"]},
            side_effecting=False,
            priority=CHECK_PRIORITY,
            tags=[CHECK_TAG],
        )
        conn.execute(INSERT, insert_values(check, now))


def _replies(conn: Conn, handle: str, result: Mapping[str, Any], now: float) -> None:
    seen: dict[str, Mapping[str, Any]] = {}
    for conversation in result.get("conversations", []):
        for key in (conversation.get("thread_id"), conversation.get("public_identifier")):
            if key:
                seen[key] = conversation
    watched = conn.execute(
        "SELECT id, public_identifier, profile_url, thread_id, thread_url, run_id, last_sent_at"
        " FROM conversations WHERE handle = ? AND status = 'awaiting'",
        (handle,),
    ).fetchall()
    for row in watched:
        conversation = seen.get(row["thread_id"] or "") or seen.get(row["public_identifier"])
        if conversation is None or conversation.get("last_from") != "them":
            continue
        conn.execute(
            "UPDATE conversations SET status = 'replied', replied_at = ? WHERE id = ?",
            (now, row["id"]),
        )
        data = {
            "handle": handle,
            "public_identifier": row["public_identifier"],
            "profile_url": row["profile_url"],
            "thread_url": row["thread_url"] or conversation.get("thread_url"),
            "run_id": int(row["run_id"]),
            "snippet": conversation.get("snippet"),
        }
        add_event(conn, "message.replied", data, now, handle=handle, run_id=data["run_id"])


@dataclass(frozen=True)
class TrackedInvitation:
    """An invitation the server sent, as watched."""

    id: int
    handle: str
    public_identifier: str
    profile_url: str
    run_id: int
    status: str
    sent_at: float
    missing_since: float | None
    resolved_at: float | None


class SqlTracking:
    """The detection port: what is watched, and the periodic checks that look at it."""

    def __init__(self, db: Connector) -> None:
        self.db = db

    def invitations(self, handle: str, status: str | None = None) -> list[TrackedInvitation]:
        """The account's watched invitations, newest first."""
        sql = "SELECT * FROM invitations WHERE handle = ?"
        params: list[Any] = [handle]
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        with self.db.read() as conn:
            rows = conn.execute(sql + " ORDER BY id DESC", params).fetchall()
        return [
            TrackedInvitation(
                id=int(r["id"]),
                handle=r["handle"],
                public_identifier=r["public_identifier"],
                profile_url=r["profile_url"],
                run_id=int(r["run_id"]),
                status=r["status"],
                sent_at=r["sent_at"],
                missing_since=r["missing_since"],
                resolved_at=r["resolved_at"],
            )
            for r in rows
        ]

    def enqueue_checks(
        self,
        now: float,
        interval_s: float,
        rng: random.Random,
        pinned: tuple[str, tuple[Any, ...]] = ("", ()),
    ) -> list[int]:
        """Queue the due detection checks, in one transaction; returns the new run ids.

        An active account is due when its next check time has come and something of it is
        watched: a `sent_invitations` run if an invitation is pending, an `inbox` run if a
        conversation awaits a reply, unless one is already queued. Its next check is then
        `interval_s` away, give or take a fifth (so accounts do not all look at once).
        """
        condition, params = pinned
        created: list[int] = []
        with self.db.write() as conn:
            due = conn.execute(
                "SELECT a.handle,"
                " EXISTS (SELECT 1 FROM invitations i WHERE i.handle = a.handle"
                "         AND i.status = 'pending') AS invitations,"
                " EXISTS (SELECT 1 FROM conversations c WHERE c.handle = a.handle"
                "         AND c.status = 'awaiting') AS conversations"
                " FROM accounts a WHERE a.status = 'active'"
                f" AND (a.next_check_at IS NULL OR a.next_check_at <= ?){condition}",
                (now, *params),
            ).fetchall()
            for row in due:
                handle = row["handle"]
                wanted = [
                    kind
                    for kind, watched in (
                        ("sent_invitations", row["invitations"]),
                        ("inbox", row["conversations"]),
                    )
                    if watched
                ]
                for kind in wanted:
                    queued = conn.execute(
                        "SELECT 1 FROM runs WHERE handle = ? AND type = ? AND status IN"
                        " ('pending', 'running') LIMIT 1",
                        (handle, kind),
                    ).fetchone()
                    if queued is None:
                        check = NewRun(
                            handle=handle,
                            type=kind,
                            touchpoint={"type": kind},
                            side_effecting=False,
                            priority=CHECK_PRIORITY,
                            tags=[CHECK_TAG],
                        )
                        created.append(
                            int(conn.execute(INSERT, insert_values(check, now)).fetchone()["id"])
                        )
                next_at = now + interval_s * rng.uniform(0.8, 1.2)
                conn.execute(
                    "UPDATE accounts SET next_check_at = ? WHERE handle = ?", (next_at, handle)
                )
        return created

    def next_check(self) -> float | None:
        """The earliest time an active account is due for a check."""
        with self.db.read() as conn:
            # An account never checked is due now (0).
            row = conn.execute(
                "SELECT min(coalesce(next_check_at, 0)) AS t FROM accounts WHERE status = 'active'"
            ).fetchone()
        return None if row["t"] is None else float(row["t"])
