"""Typed Python client of openoutreach-server, sync (`Client`) and async (`AsyncClient`).

It talks to the server only over HTTP and never imports it. Touchpoints are the server's own
input models (`ConnectInput`, `VisitInput`, ...), re-exported here; plain dicts work too.
"""

from linkedin.touchpoints.models import (
    AnyTouchpoint,
    CommentInput,
    ConnectInput,
    ConnectionStatusInput,
    EnrichInput,
    InmailInput,
    MessageInput,
    ReactInput,
    RecentPostsInput,
    VisitInput,
    WithdrawInput,
)
from openoutreach_client.call import UNSET, Call
from openoutreach_client.client import AsyncClient, Client
from openoutreach_client.errors import (
    ApiError,
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    OpenOutreachError,
    PayloadTooLarge,
    RunFailed,
    ServerError,
    Unauthorized,
    WaitTimeout,
)
from openoutreach_client.keys import idempotency_key
from openoutreach_client.models import (
    Account,
    CanceledRuns,
    ErrorCode,
    Event,
    EventPage,
    Health,
    LoginResult,
    Page,
    Run,
    Schedule,
    TouchpointUsage,
    Usage,
    WindowUsage,
)
from openoutreach_client.waiting import LongPollWaiter, Pause, Waiter

__all__ = [
    "UNSET",
    "Account",
    "AnyTouchpoint",
    "ApiError",
    "AsyncClient",
    "Call",
    "CanceledRuns",
    "Client",
    "CommentInput",
    "Conflict",
    "ConnectInput",
    "ConnectionStatusInput",
    "EnrichInput",
    "ErrorCode",
    "Event",
    "EventPage",
    "FieldError",
    "Health",
    "InmailInput",
    "InvalidInput",
    "LoginResult",
    "LongPollWaiter",
    "MessageInput",
    "NotFound",
    "OpenOutreachError",
    "Page",
    "Pause",
    "PayloadTooLarge",
    "ReactInput",
    "RecentPostsInput",
    "Run",
    "RunFailed",
    "Schedule",
    "ServerError",
    "TouchpointUsage",
    "Unauthorized",
    "Usage",
    "VisitInput",
    "WaitTimeout",
    "Waiter",
    "WindowUsage",
    "WithdrawInput",
    "idempotency_key",
]
