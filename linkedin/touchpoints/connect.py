"""Send an invitation from the profile owner's top card, never from anywhere else.

Order: look (already pending or connected?), find Connect in the top card or the More
menu, click, then handle whatever LinkedIn shows (gate dialog, note dialog, instant send,
weekly limit, email required) and verify the effect before reporting "sent".
"""

from __future__ import annotations

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin import selectors as S
from linkedin.browser.navigation import (
    overlays_dismissed,
    raise_if_blocked,
    wait_unless_blocked,
)
from linkedin.browser.pace import Pace
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.disabled_send import require_enabled
from linkedin.touchpoints.editor import click
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import ConnectInput, ConnectResult
from linkedin.touchpoints.profile_page import ProfilePage, open_profile, read_degree

ACTIONS_TIMEOUT_MS = 10_000
MENU_TIMEOUT_MS = 5_000
DIALOG_TIMEOUT_MS = 10_000
VERIFY_TIMEOUT_MS = 15_000


async def wait_any(locators: dict[str, Locator], timeout_ms: int) -> str | None:
    """Wait until one of the locators has a visible match; return its key (first wins)."""
    keys = list(locators)
    union = locators[keys[0]]
    for key in keys[1:]:
        union = union.or_(locators[key])
    try:
        await union.filter(visible=True).first.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        return None
    for key in keys:
        if await locators[key].filter(visible=True).count() > 0:
            return key
    return None


def _result(
    profile: ProfilePage, status: str, *, note_sent: bool = False, dry_run: bool = False
) -> ConnectResult:
    return ConnectResult.model_validate(
        {
            "status": status,
            "final_url": profile.final_url,
            "public_identifier": profile.public_id,
            "note_sent": note_sent,
            "dry_run": dry_run,
        }
    )


def _utf16_len(text: str) -> int:
    # maxlength on a textarea counts UTF-16 code units: an emoji takes two.
    return len(text.encode("utf-16-le")) // 2


async def _close_menu(page: Page) -> None:
    await page.keyboard.press("Escape")


async def _find_connect(page: Page, profile: ProfilePage) -> tuple[str, Locator | None]:
    """Return ("connect", button), ("pending", None) or ("connected", None)."""
    card, name = profile.card, profile.name
    # LinkedIn renders the actions after the card; wait for any of them.
    await wait_any(
        {
            "connect": S.any_of(card, S.CONNECT_IN_CARD, name=name, public_id=profile.public_id),
            "pending": S.any_of(card, S.PENDING_IN_CARD, name=name),
            "message": S.any_of(card, S.MESSAGE_IN_CARD),
            "more": S.any_of(card, S.MORE_IN_CARD),
            "self": S.any_of(card, S.SELF_MARKER),
        },
        ACTIONS_TIMEOUT_MS,
    )
    if await S.first_present(card, S.PENDING_IN_CARD, name=name) is not None:
        return "pending", None
    degree = await read_degree(profile.card)
    if degree == "self":
        raise TouchpointError(
            ErrorCode.INVALID_INPUT, "this is the account's own profile", retryable=False
        )
    if degree == "1st":
        return "connected", None
    button = await S.first_present(card, S.CONNECT_IN_CARD, name=name, public_id=profile.public_id)
    if button is not None:
        return "connect", button
    more = await S.first_present(card, S.MORE_IN_CARD)
    if more is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, "no Connect and no More button in the top card")
    await click(more, "More actions")
    found = await wait_any(
        {
            "connect": S.any_of(page, S.CONNECT_IN_MENU, name=name),
            "pending": S.any_of(page, S.PENDING_IN_MENU, name=name),
        },
        MENU_TIMEOUT_MS,
    )
    if found == "connect":
        return "connect", await S.first_present(page, S.CONNECT_IN_MENU, name=name)
    menu_open = await page.locator('[role="menu"]').filter(visible=True).count() > 0
    await _close_menu(page)
    if found == "pending":
        return "pending", None
    if menu_open:
        raise TouchpointError(
            ErrorCode.NOT_AVAILABLE,
            "this profile offers no Connect action (follow only?)",
            retryable=False,
        )
    raise TouchpointError(ErrorCode.UI_CHANGED, "the More menu did not open")


def _outcomes(page: Page, profile: ProfilePage) -> dict[str, Locator]:
    name = profile.name
    return {
        "weekly_limit": S.any_of(page, S.WEEKLY_LIMIT),
        "email_required": S.any_of(page, S.EMAIL_REQUIRED),
        "upsell": S.any_of(page, S.PREMIUM_UPSELL),
        "error": S.any_of(page, S.TOAST_ERROR),
        "pending": S.any_of(profile.card, S.PENDING_IN_CARD, name=name),
        "sent": S.any_of(page, S.TOAST_SUCCESS),
        "note": page.locator(S.DIALOG.variants[0]).locator(S.NOTE_FIELD.variants[0]),
        "dialog": S.any_of(page, S.DIALOG),
    }


async def _raise_blocker(page: Page, outcome: str | None) -> None:
    if outcome == "weekly_limit":
        raise TouchpointError(
            ErrorCode.WEEKLY_INVITE_LIMIT, "LinkedIn says the weekly invitation limit is reached"
        )
    if outcome == "email_required":
        await page.keyboard.press("Escape")
        raise TouchpointError(
            ErrorCode.EMAIL_REQUIRED,
            "LinkedIn asks for the member's email address to connect",
            retryable=False,
        )
    if outcome == "error":
        toast = await S.first_present(page, S.TOAST_ERROR)
        text = " ".join((await toast.inner_text()).split()) if toast is not None else ""
        raise TouchpointError(ErrorCode.UI_CHANGED, f"LinkedIn showed an error: {text[:200]}")


async def _fill_note(page: Page, dialog: Locator, note: str, pace: Pace) -> Locator:
    """Open the note box if needed, type the note exactly; return the dialog holding it."""
    if await S.first_present(dialog, S.NOTE_FIELD) is None:
        add = await S.first_present(dialog, S.ADD_NOTE)
        if add is None:
            raise TouchpointError(ErrorCode.UI_CHANGED, "no 'Add a note' button in the dialog")
        await pace.pause()
        await click(add, "Add a note")
    # The note box may open in the same dialog or in a new one (2026 gate dialog).
    dialogs = S.any_of(page, S.DIALOG)
    found = await wait_any(
        {
            "upsell": S.any_of(page, S.PREMIUM_UPSELL),
            "weekly_limit": S.any_of(page, S.WEEKLY_LIMIT),
            "note": dialogs.locator(S.NOTE_FIELD.variants[0]).or_(
                dialogs.locator(S.NOTE_FIELD.variants[1])
            ),
        },
        DIALOG_TIMEOUT_MS,
    )
    await _raise_blocker(page, found)
    if found == "upsell":
        await page.keyboard.press("Escape")
        raise TouchpointError(
            ErrorCode.NOT_AVAILABLE,
            "no personalised invitations left (a Premium upsell replaced the note box)",
            retryable=False,
        )
    if found != "note":
        raise TouchpointError(ErrorCode.UI_CHANGED, "the note box did not appear")
    holder = S.any_of(page, S.DIALOG).filter(visible=True).last
    field = await S.first_present(holder, S.NOTE_FIELD)
    if field is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, "the note box did not appear")
    limit = await field.get_attribute("maxlength")
    if limit and limit.isdigit() and _utf16_len(note) > int(limit):
        await page.keyboard.press("Escape")
        raise TouchpointError(
            ErrorCode.INVALID_INPUT,
            f"note is longer than LinkedIn's note box allows ({limit} UTF-16 units)",
            retryable=False,
        )
    await pace.type_text(field, note)
    if await field.input_value() != note:
        raise TouchpointError(ErrorCode.UI_CHANGED, "the note box did not keep the note exactly")
    return holder


async def _send_button(dialog: Locator, *, with_note: bool) -> Locator:
    if not with_note:
        bare = await S.first_present(dialog, S.SEND_WITHOUT_NOTE)
        if bare is not None:
            return bare
    button = await S.first_present(dialog, S.SEND_WITH_NOTE)
    if button is not None:
        return button
    # LinkedIn's primary action is the dialog's last button.
    last = dialog.locator("button").last
    if await last.count() == 0:
        raise TouchpointError(ErrorCode.UI_CHANGED, "no send button in the invitation dialog")
    return last


async def connect(page: Page, touchpoint: ConnectInput, ctx: TouchpointContext) -> ConnectResult:
    """Invite the profile's owner, with the note exactly as given.

    Dry run: everything is checked and Connect located, but Connect is not clicked,
    because on some profiles that click alone sends the invitation. An empty note is
    treated as no note.
    """
    pace, dry_run = ctx.pace, ctx.dry_run
    # An empty note and no note look the same on LinkedIn; the gate dialog refuses "".
    note = touchpoint.note or None
    if note is not None and "\r" in note:
        # A textarea turns CR and CRLF into LF: the note could not arrive byte for byte.
        raise TouchpointError(
            ErrorCode.INVALID_INPUT, "note contains carriage returns (\\r)", retryable=False
        )
    profile = await open_profile(page, touchpoint.profile_url)
    async with overlays_dismissed(page):
        state, button = await _find_connect(page, profile)
        if state == "pending":
            return _result(profile, "already_pending", dry_run=dry_run)
        if state == "connected":
            return _result(profile, "already_connected", dry_run=dry_run)
        assert button is not None
        if dry_run:
            if await page.locator('[role="menu"]').filter(visible=True).count() > 0:
                await _close_menu(page)
            return _result(profile, "would_send", note_sent=note is not None, dry_run=True)
        await pace.pause()
        await click(button, "Connect")
        # LinkedIn may answer a click by sending the tab to a checkpoint or restriction page.
        outcome = await wait_unless_blocked(
            page, wait_any(_outcomes(page, profile), DIALOG_TIMEOUT_MS)
        )
        await _raise_blocker(page, outcome)
        if outcome in ("pending", "sent"):
            # Sent on click, no dialog: a note could not be attached.
            return _result(profile, "sent", note_sent=False)
        if outcome not in ("dialog", "note"):
            await raise_if_blocked(page)
            raise TouchpointError(ErrorCode.UI_CHANGED, "nothing happened after clicking Connect")
        dialog = S.any_of(page, S.DIALOG).filter(visible=True).last
        if note is not None:
            dialog = await _fill_note(page, dialog, note, pace)
        send = await _send_button(dialog, with_note=note is not None)
        await require_enabled(send, "Send", scope=dialog)
        await pace.pause()
        await click(send, "Send")
        outcomes = _outcomes(page, profile)
        for transient in ("dialog", "note", "upsell"):
            outcomes.pop(transient)
        outcome = await wait_unless_blocked(page, wait_any(outcomes, VERIFY_TIMEOUT_MS))
        await _raise_blocker(page, outcome)
        if outcome not in ("pending", "sent"):
            await raise_if_blocked(page)
            raise TouchpointError(
                ErrorCode.UI_CHANGED, "could not verify that the invitation was sent"
            )
        return _result(profile, "sent", note_sent=note is not None)
