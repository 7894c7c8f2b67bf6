"""The one dispatch decision: which run of an account may start now, and why the others wait.

Pure (state and time passed in), used by the claim inside the store's transaction AND by
`waiting_reason`, so the explanation a client reads can never disagree with what the
executor does. The storage backend only gathers the inputs: the account's state, the front
of its queue (runs due now, in claim order) and, on demand, the start times that count
against a touchpoint's caps.

Rules, in order:
- only `active` accounts run touchpoints; an account that is not active (needs_login,
  checkpoint, restricted, paused) can only run its login run, which no safety rule holds;
- one running run per account;
- account-wide holds: pacing gap, a cool-down of every touchpoint, working hours;
- then the front is walked in claim order (priority, then age): the first run whose own
  holds (its touchpoint's cool-down, then its caps, except for dry runs, which never
  count) let it go is picked. A capped touchpoint never holds back the account's others.
  A run over its cap that asked `on_quota: fail` fails QUOTA_EXCEEDED instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from openoutreach_server import safety
from openoutreach_server.store.records import LOGIN_TYPE

# How far into one account's queue the claim looks for a run that may go (and so how far
# `waiting_reason` can explain). Bounded: the cost of a claim must not grow with a backlog.
FRONT_DEPTH = 20


@dataclass(frozen=True)
class Queued:
    """A pending run at the front of its account's queue (due now)."""

    id: int
    type: str
    priority: int
    on_quota: str = "wait"
    dry_run: bool = False


@dataclass(frozen=True)
class AccountState:
    """What the decision needs to know about one account."""

    handle: str
    status: str
    status_reason: str | None
    running_run: int | None
    safety: safety.AccountSafety
    home_host: str | None = None  # pinned: only a worker on this host may run it
    home_host_live: bool = True  # a worker of home_host was heard of recently


@dataclass
class Plan:
    """The decision for one account at one instant."""

    pick: Queued | None = None
    blocked: str | None = None  # why nothing of this account can start (status, busy)
    account_hold: safety.Hold | None = None
    held: dict[int, safety.Hold] = field(default_factory=dict)
    quota_failed: dict[int, str] = field(default_factory=dict)  # run id -> QUOTA_EXCEEDED reason

    @property
    def wake_at(self) -> float | None:
        """The earliest time a held run of this account may become claimable."""
        times = [h.until for h in (self.account_hold, *self.held.values()) if h and h.until]
        return min(times) if times else None


StartsOf = Callable[[str], Sequence[float]]


def plan_account(
    account: AccountState,
    front: Sequence[Queued],
    starts_of: StartsOf,
    now: float,
    rules: safety.SafetySettings,
) -> Plan:
    """Decide which run of `front` (claim order, due now) may start now, and why not others.

    `starts_of(type)` returns the counted start times of the account's runs of that type
    within the last week (asked only for types with caps in force).
    """
    plan = Plan()
    if account.running_run is not None:
        plan.blocked = f"account busy with run {account.running_run}"
        return plan
    if account.status != "active":
        login = next((run for run in front if run.type == LOGIN_TYPE), None)
        if login is not None and account.status != "disabled":
            plan.pick = login  # logging in is how a blocked account gets going again
        reason = f": {account.status_reason}" if account.status_reason else ""
        plan.blocked = f"account {account.status}{reason}"
        return plan
    state = account.safety
    plan.account_hold = safety.account_hold(state, now, rules)
    if plan.account_hold is not None:
        return plan
    starts: dict[str, Sequence[float]] = {}
    for run in front:
        capped = not run.dry_run and safety.caps_for(state, run.type, now, rules)
        if capped and run.type not in starts:
            starts[run.type] = starts_of(run.type)
        hold = safety.touchpoint_hold(
            state, run.type, now, rules, starts.get(run.type, ()), caps=bool(capped)
        )
        if hold is None:
            plan.pick = run
            return plan
        if run.on_quota == "fail" and hold.reason.startswith("quota"):
            plan.quota_failed[run.id] = hold.reason
            continue
        plan.held[run.id] = hold
    return plan


def _fmt(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def describe_hold(hold: safety.Hold) -> str:
    """A hold as a sentence with its expected end."""
    when = f"; expected to start at {_fmt(hold.until)}" if hold.until else ""
    return f"{hold.reason}{when}"


@dataclass(frozen=True)
class Pending:
    """What `waiting_reason` needs of one pending run."""

    id: int
    type: str
    not_before: float
    error_code: str | None
    attempt: int


def waiting_reason(
    run: Pending,
    account: AccountState | None,
    front: Sequence[Queued],
    plan: Plan | None,
    now: float,
) -> str:
    """Why a pending run has not started, from the same plan the claim follows."""
    if run.not_before > now:
        if run.error_code and run.attempt > 0:
            return f"retry after {run.error_code}: not before {_fmt(run.not_before)}"
        return f"not_before: starts at {_fmt(run.not_before)}"
    if account is None or plan is None:
        return "account does not exist"
    if plan.pick is not None and plan.pick.id == run.id:
        if account.home_host and not account.home_host_live:
            return (
                f"pinned to host {account.home_host}, which has no live worker: it starts when"
                " a worker runs there, or once the account is unpinned or pinned elsewhere"
            )
        if account.home_host:
            return f"ready: waiting for a free session of a worker on host {account.home_host}"
        return "ready: waiting for a free session or a worker"
    if plan.blocked is not None:
        return plan.blocked
    if plan.account_hold is not None:
        return describe_hold(plan.account_hold)
    if run.id in plan.quota_failed:
        return plan.quota_failed[run.id]
    if run.id in plan.held:
        return describe_hold(plan.held[run.id])
    position = next((i for i, queued in enumerate(front) if queued.id == run.id), None)
    if position is None:
        return f"queued behind {len(front)}+ runs of this account"
    ahead = sum(1 for queued in front[:position] if queued.id not in plan.held)
    return f"queued behind {ahead} run(s) of this account"
