"""Run one touchpoint in a page: dispatch by type, enforce the host, set dry-run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page
from pydantic import BaseModel

from linkedin.browser.host_guard import stay_on_host
from linkedin.browser.pace import Pace
from linkedin.touchpoints.comment import comment
from linkedin.touchpoints.connect import connect
from linkedin.touchpoints.connection_status import connection_status
from linkedin.touchpoints.enrich import enrich
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.inbox import inbox
from linkedin.touchpoints.inmail import inmail
from linkedin.touchpoints.message import message
from linkedin.touchpoints.models import AnyTouchpoint, check_linkedin_url
from linkedin.touchpoints.react import react
from linkedin.touchpoints.recent_posts import recent_posts
from linkedin.touchpoints.sent_invitations import sent_invitations
from linkedin.touchpoints.visit import visit
from linkedin.touchpoints.withdraw import withdraw


@dataclass
class TouchpointContext:
    """What a touchpoint needs besides its input: the LinkedIn host, pacing, dry-run."""

    base_url: str
    pace: Pace
    dry_run: bool = False


Handler = Callable[[Page, Any, TouchpointContext], Awaitable[BaseModel]]

# One entry per implemented touchpoint type; the API refuses types missing here.
HANDLERS: dict[str, Handler] = {
    "visit": lambda page, tp, ctx: visit(page, tp, ctx.pace, dry_run=ctx.dry_run),
    "connect": lambda page, tp, ctx: connect(page, tp, ctx.pace, dry_run=ctx.dry_run),
    "enrich": lambda page, tp, ctx: enrich(page, tp, ctx.base_url),
    "connection_status": lambda page, tp, ctx: connection_status(page, tp),
    "withdraw": lambda page, tp, ctx: withdraw(
        page, tp, ctx.base_url, ctx.pace, dry_run=ctx.dry_run
    ),
    "message": message,
    "react": react,
    "comment": comment,
    "recent_posts": recent_posts,
    "inmail": inmail,
    # Read-only checks behind invitation and reply detection.
    "sent_invitations": lambda page, tp, ctx: sent_invitations(page, tp, ctx.base_url, ctx.pace),
    "inbox": inbox,
}


def supported_types() -> frozenset[str]:
    """Touchpoint types this build can perform."""
    return frozenset(HANDLERS)


async def run_touchpoint(
    page: Page, touchpoint: AnyTouchpoint, ctx: TouchpointContext
) -> BaseModel:
    """Execute a touchpoint; raises TouchpointError for failures a user can act on."""
    stay_on_host(page.context, ctx.base_url)  # every check after a navigation or click
    for field, url in touchpoint.linkedin_urls().items():
        try:
            check_linkedin_url(url, ctx.base_url)
        except ValueError as exc:
            raise TouchpointError(
                ErrorCode.INVALID_INPUT, f"{field} {exc}", retryable=False
            ) from exc
    handler = HANDLERS.get(touchpoint.type)
    if handler is None:
        raise TouchpointError(
            ErrorCode.INVALID_INPUT,
            f"touchpoint {touchpoint.type!r} is not supported by this build",
            retryable=False,
        )
    return await handler(page, touchpoint, ctx)
