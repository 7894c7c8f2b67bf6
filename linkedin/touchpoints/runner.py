"""Run one touchpoint in a page: dispatch by type, enforce the host, set dry-run."""

from __future__ import annotations

from playwright.async_api import Page
from pydantic import BaseModel

from linkedin.browser.host_guard import stay_on_host
from linkedin.touchpoints.context import TouchpointContext as TouchpointContext
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import AnyTouchpoint, check_linkedin_url
from linkedin.touchpoints.registry import TOUCHPOINT_TYPES, spec_for


def supported_types() -> frozenset[str]:
    """Touchpoint types this build can perform; the API refuses the others."""
    return frozenset(TOUCHPOINT_TYPES)


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
    spec = spec_for(touchpoint.type)
    if spec is None:
        raise TouchpointError(
            ErrorCode.INVALID_INPUT,
            f"touchpoint {touchpoint.type!r} is not supported by this build",
            retryable=False,
        )
    result: BaseModel = await spec.handler(page, touchpoint, ctx)
    return result
