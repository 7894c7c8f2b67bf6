"""Withdraw a pending invitation: from the profile's Pending control when it shows one,
else from /mynetwork/invitation-manager/sent/ (the control may sit under More, or a
profile may not show it at all). Verified after: the Pending control or the invitation
is gone.

The sent page answers "not pending" by not listing the invitation, and an empty list is
an answer too, but only once the page has settled (its list may render late, fetched
after the page shell). The invitation is looked for until the first of:
- its card shows -> withdraw it;
- other invitation cards show (the list rendered without it) -> not_pending;
- an explicit empty state shows (LinkedIn's empty-state component, or wording such as
  "No pending invitations", "You have no sent invitations") -> not_pending;
- the page settled without any of these (main rendered, no loader, neither its DOM nor
  the network changed for a second: see linkedin.browser.settle), e.g. a bare empty
  list -> look for the card once more, else not_pending.
If `main` never renders within LIST_TIMEOUT_MS: UI_CHANGED.
"""

from __future__ import annotations

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from linkedin import selectors as S
from linkedin.browser.navigation import (
    goto,
    overlays_dismissed,
    raise_if_blocked,
    wait_unless_blocked,
)
from linkedin.browser.pace import Pace
from linkedin.browser.settle import NetworkActivity, marker_or_settled
from linkedin.touchpoints.connect import DIALOG_TIMEOUT_MS, VERIFY_TIMEOUT_MS, wait_any
from linkedin.touchpoints.connection_status import read_status
from linkedin.touchpoints.context import TouchpointContext
from linkedin.touchpoints.editor import click
from linkedin.touchpoints.errors import ErrorCode, TouchpointError
from linkedin.touchpoints.models import WithdrawInput, WithdrawResult
from linkedin.touchpoints.profile_page import open_profile

SENT_PATH = "/mynetwork/invitation-manager/sent/"
LIST_TIMEOUT_MS = 15_000


async def _confirm_button(page: Page) -> Locator:
    """Wait for the withdraw dialog and return its Withdraw button."""
    dialogs = S.any_of(page, S.DIALOG).filter(visible=True)

    async def appeared() -> bool:
        try:
            await dialogs.first.wait_for(state="visible", timeout=DIALOG_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            return False
        return True

    if not await wait_unless_blocked(page, appeared()):
        await raise_if_blocked(page)
        raise TouchpointError(ErrorCode.UI_CHANGED, "no withdraw dialog appeared")
    dialog = dialogs.last
    button = await S.first_present(dialog, S.WITHDRAW_CONFIRM)
    if button is None:
        # LinkedIn's primary action is the dialog's last button.
        last = dialog.locator("button").last
        if await last.count() == 0:
            raise TouchpointError(ErrorCode.UI_CHANGED, "no Withdraw button in the dialog")
        button = last
    return button


async def _gone(page: Page, locator: Locator, what: str) -> None:
    """Verify that `locator` no longer matches (the withdrawal took effect)."""

    async def vanished() -> bool:
        try:
            await locator.first.wait_for(state="hidden", timeout=VERIFY_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            return False
        return True

    if await wait_unless_blocked(page, vanished()):
        return
    await raise_if_blocked(page)
    toast = await S.first_present(page, S.TOAST_ERROR)
    text = " ".join((await toast.inner_text()).split())[:200] if toast is not None else ""
    raise TouchpointError(
        ErrorCode.UI_CHANGED, f"could not verify the withdrawal: {what} still shown {text}".strip()
    )


async def _confirm(page: Page, pace: Pace, dry_run: bool) -> bool:
    """Locate the dialog's Withdraw; click it unless dry run (then close the dialog)."""
    button = await _confirm_button(page)
    if dry_run:
        await page.keyboard.press("Escape")
        return False
    await pace.pause()
    await click(button, "Withdraw")
    return True


async def _via_profile(
    page: Page, pending: Locator, verify: Locator, pace: Pace, dry_run: bool
) -> bool:
    await pace.pause()
    await click(pending, "Pending")
    if not await _confirm(page, pace, dry_run):
        return False
    await _gone(page, verify, "the Pending control")
    return True


async def _via_sent_page(
    page: Page, base_url: str, public_id: str, pace: Pace, dry_run: bool
) -> bool | None:
    """Withdraw from the sent-invitations page; None when the invitation is not listed."""
    with NetworkActivity(page) as network:
        await goto(page, base_url.rstrip("/") + SENT_PATH)
        markers = {
            "listed": S.any_of(page, S.SENT_INVITATION, public_id=public_id),
            "others": S.any_of(page, S.SENT_ANY_INVITATION),
            "empty": S.any_of(page, S.SENT_EMPTY),
        }
        found = await marker_or_settled(
            wait_any(markers, LIST_TIMEOUT_MS), page, network, timeout_ms=LIST_TIMEOUT_MS
        )
    if found is None:
        await raise_if_blocked(page)
        raise TouchpointError(
            ErrorCode.UI_CHANGED, "the sent invitations page never finished rendering"
        )
    card = await S.first_present(page, S.SENT_INVITATION, public_id=public_id)
    if card is None:
        return None
    button = await S.first_present(card, S.SENT_WITHDRAW)
    if button is None:
        raise TouchpointError(ErrorCode.UI_CHANGED, "no Withdraw button on the invitation")
    await pace.pause()
    async with overlays_dismissed(page):
        await click(button, "Withdraw")
        if not await _confirm(page, pace, dry_run):
            return False
    await _gone(page, S.any_of(page, S.SENT_INVITATION, public_id=public_id), "the invitation")
    return True


async def withdraw(page: Page, touchpoint: WithdrawInput, ctx: TouchpointContext) -> WithdrawResult:
    """Withdraw the invitation sent to the profile's owner (`not_pending` if there is none).

    Dry run: everything up to the dialog's Withdraw button is located (the dialog is
    opened and closed again), nothing is withdrawn.
    """
    base_url, pace, dry_run = ctx.base_url, ctx.pace, ctx.dry_run
    profile = await open_profile(page, touchpoint.profile_url)
    public_id = profile.public_id

    def result(status: str, via: str) -> WithdrawResult:
        return WithdrawResult.model_validate(
            {"status": status, "via": via, "public_identifier": public_id, "dry_run": dry_run}
        )

    async with overlays_dismissed(page):
        try:
            status: str = (await read_status(page, profile))[0]
        except TouchpointError as exc:
            # An unreadable top card does not prove there is no invitation: ask the list.
            if exc.code != ErrorCode.UI_CHANGED:
                raise
            status = "unknown"
        pending = await S.first_present(profile.card, S.PENDING_IN_CARD, name=profile.name)
        if pending is not None:
            verify = S.any_of(profile.card, S.PENDING_IN_CARD, name=profile.name)
            done = await _via_profile(page, pending, verify, pace, dry_run)
            return result("withdrawn" if done else "would_withdraw", "profile")
    if status in ("connected", "self", "incoming_request"):
        return result("not_pending", "none")
    # Pending under More, or not shown at all: the sent-invitations page is the truth.
    done_sent = await _via_sent_page(page, base_url, public_id, pace, dry_run)
    if done_sent is None:
        return result("not_pending", "none")
    return result("withdrawn" if done_sent else "would_withdraw", "sent_invitations")
