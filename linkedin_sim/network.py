"""My Network in the simulator: sent invitations, withdrawing, and the restriction notice."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict

from linkedin_sim.pages import NETWORK_JS, SENT_JS, layout
from linkedin_sim.state import Account, InvitationResponse, Profile, SimState
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


def sent_ago(sent_at: datetime, now: datetime | None = None) -> str:
    """How LinkedIn dates a sent invitation: "Sent today", "Sent 3 days ago", "Sent 1 week ago"."""
    days = ((now or datetime.now(UTC)) - sent_at).total_seconds() / 86400
    if days < 1:
        return "Sent today"
    if days < 2:
        return "Sent yesterday"
    for size, unit in ((365, "year"), (30, "month"), (7, "week"), (1, "day")):
        if days >= size:
            n = int(days // size)
            return f"Sent {n} {unit}{'' if n == 1 else 's'} ago"
    return "Sent today"


def _card(profile: Profile, sent_at: datetime) -> str:
    name, urn = escape(profile.name), escape(profile.urn)
    return f"""<li class="invitation-card artdeco-list__item" data-sim-invitee="{urn}">
  <a class="invitation-card__link app-aware-link" href="/in/{escape(profile.public_id)}/">
   <span class="invitation-card__title">{name}</span></a>
  <p class="invitation-card__subtitle">{escape(profile.headline)}</p>
  <time class="time-badge">{sent_ago(sent_at)}</time>
  <button class="artdeco-button artdeco-button--muted artdeco-button--tertiary"
    aria-label="Withdraw invitation sent to {name}" data-sim-withdraw="{urn}"
    data-sim-name="{name}">Withdraw</button>
 </li>"""


def _cards(account: Account, sim: SimState) -> list[str]:
    """One card per pending invitation of the account (newest first), each with its own
    Withdraw."""
    return [_card(profile, at) for profile, at in sim.pending_invitations(account)]


def _pagination(page: int, pages: int) -> str:
    """LinkedIn's numbered pagination; each control loads `?page=N` (a new document)."""
    numbers = "".join(
        f'<li class="artdeco-pagination__indicator artdeco-pagination__indicator--number'
        f'{" active selected" if n == page else ""}" data-test-pagination-page-btn="{n}">'
        f'<button aria-label="Page {n}" data-sim-page="{n}"'
        f"{' aria-current=' + chr(34) + 'true' + chr(34) if n == page else ''}>"
        f"<span>{n}</span></button></li>"
        for n in range(1, pages + 1)
    )
    prev_off = " disabled" if page <= 1 else ""
    next_off = " disabled" if page >= pages else ""
    return (
        '<div class="artdeco-pagination artdeco-pagination--has-controls">'
        '<button aria-label="Previous" class="artdeco-pagination__button '
        f'artdeco-pagination__button--previous" data-sim-page="{page - 1}"{prev_off}>'
        "<span>Previous</span></button>"
        f'<ul class="artdeco-pagination__pages">{numbers}</ul>'
        '<button aria-label="Next" class="artdeco-pagination__button '
        f'artdeco-pagination__button--next" data-sim-page="{page + 1}"{next_off}>'
        "<span>Next</span></button>"
        f'<div class="artdeco-pagination__page-state">Page {page} of {pages}</div></div>'
    )


def _more_controls(account: Account, shown: int, total: int, page: int) -> str:
    """What the page offers for the invitations not shown yet (nothing when all are)."""
    size = account.sent_page_size
    if account.sent_paging == "pages":
        pages = max(1, -(-total // size))
        return _pagination(page, pages) if pages > 1 else ""
    if shown >= total:
        return ""
    if account.sent_paging == "show_more":
        return (
            '<div class="scaffold-finite-scroll__load-more" data-sim-sent-more-box>'
            '<button class="artdeco-button artdeco-button--muted artdeco-button--1 '
            'scaffold-finite-scroll__load-button" data-sim-sent-more>'
            "<span>Show more results</span></button></div>"
        )
    return '<div class="scaffold-finite-scroll__sentinel" data-sim-sent-sentinel></div>'


def sent_listing(account: Account, sim: SimState, page: int = 1) -> str:
    """The first batch (or page `page`) of sent invitations with the controls for more, or
    how the account's page variant says there are none."""
    cards = _cards(account, sim)
    size = account.sent_page_size
    first = (page - 1) * size if account.sent_paging == "pages" else 0
    shown = cards[first : first + size]
    more = _more_controls(account, first + len(shown), len(cards), page)
    variant = account.sent_page
    if variant == "bare":
        # No list class, no empty state: an empty list is just an empty <ul>.
        return f'<ul role="list">{"".join(shown)}</ul>{more}'
    if shown:
        return f'<ul class="mn-invitation-list artdeco-list">{"".join(shown)}</ul>{more}'
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
    const url = '/voyager/api/relationships/sentInvitationViewsV2' + location.search;
    const res = await fetch(url, {credentials: 'include'});
    const data = await res.json();
    box.innerHTML = data.html;
    box.removeAttribute('aria-busy');
    const count = document.querySelector('[data-sim-sent-count]');
    if (count) count.textContent = 'People (' + data.count + ')';
    document.dispatchEvent(new Event('sim-sent-rendered'));
  }, 300);
})();"""

_STYLE = """
.invitation-card{min-height:96px;padding:12px 16px;border-bottom:1px solid #eee;list-style:none}
.artdeco-pagination{display:flex;gap:8px;align-items:center;padding:16px}
.artdeco-pagination__pages{display:flex;gap:4px;list-style:none;padding:0;margin:0}
.scaffold-finite-scroll__sentinel{height:1px}
"""


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or "1"))
    except ValueError:
        return 1


def sent_page(account: Account, sim: SimState, page: int = 1) -> str:
    """Sent invitations, one card per pending invitation, each with its own Withdraw."""
    late = account.sent_page_late_ms > 0
    count = "People" if late else f"People ({len(_cards(account, sim))})"
    # While loading, the shell shows its loader next to the empty state it renders by
    # default (as SPAs do before their data arrives): neither is the answer yet.
    loader = (
        '<div class="artdeco-loader" role="progressbar" aria-label="Loading invitations"></div>'
    )
    listing = (
        loader + _empty_listing(account.sent_page) if late else sent_listing(account, sim, page)
    )
    # The newer layouts (every variant but classic) title the page with an <h2>.
    heading = (
        "<h1>Manage invitations</h1>"
        if account.sent_page == "classic"
        else '<header class="mn-invitation-manager__header"><h2>Manage invitations</h2></header>'
    )
    body = f"""<style>{_STYLE}</style>
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
    script = f"<script>{NETWORK_JS}</script><script>{SENT_JS}</script>" + (
        f"<script>{_LATE_JS}</script>" if late else ""
    )
    return layout("Manage invitations | LinkedIn", body, account=account, script=script)


@router.get("/voyager/api/relationships/sentInvitationViewsV2")
async def sent_invitations_late(request: Request) -> Response:
    """The sent page's list. Without `start`: the late page's first batch (or `?page=N`),
    `{html, count}`, answered after `sent_page_late_ms`. With `start` (show more, infinite
    scroll): `{html (cards only), count, more}` for the next `sent_page_size` invitations."""
    account = _account(request)
    if account is None:
        return JSONResponse({"status": 401}, status_code=401)
    sim = _sim(request)
    cards = _cards(account, sim)
    start = request.query_params.get("start")
    if start is not None:
        first = int(start) if start.isdigit() else 0
        batch = cards[first : first + account.sent_page_size]
        more = first + len(batch) < len(cards)
        return JSONResponse({"html": "".join(batch), "count": len(cards), "more": more})
    await asyncio.sleep(account.sent_page_late_ms / 1000)
    html = sent_listing(account, sim, _page_number(request.query_params.get("page")))
    return JSONResponse({"html": html, "count": len(cards)})


@router.get(SENT_PATH)
async def sent_invitations(request: Request) -> Response:
    """The sent-invitations manager of the signed-in account (`?page=N` in `pages` mode)."""
    account = _account(request)
    if account is None:
        return Response(
            status_code=302,
            headers={"location": f"/login?session_redirect={quote(SENT_PATH, safe='')}"},
        )
    if account.challenge:
        token = _sim(request).start_challenge(account.username)
        return Response(status_code=302, headers={"location": f"/checkpoint/challenge/{token}/"})
    page = _page_number(request.query_params.get("page"))
    return HTMLResponse(sent_page(account, _sim(request), page))


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


class RespondIn(BaseModel):
    """Body of POST /__sim/invitations/respond."""

    model_config = ConfigDict(extra="forbid")
    account: str
    public_id: str
    action: InvitationResponse


@router.post("/__sim/invitations/respond")
async def sim_respond(request: Request, body: RespondIn) -> Response:
    """The invitee accepts or declines (ignores) the account's pending invitation."""
    try:
        event = _sim(request).respond_invitation(body.account, body.public_id, body.action)
    except KeyError:
        return JSONResponse({"detail": "unknown profile"}, status_code=404)
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=409)
    return JSONResponse(event)


@router.get("/__sim/invitations/responses")
async def sim_responses(request: Request) -> list[dict[str, Any]]:
    """Every answer to a sent invitation: account, public_id, action, at."""
    return _sim(request).responses()


@router.get("/__sim/connections")
async def sim_connections(request: Request) -> list[dict[str, Any]]:
    """Every connection made by an accepted invitation: account, public_id, at."""
    return _sim(request).connections()
