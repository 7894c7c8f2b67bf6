"""The operator page's HTML: login, accounts (with their actions), runs, schedules, hosts,
webhooks (with theirs).

Every page but the login form needs a session cookie (the Gate sends a browser without one
to the login form; `ui_session` checks again). Every POST carries the session's CSRF token
in a hidden field, checked before anything is read or written, plus an Origin check; the
cookie is SameSite=Strict as well. Actions call the same services as the JSON API.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from loguru import logger
from starlette.datastructures import FormData

from linkedin.touchpoints.registry import TOUCHPOINT_TYPES
from openoutreach_server import __version__, accounts, runs, webhooks
from openoutreach_server.context import ServerContext
from openoutreach_server.crypto import key_matches
from openoutreach_server.errors import Conflict, Invalid, NotFound
from openoutreach_server.schemas import HANDLE_PATTERN, MAX_ID, WebhookPatch
from openoutreach_server.store.records import LOGIN_PRIORITY, LOGIN_TYPE, NewRun, RunFilter
from openoutreach_server.store.sql.webhooks import DELIVERY_STATUSES
from openoutreach_server.ui import views
from openoutreach_server.ui.auth import (
    COOKIE,
    LOGIN_COOKIE,
    SESSION_S,
    UiSession,
    csrf_matches,
    origin_allowed,
    signer,
)

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
_STATIC = {"app.css": "text/css", "live.js": "text/javascript"}
RUN_STATUSES = ("pending", "running", "completed", "failed", "canceled", "interrupted")
RUN_TYPES = (*TOUCHPOINT_TYPES, LOGIN_TYPE)
_HANDLE = re.compile(HANDLE_PATTERN)
# Only this artifact is shown in the page; the others are downloads, never rendered.
INLINE_ARTIFACT = "screenshot.png"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob:; script-src 'self'; style-src 'self';"
        " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# What a redirect after an action says (keys in the URL, never free text).
DONE = {
    "paused": "The account is paused: its runs wait until it is resumed.",
    "resumed": "The account is resumed.",
    "cooldowns": "Cool-downs ended early.",
    "code": "The code was submitted: a login run is queued to enter it.",
    "logout": "You are logged out.",
    "enabled": "The webhook is enabled: events from now on are delivered to it.",
    "disabled": "The webhook is disabled: nothing more is sent to it; pending deliveries are"
    " canceled.",
    "redelivered": "The event is queued for delivery again (same webhook-id).",
    "deleted": "The webhook and its delivery log are removed.",
}


class LoginRequired(Exception):
    """No valid session: the browser goes to the login form."""


class Refused(Exception):
    """A request the page refuses, with the status and what to tell the operator."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def _duration(seconds: int) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return (
        " ".join(p for p in (f"{minutes} min" if minutes else "", f"{rest} s" if rest else "") if p)
        or "0 s"
    )


templates.env.filters["when"] = _when
templates.env.filters["duration"] = _duration
templates.env.filters["pretty"] = _pretty


def _ctx(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def render(
    request: Request,
    name: str,
    session: UiSession | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A template with the page's common context and security headers."""
    context.update(
        csrf=session.csrf if session else None,
        version=__version__,
    )
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def _optional_session(request: Request) -> UiSession | None:
    return signer(_ctx(request)).verify(request.cookies.get(COOKIE))


def _error_page(request: Request, status: int, message: str) -> Response:
    return render(
        request, "error.html", _optional_session(request), status, code=status, message=message
    )


class UiRoute(APIRoute):
    """A route of the operator page: no session means the login form; refusals and domain
    errors are HTML pages, never problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler with the page's error handling."""
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return RedirectResponse("/ui/login", 303)
            except Refused as exc:
                return _error_page(request, exc.status, exc.message)
            except NotFound as exc:
                return _error_page(request, 404, exc.message)
            except Conflict as exc:
                return _error_page(request, 409, exc.message)
            except Invalid as exc:
                return _error_page(request, 422, exc.message)
            except RequestValidationError:
                return _error_page(request, 422, "the address is not valid")

        return wrapped


router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)


async def ui_session(request: Request) -> UiSession:
    """The operator's session (LoginRequired without a valid one)."""
    session = _optional_session(request)
    if session is None:
        raise LoginRequired()
    return session


Session = Annotated[UiSession, Depends(ui_session)]
Handle = Annotated[str, PathParam(pattern=HANDLE_PATTERN)]
RunId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
WebhookId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


def same_origin(request: Request) -> bool:
    """The request comes from a page of this server (browsers send Origin on every POST;
    a request without it relies on the CSRF token alone)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    headers = request.headers
    return origin_allowed(origin, headers.get("host"), headers.get("x-forwarded-host"))


async def checked_form(request: Request, session: Session) -> FormData:
    """The POSTed form, once its CSRF token and origin are checked (403 otherwise)."""
    form = await request.form()
    token = form.get("csrf")
    if not same_origin(request) or not csrf_matches(
        session, token if isinstance(token, str) else None
    ):
        logger.warning(
            "operator page: a POST to {} without a valid CSRF token was refused", request.url.path
        )
        raise Refused(
            403, "the form has expired or did not come from this page; reload and try again"
        )
    return form


Form = Annotated[FormData, Depends(checked_form)]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """A service call off the event loop (the database may wait for a lock)."""
    return await asyncio.to_thread(fn, *args)


def _back(handle: str, done: str, **extra: Any) -> RedirectResponse:
    query = urlencode({"done": done, **extra})
    return RedirectResponse(f"/ui/accounts/{handle}?{query}", 303)


# --- login ------------------------------------------------------------------------------


def safe_next(value: str | None) -> str:
    """Where to go after login: a path of the operator page, never another site."""
    if (
        value
        and (value == "/ui" or value.startswith("/ui/"))
        and ".." not in value
        and "\\" not in value
    ):
        return value
    return "/ui/accounts"


def _login_form(
    request: Request, next_: str | None, error: str | None = None, status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        None,
        status,
        login_token=token,
        next=safe_next(next_),
        error=error,
        done=DONE.get(request.query_params.get("done", "")),
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/ui/login",
        httponly=True,
        samesite="strict",
        secure=_https(request),
    )
    return response


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    """The login form (or straight on when the session is still valid)."""
    if _optional_session(request) is not None:
        return RedirectResponse(safe_next(next), 303)
    return _login_form(request, next)


@router.post("/login")
async def login(request: Request) -> Response:
    """Exchange the API key for a session cookie (the key itself is never stored in it)."""
    form = await request.form()
    token = form.get("login_token")
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    next_ = form.get("next")
    next_path = next_ if isinstance(next_, str) else None
    if not same_origin(request) or not (
        isinstance(token, str) and expected and secrets.compare_digest(token, expected)
    ):
        return _login_form(request, next_path, "The form expired: please try again.", 403)
    ctx = _ctx(request)
    key = form.get("api_key")
    if not isinstance(key, str) or not key_matches(key.strip(), ctx.api_keys):
        client = request.client.host if request.client else "?"
        logger.warning("operator page: login with a wrong API key refused (from {})", client)
        return _login_form(request, next_path, "That API key is not accepted.", 401)
    response = RedirectResponse(safe_next(next_path), 303)
    response.set_cookie(
        COOKIE,
        signer(ctx).issue(key.strip()),
        max_age=SESSION_S,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=_https(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path="/ui/login")
    logger.info(
        "operator page: logged in (from {})", request.client.host if request.client else "?"
    )
    return response


@router.post("/logout")
async def logout(request: Request, form: Form) -> Response:
    """Forget the session cookie."""
    response = RedirectResponse("/ui/login?done=logout", 303)
    response.delete_cookie(
        COOKIE, path="/ui", httponly=True, samesite="strict", secure=_https(request)
    )
    return response


# --- accounts ---------------------------------------------------------------------------


@router.get("")
@router.get("/")
async def home() -> Response:
    """The accounts list is the home page."""
    return RedirectResponse("/ui/accounts", 303)


@router.get("/accounts")
def accounts_page(request: Request, session: Session) -> Response:
    """Every account: status, session, why its next run waits, usage, cool-downs."""
    return render(
        request,
        "accounts.html",
        session,
        section="accounts",
        views=views.account_views(_ctx(request)),
        windows=views.WINDOWS,
    )


@router.get("/accounts/{handle}")
def account_page(
    request: Request, session: Session, handle: Handle, done: str | None = None
) -> Response:
    """One account: details, usage, cool-downs, actions, latest runs, the live view."""
    ctx = _ctx(request)
    view = views.one_account(ctx, handle)
    return render(
        request,
        "account.html",
        session,
        section="accounts",
        view=view,
        a=view.account,
        windows=views.WINDOWS,
        recent=views.recent_runs(ctx, handle).items,
        done=DONE.get(done or ""),
        live_timeout_s=int(ctx.settings.live_view_timeout_s),
    )


@router.post("/accounts/{handle}/pause")
async def pause(request: Request, form: Form, handle: Handle) -> Response:
    """Pause the account (accounts.pause, as POST /accounts/{handle}/pause)."""
    reason = _text(form, "reason")[:500] or "paused by the operator (operator page)"
    await _call(accounts.pause, _ctx(request), handle, reason)
    logger.bind(handle=handle).info("account paused from the operator page")
    return _back(handle, "paused")


@router.post("/accounts/{handle}/resume")
async def resume(request: Request, form: Form, handle: Handle) -> Response:
    """Resume the account to the status it had before the pause."""
    await _call(accounts.resume, _ctx(request), handle)
    logger.bind(handle=handle).info("account resumed from the operator page")
    return _back(handle, "resumed")


@router.post("/accounts/{handle}/cooldowns")
async def end_cooldowns(request: Request, form: Form, handle: Handle) -> Response:
    """End every cool-down, or the one named by `scope` (a touchpoint type or *)."""
    scope = _text(form, "scope") or None
    if scope is not None and not re.fullmatch(r"\*|[a-z_]{1,32}", scope):
        raise Invalid("scope", "a touchpoint type or *")
    await _call(accounts.clear_cooldowns, _ctx(request), handle, scope)
    logger.bind(handle=handle).warning(
        "cool-down {} ended early by the operator (operator page)", scope or "(all)"
    )
    return _back(handle, "cooldowns")


@router.post("/accounts/{handle}/checkpoint")
async def submit_code(request: Request, form: Form, handle: Handle) -> Response:
    """Store the e-mailed code and queue a login run that enters it (as POST
    /accounts/{handle}/checkpoint, without waiting for the run)."""
    code = _text(form, "code")
    if not re.fullmatch(r"[A-Za-z0-9]{4,12}", code):
        raise Invalid("code", "must be 4-12 letters or digits")
    ctx = _ctx(request)
    await _call(accounts.store_pin, ctx, handle, code)
    new = NewRun(
        handle=handle,
        type=LOGIN_TYPE,
        touchpoint={"type": LOGIN_TYPE, "mode": "pin"},
        side_effecting=True,  # a code is entered once, never again on our own
        priority=LOGIN_PRIORITY,
        max_attempts=1,
    )
    queued, _ = await _call(runs.enqueue, ctx, new)
    logger.bind(handle=handle, run_id=queued.run_id).info(
        "checkpoint code submitted from the operator page"
    )
    return _back(handle, "code", run=queued.run_id)


# --- runs -------------------------------------------------------------------------------


def _run_filter(
    handle: str | None,
    status: str | None,
    type_: str | None,
    tag: str | None,
    schedule_id: str | None,
) -> RunFilter:
    if handle and not _HANDLE.fullmatch(handle):
        raise Invalid("handle", "not a handle ([a-z0-9_-], 1-64)")
    if status and status not in RUN_STATUSES:
        raise Invalid("status", f"one of {', '.join(RUN_STATUSES)}")
    if type_ and type_ not in RUN_TYPES:
        raise Invalid("type", f"one of {', '.join(RUN_TYPES)}")
    if tag and len(tag) > 64:
        raise Invalid("tag", "at most 64 characters")
    schedule = _cursor(schedule_id) if schedule_id else None
    return RunFilter(
        handle=handle or None,
        status=status or None,
        type=type_ or None,
        tag=tag or None,
        schedule_id=schedule,
    )


def _cursor(value: str | None) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{1,18}", value):
        raise Invalid("cursor", "not a cursor")
    return int(value)


@router.get("/runs")
def runs_page(
    request: Request,
    session: Session,
    handle: str | None = None,
    status: str | None = None,
    type: str | None = None,
    tag: str | None = None,
    schedule_id: str | None = None,
    cursor: str | None = None,
) -> Response:
    """Runs, newest first, filtered by handle, status, type, tag or schedule; cursor
    pagination."""
    filter_ = _run_filter(handle, status, type, tag, schedule_id)
    page = views.run_page(_ctx(request), filter_, _cursor(cursor), 50)
    given = {"handle": handle, "status": status, "type": type, "tag": tag}
    filters = {k: v for k, v in {**given, "schedule_id": schedule_id}.items() if v}
    next_url = None
    if page.next_cursor:
        next_url = "/ui/runs?" + urlencode({**filters, "cursor": page.next_cursor})
    return render(
        request,
        "runs.html",
        session,
        section="runs",
        page=page,
        filters=filters,
        statuses=RUN_STATUSES,
        types=RUN_TYPES,
        next_url=next_url,
        first_url="/ui/runs?" + urlencode(filters) if cursor else None,
    )


@router.get("/runs/{run_id}")
def run_detail(request: Request, session: Session, run_id: RunId) -> Response:
    """One run: input, result, error, timeline, its screenshot and downloads."""
    run = runs.get(_ctx(request), run_id)
    return render(
        request,
        "run.html",
        session,
        section="runs",
        run=run,
        inline=INLINE_ARTIFACT if INLINE_ARTIFACT in run.artifacts else None,
        downloads=[name for name in run.artifacts if name != INLINE_ARTIFACT],
    )


@router.get("/runs/{run_id}/artifacts/{name}")
def artifact(
    request: Request,
    session: Session,
    run_id: RunId,
    name: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")],
) -> Response:
    """A run's artifact: the screenshot inline (for the <img>), the rest as downloads."""
    ctx = _ctx(request)
    run = runs.get(ctx, run_id)
    if name not in run.artifacts:
        raise NotFound(f"run {run_id} has no artifact {name!r}")
    path = Path(ctx.settings.artifacts_dir) / str(run_id) / name
    if not path.is_file():
        raise NotFound(f"artifact {name!r} was pruned")
    inline = name == INLINE_ARTIFACT
    return FileResponse(
        path,
        media_type="image/png" if inline else None,
        filename=None if inline else name,
        content_disposition_type="inline" if inline else "attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        },
    )


# --- schedules, hosts, webhooks ---------------------------------------------------------


@router.get("/schedules")
def schedules_page(
    request: Request,
    session: Session,
    handle: str | None = None,
    active: str | None = None,
    cursor: str | None = None,
) -> Response:
    """Schedules, newest first: cron, next fire, active."""
    if handle and not _HANDLE.fullmatch(handle):
        raise Invalid("handle", "not a handle ([a-z0-9_-], 1-64)")
    if active not in (None, "", "true", "false"):
        raise Invalid("active", "true or false")
    flag = None if not active else active == "true"
    page = views.schedule_page(_ctx(request), handle or None, flag, _cursor(cursor))
    filters = {k: v for k, v in (("handle", handle), ("active", active)) if v}
    next_url = None
    if page.next_cursor:
        next_url = "/ui/schedules?" + urlencode({**filters, "cursor": page.next_cursor})
    return render(
        request,
        "schedules.html",
        session,
        section="schedules",
        page=page,
        filters=filters,
        next_url=next_url,
        first_url="/ui/schedules?" + urlencode(filters) if cursor else None,
    )


@router.get("/hosts")
def hosts_page(request: Request, session: Session) -> Response:
    """Worker hosts: live workers, load, pinned accounts (GET /hosts)."""
    return render(request, "hosts.html", session, section="hosts", hosts=views.hosts(_ctx(request)))


@router.get("/webhooks")
def webhooks_page(request: Request, session: Session, done: str | None = None) -> Response:
    """Every webhook endpoint (as GET /webhooks: never a secret), and where the callback
    secret comes from."""
    ctx = _ctx(request)
    return render(
        request,
        "webhooks.html",
        session,
        section="webhooks",
        hooks=webhooks.list_all(ctx).items,
        callback_secret_from_env=ctx.settings.webhook_secret is not None,
        done=DONE.get(done or ""),
    )


@router.get("/webhooks/{webhook_id}")
def webhook_page(
    request: Request,
    session: Session,
    webhook_id: WebhookId,
    status: str | None = None,
    cursor: str | None = None,
    done: str | None = None,
) -> Response:
    """One endpoint, its actions and its deliveries, newest first (filter: status; cursor
    pagination)."""
    if status and status not in DELIVERY_STATUSES:
        raise Invalid("status", f"one of {', '.join(DELIVERY_STATUSES)}")
    ctx = _ctx(request)
    hook = webhooks.get(ctx, webhook_id)
    page = webhooks.deliveries(ctx, webhook_id, status or None, _cursor(cursor), 50)
    base = f"/ui/webhooks/{webhook_id}"
    filters = {"status": status} if status else {}
    next_url = None
    if page.next_cursor:
        next_url = f"{base}?" + urlencode({**filters, "cursor": page.next_cursor})
    return render(
        request,
        "webhook.html",
        session,
        section="webhooks",
        hook=hook,
        page=page,
        filters=filters,
        statuses=DELIVERY_STATUSES,
        next_url=next_url,
        first_url=f"{base}?" + urlencode(filters) if cursor else None,
        done=DONE.get(done or ""),
    )


def _back_to_webhook(webhook_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/ui/webhooks/{webhook_id}?" + urlencode({"done": done}), 303)


@router.post("/webhooks/{webhook_id}/enable")
async def enable_webhook(request: Request, form: Form, webhook_id: WebhookId) -> Response:
    """Enable the endpoint (as PATCH /webhooks/{id} {"enabled": true}: clears why it was
    disabled and its failure streak)."""
    await _call(webhooks.update, _ctx(request), webhook_id, WebhookPatch(enabled=True))
    logger.info("webhook {} enabled from the operator page", webhook_id)
    return _back_to_webhook(webhook_id, "enabled")


@router.post("/webhooks/{webhook_id}/disable")
async def disable_webhook(request: Request, form: Form, webhook_id: WebhookId) -> Response:
    """Disable the endpoint (as PATCH /webhooks/{id} {"enabled": false})."""
    await _call(webhooks.update, _ctx(request), webhook_id, WebhookPatch(enabled=False))
    logger.info("webhook {} disabled from the operator page", webhook_id)
    return _back_to_webhook(webhook_id, "disabled")


@router.post("/webhooks/{webhook_id}/redeliver")
async def redeliver(request: Request, form: Form, webhook_id: WebhookId) -> Response:
    """Send one delivery's event to this endpoint again (as POST /events/{id}/redeliver
    {"webhook_id": ...}: same webhook-id)."""
    value = _text(form, "event_id")
    if not re.fullmatch(r"[1-9]\d{0,17}", value):
        raise Invalid("event_id", "an event id")
    event_id = int(value)
    await _call(webhooks.redeliver, _ctx(request), event_id, webhook_id)
    logger.info("event {} redelivered to webhook {} from the operator page", event_id, webhook_id)
    return _back_to_webhook(webhook_id, "redelivered")


@router.post("/webhooks/{webhook_id}/delete")
async def delete_webhook(request: Request, form: Form, webhook_id: WebhookId) -> Response:
    """Remove the endpoint and its delivery log (as DELETE /webhooks/{id}), once the form's
    confirmation box is ticked."""
    if _text(form, "confirm") != "yes":
        raise Invalid("confirm", "tick the box to confirm the removal")
    await _call(webhooks.delete, _ctx(request), webhook_id)
    logger.warning("webhook {} removed from the operator page", webhook_id)
    return RedirectResponse("/ui/webhooks?done=deleted", 303)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    """The page's own CSS and script (no CDN, no build step)."""
    media = _STATIC.get(name)
    if media is None:
        raise NotFound(f"no static file {name!r}")
    return FileResponse(
        HERE / "static" / name, media_type=media, headers={"Cache-Control": "no-cache"}
    )
