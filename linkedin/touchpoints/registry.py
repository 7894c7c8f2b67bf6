"""Every touchpoint, registered once: its input, result, handler, side effect and caps.

The rest of the project derives what it needs from `SPECS` (the types, which change
LinkedIn, the default caps, the dispatch); adding a touchpoint is one row here plus its
input model (in the `Touchpoint` union) and its handler module.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from playwright.async_api import Page
from pydantic import BaseModel

from linkedin.touchpoints import models as m
from linkedin.touchpoints.comment import comment
from linkedin.touchpoints.connect import connect
from linkedin.touchpoints.connection_status import connection_status
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.enrich import enrich
from linkedin.touchpoints.inbox import inbox
from linkedin.touchpoints.inmail import inmail
from linkedin.touchpoints.message import message
from linkedin.touchpoints.react import react
from linkedin.touchpoints.recent_posts import recent_posts
from linkedin.touchpoints.sent_invitations import sent_invitations
from linkedin.touchpoints.visit import visit
from linkedin.touchpoints.withdraw import withdraw

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)


@dataclass(frozen=True)
class Caps:
    """Default caps of one touchpoint per rolling window (SPEC §7); None: no cap there."""

    hour: int | None = None
    day: int | None = None
    week: int | None = None

    def windows(self) -> dict[str, int]:
        """The capped windows only, e.g. {"hour": 20, "day": 40}."""
        caps = {"hour": self.hour, "day": self.day, "week": self.week}
        return {window: cap for window, cap in caps.items() if cap is not None}


@dataclass(frozen=True)
class TouchpointSpec(Generic[In, Out]):
    """One touchpoint type; mypy checks that the handler takes `input` and returns `result`."""

    type: str
    input: builtins.type[In]  # `type` is the field above
    result: builtins.type[Out]
    handler: Callable[[Page, In, TouchpointContext], Awaitable[Out]]
    side_effecting: bool = False
    caps: Caps = field(default_factory=Caps)

    @property
    def summary(self) -> str:
        """One line: the input model's docstring summary (what /docs shows for it too)."""
        return " ".join((self.input.__doc__ or "").split("\n\n")[0].split())

    def __post_init__(self) -> None:
        declared = self.input.model_fields["type"].default
        if declared != self.type:
            raise ValueError(f"{self.input.__name__} declares type {declared!r}, not {self.type!r}")
        if any(cap < 0 for cap in self.caps.windows().values()):
            raise ValueError(f"{self.type}: a cap is negative")


# One table, in the order the API lists the types. Side-effecting touchpoints change
# something on LinkedIn: they run at most once and are never silently re-run. (No
# annotation here: with one, mypy would infer every row as TouchpointSpec[Any, Any] and
# stop checking that a handler takes its input model and returns its result model.)
_TABLE = (
    TouchpointSpec("enrich", m.EnrichInput, m.EnrichResult, enrich, caps=Caps(hour=100)),
    TouchpointSpec("visit", m.VisitInput, m.VisitResult, visit, caps=Caps(hour=100, day=150)),
    TouchpointSpec(
        "connection_status", m.ConnectionStatusInput, m.ConnectionStatusResult, connection_status
    ),
    TouchpointSpec(
        "connect",
        m.ConnectInput,
        m.ConnectResult,
        connect,
        side_effecting=True,
        caps=Caps(hour=20, day=40, week=150),
    ),
    TouchpointSpec("withdraw", m.WithdrawInput, m.WithdrawResult, withdraw, side_effecting=True),
    TouchpointSpec(
        "message",
        m.MessageInput,
        m.MessageResult,
        message,
        side_effecting=True,
        caps=Caps(hour=50, day=100),
    ),
    TouchpointSpec(
        "react",
        m.ReactInput,
        m.ReactResult,
        react,
        side_effecting=True,
        caps=Caps(hour=100, day=150),
    ),
    TouchpointSpec(
        "comment",
        m.CommentInput,
        m.CommentResult,
        comment,
        side_effecting=True,
        caps=Caps(hour=30, day=50),
    ),
    TouchpointSpec(
        "inmail", m.InmailInput, m.InmailResult, inmail, side_effecting=True, caps=Caps(day=30)
    ),
    TouchpointSpec("recent_posts", m.RecentPostsInput, m.RecentPostsResult, recent_posts),
    # Read-only checks behind invitation and reply detection.
    TouchpointSpec(
        "sent_invitations", m.SentInvitationsInput, m.SentInvitationsResult, sent_invitations
    ),
    TouchpointSpec("inbox", m.InboxInput, m.InboxResult, inbox),
)

SPECS: tuple[TouchpointSpec[Any, Any], ...] = _TABLE
BY_TYPE: dict[str, TouchpointSpec[Any, Any]] = {spec.type: spec for spec in SPECS}
if len(BY_TYPE) != len(SPECS):
    raise RuntimeError("a touchpoint type is registered twice")

TOUCHPOINT_TYPES: tuple[str, ...] = tuple(BY_TYPE)
SIDE_EFFECTING: frozenset[str] = frozenset(s.type for s in SPECS if s.side_effecting)
# Default caps per touchpoint and window; a type missing here has no cap.
DEFAULT_CAPS: dict[str, dict[str, int]] = {
    s.type: s.caps.windows() for s in SPECS if s.caps.windows()
}


def spec_for(type_: str) -> TouchpointSpec[Any, Any] | None:
    """The spec of a touchpoint type, None when this build does not know it."""
    return BY_TYPE.get(type_)
