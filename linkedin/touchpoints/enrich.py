"""Read a profile through LinkedIn's own Voyager API, inside the account's signed-in page."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import Page

from linkedin.browser.navigation import goto
from linkedin.browser.page_state import PageState, classify_url
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.models import EnrichInput, EnrichResult
from linkedin.voyager import fetch_profile


async def ensure_on_linkedin(page: Page, base_url: str) -> None:
    """Make sure the page is a signed-in LinkedIn page on the base host (else open the feed).

    The feed, not the profile: enrich reads quietly, without adding a profile view.
    """
    here, base = urlsplit(page.url), urlsplit(base_url)
    same_host = here.netloc.lower() == base.netloc.lower() and here.scheme == base.scheme
    if same_host and classify_url(page.url) in (PageState.FEED, PageState.PROFILE):
        return
    await goto(page, base_url.rstrip("/") + "/feed/")


async def enrich(page: Page, touchpoint: EnrichInput, ctx: TouchpointContext) -> EnrichResult:
    """Fetch the full profile (name, headline, location, urn, positions, educations, degree).

    Raises SESSION_EXPIRED (401), PROFILE_NOT_FOUND (403/404), RATE_LIMITED, CHECKPOINT or
    ACCOUNT_RESTRICTED. Read-only: a dry run does the same.
    """
    await ensure_on_linkedin(page, ctx.base_url)
    return await fetch_profile(page, touchpoint.target_id())
