"""React to a post (or a profile's newest post) with one of LinkedIn's six reactions.

The reactions menu opens only on hover over the post's own "React Like" trigger; the
reaction is picked from that menu (a plain click on the trigger would toggle Like, and
remove a reaction already there). Verified by aria-pressed and the trigger's label.
"""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin import selectors as S
from linkedin.browser.navigation import overlays_dismissed, raise_if_blocked, wait_unless_blocked
from linkedin.touchpoints.connect import wait_any
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.editor import click, hover
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import ReactInput, Reaction, ReactResult
from linkedin.touchpoints.posts import PostOnPage, open_target_post

MENU_TIMEOUT_MS = 3_000
VERIFY_TIMEOUT_MS = 10_000

# The names LinkedIn shows for each reaction (menu buttons, trigger label).
LABELS: dict[str, str] = {
    "LIKE": "Like",
    "CELEBRATE": "Celebrate",
    "SUPPORT": "Support",
    "LOVE": "Love",
    "INSIGHTFUL": "Insightful",
    "FUNNY": "Funny",
}

_PRESSED_JS = """([root, css, word]) => {
  const trigger = root.querySelector(css);
  if (!trigger || trigger.getAttribute('aria-pressed') !== 'true') return false;
  const label = (trigger.getAttribute('aria-label') || '') + ' ' + trigger.innerText;
  return new RegExp('\\\\b' + word + '\\\\b', 'i').test(label);
}"""


async def current_reaction(trigger: Locator) -> str | None:
    """The account's reaction on the post (a key of LABELS), None if not reacted.

    "UNKNOWN" when the trigger is pressed but names no reaction this code knows.
    """
    if await trigger.get_attribute("aria-pressed") != "true":
        return None
    label = f"{await trigger.get_attribute('aria-label') or ''} {await trigger.inner_text()}"
    for key, word in LABELS.items():
        if re.search(rf"\b{word}\b", label, re.IGNORECASE):
            return key
    return "UNKNOWN"


async def _open_menu(page: Page, post: PostOnPage, trigger: Locator, reaction: str) -> Locator:
    """Hover the trigger until the menu shows; return the reaction's button in it."""
    menus = S.any_of(post.container, S.REACTIONS_MENU)
    for attempt in range(2):
        if attempt:
            # Hover menus close when the pointer leaves: move away and come back once.
            await page.mouse.move(0, 0)
        await hover(trigger, "the React button")
        if await wait_any({"menu": menus}, MENU_TIMEOUT_MS) is not None:
            break
    else:
        await raise_if_blocked(page)
        raise TouchpointError(ErrorCode.UI_CHANGED, "the reactions menu did not open on hover")
    menu = menus.filter(visible=True).first
    button = await S.first_present(menu, S.REACTION_BUTTON, type=reaction, label=LABELS[reaction])
    if button is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, f"no {LABELS[reaction]} in the reactions menu")
    return button


async def _verified(page: Page, post: PostOnPage, reaction: str) -> bool:
    handle = await post.container.element_handle()
    if handle is None:
        return False
    css = ", ".join(S.REACT_TRIGGER.variants)
    try:
        await page.wait_for_function(
            _PRESSED_JS, arg=[handle, css, LABELS[reaction]], timeout=VERIFY_TIMEOUT_MS
        )
    except PlaywrightTimeoutError:
        return False
    return True


async def react(page: Page, touchpoint: ReactInput, ctx: TouchpointContext) -> ReactResult:
    """Put `reaction` on the post; already that reaction -> already_reacted, no click.

    Dry run: hovers the trigger and locates the reaction in the menu, but does not click.
    """
    reaction: Reaction = touchpoint.reaction
    post = await open_target_post(
        page, touchpoint.post_url, touchpoint.profile_url, touchpoint.within_days, ctx.base_url
    )
    async with overlays_dismissed(page):
        trigger = await S.first_present(post.container, S.REACT_TRIGGER)
        if trigger is None:
            raise TouchpointError(ErrorCode.UI_CHANGED, "no React button on the post")
        if await current_reaction(trigger) == reaction:
            return ReactResult(
                status="already_reacted",
                post_url=post.url,
                reaction=reaction,
                dry_run=ctx.dry_run,
            )
        await ctx.pace.pause()
        button = await _open_menu(page, post, trigger, reaction)
        if ctx.dry_run:
            await page.mouse.move(0, 0)
            return ReactResult(
                status="would_react", post_url=post.url, reaction=reaction, dry_run=True
            )
        await click(button, LABELS[reaction])
        if not await wait_unless_blocked(page, _verified(page, post, reaction)):
            await raise_if_blocked(page)
            raise TouchpointError(
                ErrorCode.UI_CHANGED, f"the post does not show {LABELS[reaction]} as pressed"
            )
        return ReactResult(status="reacted", post_url=post.url, reaction=reaction)
