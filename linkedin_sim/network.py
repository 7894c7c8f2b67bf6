"""My Network in the simulator: sent invitations, withdrawing, and the restriction notice."""

from __future__ import annotations

import asyncio
import secrets
from html import escape
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from linkedin_sim.pages import NETWORK_JS, layout
from linkedin_sim.state import Account, SimState
from linkedin_sim.voyager import csrf_ok

router = APIRouter()

SENT_PATH = "/mynetwork/invitation-manager/sent/"
# LinkedIn's page-instance header tells which page an action came from.
PAGE_SENT = "urn:li:page:d_flagship3_people_invitations"


def _sim(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


def _account(request: Request) -> Account | None:
    return _sim(request).account_by_li_at(request.cookies.get("li_at"))


def restriction_page() -> str:
    """The notice LinkedIn shows a restricted account, under a /checkpoint/ challenge URL."""
    body = """
<main class="app__content" id="main"><section class="artdeco-card">
 <h1>Your account has been temporarily restricted</h1>
 <p>We've restricted your account because we noticed activity that goes against our User
 Agreement. To continue, please verify your identity.</p>
 <a class="artdeco-button artdeco-button--primary"
  href="/help/linkedin/answer/a1340522">Learn more</a>
</section></main>"""
    return layout("Account restricted | LinkedIn", body)


def restriction_redirect(sim: SimState) -> Response:
    """A 302 to a fresh restriction notice URL."""
    return Response(
        status_code=302, headers={"location": f"/checkpoint/challenge/{sim.restriction_token()}/"}
    )


def _cards(account: Account, sim: SimState) -> list[str]:
    """One card per pending invitation of the account, each with its own Withdraw."""
    cards = []
    for profile in list(sim.profiles.values()):
        if profile.public_id == account.public_id:
            continue
        if sim.relationship(account.username, profile.public_id) != "pending":
            continue
        name, urn = escape(profile.name), escape(profile.urn)
        cards.append(
            f"""<li class="invitation-card artdeco-list__item" data-sim-invitee="{urn}">
  <a class="invitation-card__link app-aware-link" href="/in/{escape(profile.public_id)}/">
   <span class="invitation-card__title">{name}</span></a>
  <p class="invitation-card__subtitle">{escape(profile.headline)}</p>
  <time class="time-badge">Sent 2 days ago</time>
  <button class="artdeco-button artdeco-button--muted artdeco-button--tertiary"
    aria-label="Withdraw invitation sent to {name}" data-sim-withdraw="{urn}"
    data-sim-name="{name}">Withdraw</button>
 </li>"""
        )
    return cards


def sent_listing(account: Account, sim: SimState) -> str:
    """The list of sent invitations, or how the account's page variant says there are none."""
    cards = _cards(account, sim)
    variant = account.sent_page
    if variant == "bare":
        # No list class, no empty state: an empty list is just an empty <ul>.
        return f'<ul role="list">{"".join(cards)}</ul>'
    if cards:
        return f'<ul class="mn-invitation-list artdeco-list">{"".join(cards)}</ul>'
    return _empty_listing(variant)


def _empty_listing(variant: str) -> str:
    if variant == "bare":
        return '<ul role="list"></ul>'
    if variant == "no_pending":
        return '<div class="mn-invitations-empty"><p class="t-16">No pending invitations</p></div>'
    if variant == "no_sent":
        return (
            '<section class="invitation-manager__empty"><h3>You have no sent invitations</h3>'
            "<p>Invitations you send will appear here.</p></section>"
        )
    return '<div class="artdeco-empty-state"><h2>No sent invitations</h2></div>'


# The late variant: the page shell shows a loader, then fetches the list (a moment after
# load) and puts it in place of the loader.
_LATE_JS = """(function () {
  const box = document.querySelector('[data-sim-sent-list]');
  setTimeout(async () => {
    const url = '/voyager/api/relationships/sentInvitationViewsV2';
    const res = await fetch(url, {credentials: 'include'});
    const data = await res.json();
    box.innerHTML = data.html;
    box.removeAttribute('aria-busy');
    const count = document.querySelector('[data-sim-sent-count]');
    if (count) count.textContent = 'People (' + data.count + ')';
  }, 300);
})();"""


def sent_page(account: Account, sim: SimState) -> str:
    """Sent invitations, one card per pending invitation, each with its own Withdraw."""
    late = account.sent_page_late_ms > 0
    count = "People" if late else f"People ({len(_cards(account, sim))})"
    # While loading, the shell shows its loader next to the empty state it renders by
    # default (as SPAs do before their data arrives): neither is the answer yet.
    loader = (
        '<div class="artdeco-loader" role="progressbar" aria-label="Loading invitations"></div>'
    )
    listing = loader + _empty_listing(account.sent_page) if late else sent_listing(account, sim)
    # The newer layouts (every variant but classic) title the page with an <h2>.
    heading = (
        "<h1>Manage invitations</h1>"
        if account.sent_page == "classic"
        else '<header class="mn-invitation-manager__header"><h2>Manage invitations</h2></header>'
    )
    body = f"""
<div class="scaffold scaffold-layout">
 <main class="scaffold-layout__main" id="main" aria-label="Manage invitations">
  <section class="artdeco-card mn-invitation-manager">
   {heading}
   <nav aria-label="Invitation type">
    <a href="/mynetwork/invitation-manager/">Received</a>
    <a href="{SENT_PATH}" aria-current="page">Sent</a></nav>
   <h2 data-sim-sent-count>{count}</h2>
   <div data-sim-sent-list{' aria-busy="true"' if late else ""}>{listing}</div>
  </section>
 </main>
</div>
<div class="artdeco-toasts_toasts" aria-live="polite"></div>"""
    script = f"<script>{NETWORK_JS}</script>" + (f"<script>{_LATE_JS}</script>" if late else "")
    return layout("Manage invitations | LinkedIn", body, account=account, script=script)


@router.get("/voyager/api/relationships/sentInvitationViewsV2")
async def sent_invitations_late(request: Request) -> Response:
    """The late sent page's list: `{html, count}`, answered after `sent_page_late_ms`."""
    account = _account(request)
    if account is None:
        return JSONResponse({"status": 401}, status_code=401)
    await asyncio.sleep(account.sent_page_late_ms / 1000)
    sim = _sim(request)
    html = sent_listing(account, sim)
    return JSONResponse({"html": html, "count": len(_cards(account, sim))})


@router.get(SENT_PATH)
async def sent_invitations(request: Request) -> Response:
    """The sent-invitations manager of the signed-in account."""
    account = _account(request)
    if account is None:
        return Response(
            status_code=302,
            headers={"location": f"/login?session_redirect={quote(SENT_PATH, safe='')}"},
        )
    if account.challenge:
        token = _sim(request).start_challenge(account.username)
        return Response(status_code=302, headers={"location": f"/checkpoint/challenge/{token}/"})
    return HTMLResponse(sent_page(account, _sim(request)))


@router.get("/mynetwork/invitation-manager/sent")
async def sent_no_slash() -> Response:
    """LinkedIn redirects the slash-less form."""
    return Response(status_code=301, headers={"location": SENT_PATH})


@router.post("/voyager/api/voyagerRelationshipsDashInvitations")
async def withdraw_invitation(request: Request) -> Response:
    """`?action=withdraw` with `{inviteeProfileUrn}`: withdraw the account's invitation."""
    sim = _sim(request)
    account = _account(request)
    if account is None:
        return JSONResponse({"status": 401}, status_code=401)
    if not csrf_ok(request):
        return JSONResponse({"status": 403, "message": "CSRF check failed"}, status_code=403)
    if request.query_params.get("action") != "withdraw":
        return JSONResponse({"status": 400}, status_code=400)
    body = await request.json()
    target = sim.profile_by_urn(str(body.get("inviteeProfileUrn", "")))
    if target is None:
        return JSONResponse({"status": 404}, status_code=404)
    if sim.relationship(account.username, target.public_id) != "pending":
        return JSONResponse({"status": 409, "code": "NO_PENDING_INVITATION"}, status_code=409)
    instance = request.headers.get("x-li-page-instance", "")
    via = "sent_invitations" if instance.startswith(PAGE_SENT) else "profile"
    sim.record_withdrawal(account.username, target.public_id, via)
    return JSONResponse({"value": {"withdrawn": True, "id": secrets.randbelow(10**9)}})


@router.get("/__sim/withdrawals")
async def sim_withdrawals(request: Request) -> list[dict[str, Any]]:
    """Every withdrawal: account, public_id, via ("profile" | "sent_invitations"), at."""
    return _sim(request).withdrawals()
