"""What the operator page shows, assembled from the services the API uses (no SQL here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openoutreach_server import accounts, runs, schedules
from openoutreach_server.context import ServerContext
from openoutreach_server.hosts import list_hosts
from openoutreach_server.schemas import (
    AccountOut,
    HostOut,
    RunOut,
    RunPage,
    SchedulePage,
    UsageOut,
)
from openoutreach_server.store.records import RunFilter

WINDOWS = ("hour", "day", "week")
# Pending runs looked at to find the one at the front of an account's queue.
_QUEUE_PEEK = 100


@dataclass(frozen=True)
class UsageCell:
    """One touchpoint's use of one window."""

    used: int
    cap: int
    remaining: int


@dataclass(frozen=True)
class UsageRow:
    """One touchpoint: its windows (hour, day, week; None where it has no cap) and its
    cool-down."""

    touchpoint: str
    cells: tuple[UsageCell | None, ...]
    cooldown_until: datetime | None

    @property
    def used(self) -> bool:
        """Anything counted in any window."""
        return any(c is not None and c.used for c in self.cells)

    @property
    def summary(self) -> str:
        """`1/20 h, 3/40 d` (full windows marked)."""
        return ", ".join(
            f"{c.used}/{c.cap} {window[0]}" + (" (full)" if c.remaining == 0 else "")
            for window, c in zip(WINDOWS, self.cells, strict=True)
            if c is not None
        )


@dataclass(frozen=True)
class AccountView:
    """An account with what its operator wants at a glance."""

    account: AccountOut
    usage: UsageOut
    rows: list[UsageRow]
    next_run: RunOut | None
    pending: int
    more_pending: bool


def usage_rows(usage: UsageOut) -> list[UsageRow]:
    """The usage table: one row per touchpoint with caps, windows in order."""
    out = []
    for touchpoint, entry in sorted(usage.touchpoints.items()):
        cells = tuple(
            UsageCell(w.used, w.cap, w.remaining) if (w := entry.windows.get(name)) else None
            for name in WINDOWS
        )
        out.append(UsageRow(touchpoint, cells, entry.cooldown_until))
    return out


def next_run(ctx: ServerContext, handle: str) -> tuple[RunOut | None, int, bool]:
    """The pending run at the front of the account's queue (highest priority, oldest), the
    number of pending runs seen, and whether there are more than that."""
    page = runs.list_page(
        ctx, RunFilter(handle=handle, status="pending"), cursor=None, limit=_QUEUE_PEEK
    )
    front = min(page.items, key=lambda r: (-r.priority, r.run_id), default=None)
    return front, len(page.items), page.next_cursor is not None


def account_view(ctx: ServerContext, account: AccountOut) -> AccountView:
    """Usage, cool-downs and the front of the queue of one account."""
    usage = accounts.usage(ctx, account.handle)
    front, pending, more = next_run(ctx, account.handle)
    return AccountView(account, usage, usage_rows(usage), front, pending, more)


def account_views(ctx: ServerContext) -> list[AccountView]:
    """Every account, by handle."""
    return [account_view(ctx, account) for account in accounts.list_all(ctx)]


def one_account(ctx: ServerContext, handle: str) -> AccountView:
    """One account (NotFound)."""
    return account_view(ctx, accounts.get(ctx, handle))


def recent_runs(ctx: ServerContext, handle: str, limit: int = 10) -> RunPage:
    """The account's latest runs, newest first."""
    return runs.list_page(ctx, RunFilter(handle=handle), cursor=None, limit=limit)


def run_page(ctx: ServerContext, filter_: RunFilter, cursor: int | None, limit: int) -> RunPage:
    """One page of runs, newest first."""
    return runs.list_page(ctx, filter_, cursor=cursor, limit=limit)


def schedule_page(
    ctx: ServerContext, handle: str | None, active: bool | None, cursor: int | None
) -> SchedulePage:
    """One page of schedules, newest first."""
    return schedules.list_page(ctx, handle=handle, active=active, cursor=cursor, limit=50)


def hosts(ctx: ServerContext) -> list[HostOut]:
    """The worker hosts, as GET /hosts shows them."""
    return list_hosts(ctx)
