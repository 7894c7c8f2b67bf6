"""The LinkedIn simulator as a FastAPI app: LinkedIn-shaped pages plus /__sim/ controls."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import asdict
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from linkedin_sim import messaging, network, pages, posts, voyager
from linkedin_sim.state import (
    Account,
    ActivityEmpty,
    ClickBlocker,
    Fault,
    FaultAction,
    InboxSender,
    InviteFlow,
    Placement,
    Relationship,
    SentPage,
    SentPaging,
    SimState,
)

LI_AT = "li_at"
_NO_ACCOUNT = "Couldn't find a LinkedIn account associated with this email. Please try again."
# Paths a restricted account can still load (the notice itself, signing in, controls).
_UNRESTRICTED_PREFIXES = ("/__sim/", "/checkpoint/", "/login", "/uas/", "/authwall", "/404/")
_BAD_PIN = "The verification code you entered isn't valid. Please check the code and try again."


class AccountIn(BaseModel):
    """Body of POST /__sim/accounts: create or update an account."""

    model_config = ConfigDict(extra="forbid")
    username: str
    password: str | None = None
    li_at: str | None = None
    display_name: str | None = None
    public_id: str | None = None
    checkpoint_pin: str | None = None
    challenge: bool | None = None
    restricted: bool | None = None
    sent_page: SentPage | None = None
    sent_page_late_ms: int | None = None
    sent_paging: SentPaging | None = None
    sent_page_size: int | None = Field(default=None, ge=1, le=100)
    inbox_sender: InboxSender | None = None
    inbox_page_size: int | None = Field(default=None, ge=1, le=100)


class ProfileIn(BaseModel):
    """Body of POST /__sim/profiles: create or update a profile and its variant flags."""

    model_config = ConfigDict(extra="forbid")
    public_id: str
    name: str | None = None
    headline: str | None = None
    location: str | None = None
    degree: Literal["2nd", "3rd"] | None = None
    placement: Placement | None = None
    invite_flow: InviteFlow | None = None
    weekly_limit: bool | None = None
    email_required: bool | None = None
    overlay: bool | None = None
    click_blocker: ClickBlocker | None = None
    activity_empty: ActivityEmpty | None = None
    sidebar: list[str] | None = None
    old_slugs: list[str] | None = None
    default_relationship: Relationship | None = None
    relationships: dict[str, Relationship] | None = None
    follow_only: bool | None = None
    open_profile: bool | None = None
    hide_pending: bool | None = None
    positions: list[dict[str, Any]] | None = None
    educations: list[dict[str, Any]] | None = None


class LayerClickIn(BaseModel):
    """Body of POST /__sim/layer_clicks (sent by the page when a click reaches a layer)."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    control: str = ""
    path: str = ""


class FaultIn(BaseModel):
    """Body of POST /__sim/faults."""

    model_config = ConfigDict(extra="forbid")
    path_prefix: str
    delay_ms: int = 0
    action: FaultAction | None = None
    times: int | None = None
    location: str | None = None

    @model_validator(mode="after")
    def _location(self) -> FaultIn:
        if (self.action == "open_redirect") != (self.location is not None):
            raise ValueError("`location` goes with action open_redirect, and only with it")
        return self


class ResetIn(BaseModel):
    """Body of POST /__sim/reset (optional)."""

    seeded: bool = True


async def _form(request: Request) -> dict[str, str]:
    # Parsed by hand: the simulator's forms are urlencoded and need no multipart library.
    body = (await request.body()).decode("utf-8")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status)


def _redirect(location: str, status: int = 302) -> Response:
    # Built by hand so the Location header is exactly what LinkedIn would send.
    return Response(status_code=status, headers={"location": location})


def _login_redirect(path: str) -> Response:
    return _redirect(f"/login?session_redirect={quote(path, safe='')}")


def _session_cookies(response: Response, account: Account) -> None:
    response.headers.append(
        "set-cookie", f"{LI_AT}={account.li_at}; Path=/; HttpOnly; SameSite=Lax"
    )
    response.headers.append(
        "set-cookie", f'JSESSIONID="ajax:{secrets.randbelow(10**18):018d}"; Path=/; SameSite=Lax'
    )


def _safe_redirect(target: str) -> str:
    """`target` if it is a path on this site, else /feed/: never an open redirect.

    Browsers read `/\\host` like `//host` (another host) and drop tabs and newlines,
    so only a plain absolute path without backslashes or control characters passes.
    """
    plain = not any(ord(ch) < 33 or ch in "\\\x7f" for ch in target)
    parts = urlsplit(target)
    if plain and target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return "/feed/"


def create_app(state: SimState | None = None) -> FastAPI:
    """Build the simulator app around `state` (a fresh seeded SimState by default)."""
    sim = state or SimState()
    app = FastAPI(
        title="LinkedIn simulator", docs_url="/__sim/docs", openapi_url="/__sim/openapi.json"
    )
    app.state.sim = sim

    def current(request: Request) -> Account | None:
        return sim.account_by_li_at(request.cookies.get(LI_AT))

    def challenge_redirect(account: Account) -> Response:
        return _redirect(f"/checkpoint/challenge/{sim.start_challenge(account.username)}/")

    @app.middleware("http")
    async def faults_and_cookies(request: Request, call_next: Any) -> Response:
        path = request.url.path
        fault = None if path.startswith("/__sim/") else sim.take_fault(path, request.url.query)
        if fault is not None:
            if fault.delay_ms:
                await asyncio.sleep(fault.delay_ms / 1000)
            if fault.action == "rate_limit":
                return _html(pages.rate_limit_page(), 429)
            if fault.action == "server_error":
                return _html("<html><body><h1>Something went wrong</h1></body></html>", 500)
            if fault.action == "bad_gateway":
                return _html(pages.gateway_error_page(502), 502)
            if fault.action == "service_unavailable":
                return _html(pages.unavailable_page(), 503)
            if fault.action == "soft_error":
                return _html(pages.soft_error_page(current(request)))
            if fault.action == "session_expired":
                # LinkedIn drops a revoked li_at: the browser is signed out from here on.
                expired = _login_redirect(path)
                expired.headers.append(
                    "set-cookie", f"{LI_AT}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
                )
                return expired
            if fault.action == "checkpoint":
                account = current(request)
                if account is not None:
                    return challenge_redirect(account)
                return _redirect(f"/checkpoint/challenge/{secrets.token_urlsafe(12)}/")
            if fault.action == "open_redirect" and fault.location:
                # The one deliberate open redirect (see README): it lets tests prove
                # that the browser stops even when LinkedIn itself sends it elsewhere.
                return _redirect(fault.location)
            if fault.action == "restricted":
                # LinkedIn restricts the account itself: every later page shows the notice.
                account = current(request)
                if account is None:
                    return _login_redirect(path)
                account.restricted = True
                return network.restriction_redirect(sim)
        if not path.startswith(_UNRESTRICTED_PREFIXES):
            account = current(request)
            if account is not None and account.restricted:
                return network.restriction_redirect(sim)
        response: Response = await call_next(request)
        if "JSESSIONID" not in request.cookies and "set-cookie" not in response.headers:
            # LinkedIn hands every visitor a CSRF cookie, signed in or not.
            response.headers.append(
                "set-cookie",
                f'JSESSIONID="ajax:{secrets.randbelow(10**18):018d}"; Path=/; SameSite=Lax',
            )
        return response

    # --- pages ---------------------------------------------------------------------

    @app.get("/")
    async def root(request: Request) -> Response:
        return _redirect("/feed/" if current(request) else "/login")

    @app.get("/login")
    @app.get("/uas/login")
    async def login_form(request: Request, session_redirect: str = "") -> Response:
        if current(request) is not None:
            return _redirect(_safe_redirect(session_redirect))
        return _html(pages.login_page(redirect=session_redirect))

    @app.post("/checkpoint/lg/login-submit")
    async def login_submit(request: Request) -> Response:
        form = await _form(request)
        username = str(form.get("session_key", "")).strip()
        password = str(form.get("session_password", ""))
        redirect = str(form.get("session_redirect", ""))
        account = sim.accounts.get(username)
        if account is None:
            sim.record_login(username, "password", False)
            return _html(
                pages.login_page(
                    username=username,
                    error_field="username",
                    error=_NO_ACCOUNT,
                    redirect=redirect,
                )
            )
        if not secrets.compare_digest(account.password.encode(), password.encode()):
            sim.record_login(username, "password", False)
            return _html(
                pages.login_page(
                    username=username,
                    error_field="password",
                    error="Wrong email or password. Try again or create an account.",
                    redirect=redirect,
                )
            )
        if account.checkpoint_pin:
            sim.record_login(username, "password", False)
            return challenge_redirect(account)
        sim.record_login(username, "password", True)
        response = _redirect(_safe_redirect(redirect))
        _session_cookies(response, account)
        return response

    @app.get("/checkpoint/challenge/{token}/")
    async def checkpoint_form(token: str) -> Response:
        if sim.is_restriction_token(token):
            return _html(network.restriction_page())
        return _html(pages.checkpoint_page(token))

    @app.post("/checkpoint/challenge/{token}/")
    async def checkpoint_submit(request: Request, token: str) -> Response:
        form = await _form(request)
        pin = str(form.get("pin", "")).strip()
        account = sim.challenge_account(token)
        expected = (account.checkpoint_pin if account else None) or "000000"
        if account is None or not secrets.compare_digest(pin.encode(), expected.encode()):
            return _html(
                pages.checkpoint_page(
                    token,
                    error=_BAD_PIN,
                )
            )
        sim.finish_challenge(token)
        sim.record_login(account.username, "pin", True)
        response = _redirect("/feed/")
        _session_cookies(response, account)
        return response

    @app.get("/feed/")
    async def feed(request: Request) -> Response:
        account = current(request)
        if account is None:
            return _login_redirect("/feed/")
        if account.challenge:
            return challenge_redirect(account)
        return _html(pages.feed_page(account))

    @app.get("/authwall")
    async def authwall() -> Response:
        return _html(pages.authwall_page())

    @app.get("/404/")
    async def not_found(request: Request) -> Response:
        return _html(pages.not_found_page(current(request)), 404)

    @app.get("/in/{public_id}/")
    async def profile(request: Request, public_id: str) -> Response:
        account = current(request)
        if account is None:
            target = quote(str(request.url), safe="")
            return _redirect(
                f"/authwall?trk=bf&trkInfo=AQ&original_referer=&sessionRedirect={target}"
            )
        if account.challenge:
            return challenge_redirect(account)
        found = sim.profile(public_id)
        if found is None:
            new_slug = sim.redirect_slug(public_id)
            if new_slug is not None:
                return _redirect(f"/in/{quote(new_slug)}/", 301)
            return _redirect("/404/")
        sim.record_visit(account.username, found.public_id)
        rel = sim.relationship(account.username, found.public_id)
        sidebar = [p for p in (sim.profile(pid) for pid in found.sidebar) if p is not None]
        return _html(pages.profile_page(account, found, rel, sidebar))

    @app.get("/in/{public_id}")
    async def profile_no_slash(public_id: str) -> Response:
        return _redirect(f"/in/{quote(public_id)}/", 301)

    @app.post("/voyager/api/voyagerRelationshipsDashMemberRelationships")
    async def invite(request: Request) -> Response:
        account = current(request)
        if account is None:
            return JSONResponse({"status": 401}, status_code=401)
        cookie = request.cookies.get("JSESSIONID", "").strip('"')
        header = request.headers.get("csrf-token", "").strip('"')
        if not cookie or not secrets.compare_digest(cookie.encode(), header.encode()):
            return JSONResponse({"status": 403, "message": "CSRF check failed"}, status_code=403)
        if request.query_params.get("action") != "verifyQuotaAndCreateV2":
            return JSONResponse({"status": 400}, status_code=400)
        body = await request.json()
        urn = str(body.get("invitee", {}).get("inviteeUnion", {}).get("memberProfile", ""))
        target = sim.profile_by_urn(urn)
        if target is None:
            return JSONResponse({"status": 404}, status_code=404)
        if target.weekly_limit:
            return JSONResponse({"status": 429, "code": "CANT_RESEND_YET"}, status_code=429)
        if target.email_required:
            return JSONResponse({"status": 400, "code": "EMAIL_REQUIRED"}, status_code=400)
        if sim.relationship(account.username, target.public_id) != "not_connected":
            return JSONResponse({"status": 409, "code": "ALREADY_INVITED"}, status_code=409)
        note = body.get("customMessage")
        if note is not None and not isinstance(note, str):
            return JSONResponse({"status": 400}, status_code=400)
        sim.record_invitation(account.username, target.public_id, note)
        return JSONResponse(
            {"value": {"invitationUrn": f"urn:li:fsd_invitation:{secrets.randbelow(10**12)}"}},
            status_code=201,
        )

    # --- inspection and control ------------------------------------------------------

    @app.get("/__sim/invitations")
    async def sim_invitations() -> list[dict[str, Any]]:
        return sim.invitations()

    @app.get("/__sim/visits")
    async def sim_visits() -> list[dict[str, Any]]:
        return sim.visits()

    @app.get("/__sim/logins")
    async def sim_logins() -> list[dict[str, Any]]:
        return sim.logins()

    @app.get("/__sim/state")
    async def sim_state() -> dict[str, Any]:
        return sim.snapshot()

    @app.post("/__sim/reset")
    async def sim_reset(body: ResetIn | None = None) -> dict[str, bool]:
        sim.reset(seeded=body.seeded if body else True)
        return {"ok": True}

    @app.post("/__sim/accounts")
    async def sim_account(body: AccountIn) -> dict[str, Any]:
        fields = body.model_dump(exclude_none=True, exclude={"username"})
        account = sim.upsert_account(body.username, **fields)
        return {"username": account.username, "public_id": account.public_id}

    @app.post("/__sim/profiles")
    async def sim_profile(body: ProfileIn) -> dict[str, Any]:
        fields = body.model_dump(exclude_none=True, exclude={"public_id"})
        return asdict(sim.upsert_profile(body.public_id, **fields))

    @app.post("/__sim/layer_clicks")
    async def sim_layer_click(body: LayerClickIn, request: Request) -> dict[str, bool]:
        account = current(request)
        sim.record_layer_click(
            {"account": account.username if account else None, **body.model_dump()}
        )
        return {"ok": True}

    @app.get("/__sim/layer_clicks")
    async def sim_layer_clicks() -> list[dict[str, Any]]:
        return sim.layer_clicks()

    @app.get("/__sim/faults")
    async def sim_faults() -> list[dict[str, Any]]:
        return [asdict(f) for f in sim.faults]

    @app.post("/__sim/faults")
    async def sim_add_fault(body: FaultIn) -> dict[str, bool]:
        sim.add_fault(Fault(**body.model_dump()))
        return {"ok": True}

    @app.delete("/__sim/faults")
    async def sim_clear_faults() -> dict[str, bool]:
        sim.clear_faults()
        return {"ok": True}

    app.include_router(voyager.router)
    app.include_router(network.router)
    app.include_router(posts.router)
    app.include_router(messaging.router)
    return app
