"""The account status machine, written down once: which transitions exist, and who makes them.

Statuses: `active` (runs), `needs_login` (no valid session), `checkpoint` (LinkedIn asks for
verification), `restricted` (LinkedIn restricted it), `paused` (by the operator or the
circuit breaker), `disabled` (nothing happens to it any more).

"session" below = active, needs_login, checkpoint, restricted.

| event | by | from | to |
|---|---|---|---|
| `login_ok` | a login run | session | active |
| `session_lost` (SESSION_EXPIRED, AUTH_FAILED) | a run | session | needs_login |
| `checkpoint` (CHECKPOINT) | a run | session | checkpoint |
| `restricted` (ACCOUNT_RESTRICTED) | a run | session | restricted |
| `breaker` (failures in a row) | the executor | active | paused |
| `credentials_changed` | the operator (PATCH) | active, needs_login, checkpoint | needs_login |
| `pause` | the operator | any but disabled | paused |
| `resume` | the operator | paused | the status it had before the pause |

While paused, what a run learns about the session is remembered as the status to resume to
(`paused_from`): a paused account that logs in resumes `active`, one whose session expired
resumes `needs_login`. So resume never lifts an account to `active` by default. A
`disabled` account never changes; anything not in the table leaves the status as it is,
except `resume` outside `paused`, which is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from linkedin.touchpoints.errors import ErrorCode
from openoutreach_server.errors import Conflict

Status = Literal["active", "needs_login", "checkpoint", "paused", "restricted", "disabled"]
Event = Literal[
    "login_ok",
    "session_lost",
    "checkpoint",
    "restricted",
    "breaker",
    "credentials_changed",
    "pause",
    "resume",
]

# Run error codes that change the account (SPEC §4), and the event each one is.
EVENT_ON_ERROR: dict[str, Event] = {
    ErrorCode.CHECKPOINT: "checkpoint",
    ErrorCode.SESSION_EXPIRED: "session_lost",
    ErrorCode.AUTH_FAILED: "session_lost",
    ErrorCode.ACCOUNT_RESTRICTED: "restricted",
}

_SESSION_STATES: frozenset[str] = frozenset({"active", "needs_login", "checkpoint", "restricted"})
_TARGET: dict[Event, tuple[frozenset[str], Status]] = {
    "login_ok": (_SESSION_STATES, "active"),
    "session_lost": (_SESSION_STATES, "needs_login"),
    "checkpoint": (_SESSION_STATES, "checkpoint"),
    "restricted": (_SESSION_STATES, "restricted"),
    "credentials_changed": (frozenset({"active", "needs_login", "checkpoint"}), "needs_login"),
}


@dataclass(frozen=True)
class State:
    """An account's status, why, and (while paused) what to resume to."""

    status: str
    reason: str | None = None
    paused_from: str | None = None
    paused_from_reason: str | None = None


def transition(state: State, event: Event, reason: str | None = None) -> State:
    """The state after `event`; raises Conflict for a resume of an account not paused."""
    if state.status == "disabled":
        return state
    if event == "pause":
        if state.status == "paused":
            return State(
                "paused", reason or state.reason, state.paused_from, state.paused_from_reason
            )
        return State("paused", reason, state.status, state.reason)
    if event == "resume":
        if state.status != "paused":
            raise Conflict(f"the account is {state.status}, not paused")
        back = state.paused_from or "needs_login"
        return State(back, state.paused_from_reason if back != "active" else None)
    if event == "breaker":
        if state.status != "active":
            return state
        return State("paused", reason, "active", None)
    sources, target = _TARGET[event]
    if state.status == "paused":
        # Remember what the session now allows; the operator's pause stays in force.
        if state.paused_from in sources:
            return State("paused", state.reason, target, None if target == "active" else reason)
        return state
    if state.status not in sources:
        return state
    return State(target, None if target == "active" else reason)


def error_event(code: str | None) -> Event | None:
    """The account event a run's error code stands for, if any."""
    return EVENT_ON_ERROR.get(code or "")
