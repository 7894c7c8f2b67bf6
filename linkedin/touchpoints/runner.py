"""Run one touchpoint in a page: dispatch by type, enforce the host, set dry-run."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Page

from linkedin.browser.pace import Pace
from linkedin.touchpoints.connect import connect
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import (
    ConnectInput,
    ConnectResult,
    VisitInput,
    VisitResult,
    check_linkedin_url,
)
from linkedin.touchpoints.visit import visit


@dataclass
class TouchpointContext:
    """What a touchpoint needs besides its input: the LinkedIn host, pacing, dry-run."""

    base_url: str
    pace: Pace
    dry_run: bool = False


async def run_touchpoint(
    page: Page, touchpoint: VisitInput | ConnectInput, ctx: TouchpointContext
) -> VisitResult | ConnectResult:
    """Execute a touchpoint; raises TouchpointError for failures a user can act on."""
    try:
        check_linkedin_url(touchpoint.profile_url, ctx.base_url)
    except ValueError as exc:
        raise TouchpointError(
            ErrorCode.INVALID_INPUT, f"profile_url {exc}", retryable=False
        ) from exc
    if isinstance(touchpoint, VisitInput):
        return await visit(page, touchpoint, ctx.pace, dry_run=ctx.dry_run)
    if isinstance(touchpoint, ConnectInput):
        return await connect(page, touchpoint, ctx.pace, dry_run=ctx.dry_run)
    raise TouchpointError(
        ErrorCode.INVALID_INPUT,
        f"unsupported touchpoint {type(touchpoint).__name__}",
        retryable=False,
    )
