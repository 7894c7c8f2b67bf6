"""List a profile's recent posts from /in/<id>/recent-activity/all/, newest first."""

from __future__ import annotations

from playwright.async_api import Page

from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.models import RecentPostsInput, RecentPostsResult
from linkedin.touchpoints.posts import recent_posts_of


async def recent_posts(
    page: Page, touchpoint: RecentPostsInput, ctx: TouchpointContext
) -> RecentPostsResult:
    """Posts within `within_days` (age from LinkedIn's relative dates), at most `limit`.

    Read-only: a dry run reads too.
    """
    public_id, posts = await recent_posts_of(
        page, touchpoint.profile_url, ctx.base_url, touchpoint.within_days, touchpoint.limit
    )
    return RecentPostsResult(public_identifier=public_id, posts=posts)
