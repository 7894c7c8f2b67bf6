"""Comment on a post (or a profile's newest post); the text arrives exactly as given."""

from __future__ import annotations

from playwright.async_api import Locator, Page

from linkedin import selectors as S
from linkedin.browser.navigation import overlays_dismissed, raise_if_blocked, wait_unless_blocked
from linkedin.touchpoints.connect import wait_any
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.disabled_send import require_enabled
from linkedin.touchpoints.editor import (
    clear_editor,
    click,
    count_texts,
    require_visible_text,
    type_into_editor,
    wait_text_added,
)
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import CommentInput, CommentResult, check_exact_text
from linkedin.touchpoints.posts import PostOnPage, open_target_post

BOX_TIMEOUT_MS = 10_000
VERIFY_TIMEOUT_MS = 15_000


async def _comment_editor(post: PostOnPage) -> Locator:
    """The post's comment editor, opening the comment box first if it is closed."""
    editor = await S.first_present(post.container, S.COMMENT_EDITOR)
    if editor is not None:
        return editor
    button = await S.first_present(post.container, S.COMMENT_BUTTON)
    if button is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, "no Comment button on the post")
    await click(button, "Comment")
    found = await wait_any({"editor": S.any_of(post.container, S.COMMENT_EDITOR)}, BOX_TIMEOUT_MS)
    editor = await S.first_present(post.container, S.COMMENT_EDITOR) if found else None
    if editor is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, "the comment box did not open")
    return editor


async def comment(page: Page, touchpoint: CommentInput, ctx: TouchpointContext) -> CommentResult:
    """Post the comment and verify it shows under the post.

    Dry run: opens the box and types the text, then clears it instead of posting.
    """
    text = touchpoint.text
    try:
        check_exact_text(text, 1250)
    except ValueError as exc:
        raise TouchpointError(ErrorCode.INVALID_INPUT, f"text {exc}", retryable=False) from exc
    require_visible_text(text, "text")
    post = await open_target_post(
        page, touchpoint.post_url, touchpoint.profile_url, touchpoint.within_days, ctx.base_url
    )
    async with overlays_dismissed(page):
        await ctx.pace.pause()
        editor = await _comment_editor(post)
        before = await count_texts(post.container, S.COMMENT_BODY_CSS, text)
        await type_into_editor(editor, text, ctx.pace)
        submit = await S.first_present(post.container, S.COMMENT_SUBMIT)
        if submit is None:
            raise TouchpointError(ErrorCode.UI_CHANGED, "no submit button in the comment box")
        # A Post button that stays disabled says why (too long...); it is never clicked.
        await require_enabled(submit, "Post")
        if ctx.dry_run:
            await clear_editor(editor)
            return CommentResult(status="would_comment", post_url=post.url, dry_run=True)
        await ctx.pace.pause()
        await click(submit, "Post (comment)")
        shown = await wait_unless_blocked(
            page,
            wait_text_added(
                page,
                post.container,
                S.COMMENT_BODY_CSS,
                text,
                before,
                VERIFY_TIMEOUT_MS,
                fail_css=", ".join(S.TOAST_ERROR.variants),
            ),
        )
        if not shown:
            await raise_if_blocked(page)
            toast = await S.first_present(page, S.TOAST_ERROR)
            detail = f": {' '.join((await toast.inner_text()).split())[:200]}" if toast else ""
            raise TouchpointError(
                ErrorCode.UI_CHANGED, f"the comment did not appear under the post{detail}"
            )
        return CommentResult(status="commented", post_url=post.url)
