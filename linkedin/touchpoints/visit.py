"""Visit a profile like a person: open it, dwell, scroll, report where it lives."""

from __future__ import annotations

from playwright.async_api import Page

from linkedin.browser.navigation import raise_if_blocked
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.models import VisitInput, VisitResult
from linkedin.touchpoints.profile_page import open_profile, read_degree


async def visit(page: Page, touchpoint: VisitInput, ctx: TouchpointContext) -> VisitResult:
    """Open the profile, dwell (and scroll) within `dwell_s`, report final URL and degree.

    A visit has no final click, so a dry run visits too (and says so in the result).
    """
    pace = ctx.pace
    profile = await open_profile(page, touchpoint.profile_url)
    degree = await read_degree(profile.card)
    low, high = touchpoint.dwell_s
    if touchpoint.scroll:
        # Read a little, scroll, read the rest: the dwell range covers all of it.
        await pace.dwell(low / 2, high / 2)
        await pace.scroll(page)
        await pace.dwell(low / 2, high / 2)
    else:
        await pace.dwell(low, high)
    # While the visitor dwelt, LinkedIn may have sent the tab to a checkpoint or a notice.
    await raise_if_blocked(page)
    return VisitResult(
        final_url=profile.final_url,
        public_identifier=profile.public_id,
        degree=degree,
        dry_run=ctx.dry_run,
    )
