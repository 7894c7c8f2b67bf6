"""Messaging in the simulator: compose, threads, InMail and the Enter setting (README.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from importlib import resources
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict

from linkedin_sim.pages import PIXEL, blocker_script, json_script, layout
from linkedin_sim.posts import EDITOR_JS, _guard, _sim
from linkedin_sim.social import Thread
from linkedin_sim.state import Account, Profile, SimState
from linkedin_sim.voyager import csrf_ok

router = APIRouter()

MESSAGING_JS = (resources.files("linkedin_sim") / "static" / "messaging.js").read_text("utf-8")
INBOX_JS = (resources.files("linkedin_sim") / "static" / "inbox.js").read_text("utf-8")
Mode = Literal["message", "inmail", "upsell", "history"]

_STYLE = """
.msg{display:flex;gap:16px;max-width:1128px;margin:24px auto}
.msg-conversations-container{width:320px;background:#fff;border-radius:8px}
.msg-conversation-listitem{list-style:none;padding:8px;border-bottom:1px solid #eee}
.msg-conversation-listitem--active{background:#eef3f8}
.msg-thread{flex:1;background:#fff;border-radius:8px;padding:16px}
.msg-s-message-list-content{list-style:none;padding:0;min-height:120px}
.msg-s-event-listitem__body{white-space:pre-wrap;margin:4px 0}
.msg-form__contenteditable{min-height:60px;border:1px solid #999;border-radius:8px;padding:8px;
  white-space:pre-wrap}
.msg-form__contenteditable p{margin:0}
.msg-form__subject{width:100%;margin-bottom:8px}
"""


def _profile_for(sim: SimState, request: Request) -> Profile | None:
    params = request.query_params
    recipient = params.get("recipient", "")
    found = sim.profile(recipient) or sim.profile_by_urn(recipient)
    if found is None and params.get("profileUrn"):
        found = sim.profile_by_urn(params["profileUrn"])
    return found


def _clock(at: str | None, now: datetime | None = None) -> str:
    """LinkedIn's short time of a message: "3:45 PM" today, "Mon" this week, else "Nov 12"."""
    if not at:
        return ""
    when = datetime.fromisoformat(at)
    now = now or datetime.now(UTC)
    if when.date() == now.date():
        return when.strftime("%I:%M %p").lstrip("0")
    if now - when < timedelta(days=7):
        return when.strftime("%a")
    return f"{when.strftime('%b')} {when.day}"


def _events_html(thread: Thread | None, account: Account, profile: Profile, sender: str) -> str:
    """The conversation's messages. `prefix` (classic): every message carries its sender's
    name and a --me / --other class. `avatar`: LinkedIn's grouped layout, no such classes;
    only the first message of a run by one sender shows who (picture, name, profile link)."""
    if thread is None:
        return ""
    items = []
    previous = None
    for event in thread.events:
        mine = event["from"] == "me"
        name = account.display_name if mine else profile.name
        body = f'<p class="msg-s-event-listitem__body">{escape(event["text"])}</p>'
        if sender == "avatar":
            meta = ""
            if event["from"] != previous:
                link = f"/in/{escape(account.public_id if mine else profile.public_id)}/"
                meta = (
                    '<div class="msg-s-message-group__meta">'
                    f'<a class="msg-s-message-group__profile-link" href="{link}">'
                    f'<img class="msg-s-event-listitem__profile-picture" alt="{escape(name)}"'
                    f' src="{PIXEL}" width="32" height="32"></a>'
                    f'<span class="msg-s-message-group__name">{escape(name)}</span>'
                    f'<time class="msg-s-message-group__timestamp">{_clock(event.get("at"))}'
                    "</time></div>"
                )
            items.append(
                f'<li class="msg-s-message-list__event"><div class="msg-s-event-listitem">'
                f'{meta}<div class="msg-s-event-listitem__message-bubble">{body}</div></div></li>'
            )
        else:
            items.append(
                '<li class="msg-s-message-list__event"><div class="msg-s-event-listitem'
                f'{" msg-s-event-listitem--me" if mine else " msg-s-event-listitem--other"}">'
                f'<span class="msg-s-message-group__name">{escape(name)}</span>'
                f'<div class="msg-s-event-listitem__message-bubble">{body}</div></div></li>'
            )
        previous = event["from"]
    return "".join(items)


def conversation_card(sim: SimState, account: Account, thread: Thread, active: bool) -> str:
    """One conversation in the list: the member, the last message (who wrote it, shown as
    the account's `inbox_sender` variant says), its time, and an unread badge."""
    other = sim.profile(thread.public_id)
    name = other.name if other else thread.public_id
    last = thread.events[-1] if thread.events else {"from": "them", "text": ""}
    mine = last["from"] == "me"
    variant = account.inbox_sender
    text = escape(last["text"])
    if variant == "avatar":
        sender = escape(account.display_name if mine else name)
        snippet = (
            f'<img class="msg-conversation-card__sender-image" alt="{sender}" src="{PIXEL}"'
            ' width="16" height="16">'
            f'<p class="msg-conversation-card__message-snippet">{text}</p>'
        )
        profile_link = (
            f'<a class="msg-conversation-card__profile-link" href="/in/{escape(thread.public_id)}/"'
            f' aria-label="View {escape(name)}’s profile">'
            f'<img class="presence-entity__image" alt="{escape(name)}" src="{PIXEL}"'
            ' width="48" height="48"></a>'
        )
    else:
        snippet = (
            f'<p class="msg-conversation-card__message-snippet">{"You: " if mine else ""}{text}</p>'
        )
        profile_link = ""
    unread = (
        '<span class="notification-badge notification-badge--show '
        f'msg-conversation-card__unread-count"><span aria-hidden="true">{thread.unread}</span>'
        f'<span class="visually-hidden">{thread.unread} new message'
        f"{'' if thread.unread == 1 else 's'}</span></span>"
        if thread.unread
        else ""
    )
    unread_css = " msg-conversation-card__convo-item-container--unread" if thread.unread else ""
    css = " msg-conversation-listitem--active" if active else ""
    return (
        f'<li class="msg-conversation-listitem{css}" data-sim-thread="{escape(thread.thread_id)}">'
        f'<div class="msg-conversation-card{unread_css}">{profile_link}'
        '<a class="msg-conversation-listitem__link" '
        f'href="/messaging/thread/{escape(thread.thread_id)}/">'
        f'<h3 class="msg-conversation-listitem__participant-names">{escape(name)}</h3>'
        f'<time class="msg-conversation-listitem__time-stamp">{_clock(last.get("at"))}</time>'
        f'<div class="msg-conversation-card__message-snippet-container">{snippet}</div>'
        f"{unread}</a></div></li>"
    )


def _conversations(
    sim: SimState, account: Account, active: str | None, *, limit: int | None = None
) -> str:
    threads = sim.social.threads_of(account.username)
    shown = threads if limit is None else threads[:limit]
    cards = [conversation_card(sim, account, t, t.public_id == active) for t in shown]
    sentinel = (
        '<li class="msg-conversations-container__sentinel" data-sim-inbox-sentinel></li>'
        if len(shown) < len(threads)
        else ""
    )
    empty = (
        '<div class="msg-conversations-container__empty artdeco-empty-state">'
        "<h2>No messages yet</h2><p>Reach out and start a conversation.</p></div>"
        if not threads
        else ""
    )
    return (
        '<aside class="msg-conversations-container" aria-label="Conversation list">'
        '<ul class="msg-conversations-container__conversations-list" role="list">'
        f"{''.join(cards)}{sentinel}</ul>{empty}</aside>"
    )


def _subject_html(required: bool) -> str:
    if required:
        return (
            '<input type="text" name="subject" class="msg-form__subject" aria-label="Subject" '
            'placeholder="Subject" maxlength="200" required aria-required="true">'
        )
    return (
        '<input type="text" name="subject" class="msg-form__subject" '
        'aria-label="Subject (optional)" placeholder="Subject (optional)" maxlength="200">'
    )


def _credits_html(credits: int, wording: str) -> tuple[str, str]:
    """The credits line in the form, and a notice above the conversation (used_all)."""
    buy = ' <a href="/premium/inmail/buy/" class="msg-inmail-credits__buy">Buy more</a>'
    if credits > 0:
        line = f"Use 1 of {credits} InMail credits"
        return f'<div class="msg-inmail-credits-display t-12">{line}</div>', ""
    if wording == "used_all":
        # No credits line at all: a notice at the top of the conversation says it.
        notice = (
            '<div class="msg-thread__notice artdeco-inline-feedback" role="status">'
            '<span class="artdeco-inline-feedback__message">You’ve used all your InMail'
            f" credits for this month.</span>{buy}</div>"
        )
        return "", notice
    line = "You have no InMail credits" if wording == "none" else "You have 0 InMail credits left."
    return f'<div class="msg-inmail-credits-display t-12">{line}</div>{buy}', ""


def messaging_page(
    account: Account,
    sim: SimState,
    profile: Profile,
    mode: Mode,
    thread: Thread | None = None,
) -> str:
    """A conversation with `profile`: history plus a compose form (or an InMail upsell)."""
    settings = sim.social.settings_of(account.username)
    name = escape(profile.name)
    subject_html = credits_html = form = notice = ""
    if mode == "upsell":
        form = (
            '<div class="msg-inmail-upsell artdeco-card">'
            f"<h3>Message {name} with InMail</h3>"
            "<p>Reach anyone on LinkedIn, even if you’re not connected, with Premium.</p>"
            '<a class="artdeco-button artdeco-button--primary premium-upsell-link" '
            'href="/premium/products/?upsellOrderOrigin=premium_inmail_upsell">'
            "Try Premium for free</a></div>"
        )
    elif mode in ("message", "inmail"):
        counter = (
            f'<span class="msg-form__char-counter t-12" aria-live="polite">'
            f"0/{settings.message_max_chars}</span>"
            if settings.message_max_chars
            else ""
        )
        if mode == "inmail":
            subject_html = _subject_html(settings.subject_required)
            credits_html, notice = _credits_html(settings.inmail_credits, settings.credits_wording)
        form = f"""<form class="msg-form">
  {credits_html}{subject_html}
  <div class="msg-form__msg-content-container">
   <div class="msg-form__contenteditable t-14" contenteditable="true" role="textbox"
    aria-multiline="true" aria-label="Write a message…"></div></div>
  <footer class="msg-form__footer">
   <button type="submit" class="msg-form__send-button artdeco-button artdeco-button--primary"
    disabled>Send</button>{counter}
   <span class="msg-form__hint t-12">{
            "Press Enter to send" if settings.enter_to_send else "Click Send to send"
        }</span>
  </footer></form>"""
    title = "InMail" if (thread and thread.inmail) or mode == "inmail" else "Messaging"
    subject_line = (
        f'<h3 class="msg-s-message-list__subject">{escape(thread.subject or "")}</h3>'
        if thread is not None and thread.inmail
        else ""
    )
    body = f"""<style>{_STYLE}</style>
<div class="msg scaffold-layout">
 {_conversations(sim, account, profile.public_id)}
 <main class="scaffold-layout__main msg__detail" id="main" aria-label="{title}">
  <section class="msg-thread">
   <header class="msg-thread__topcard">
    <h2 class="msg-entity-lockup__entity-title">{name}</h2>
    <a href="/in/{escape(profile.public_id)}/" class="msg-thread__link-to-profile">View profile</a>
   </header>
   {subject_line}{notice}
   <ul class="msg-s-message-list-content" role="list">
    {_events_html(thread, account, profile, account.inbox_sender)}</ul>
   {form}
  </section>
 </main>
</div>"""
    config = {
        "mode": mode,
        "me": account.display_name,
        "recipientUrn": profile.urn,
        "enterToSend": settings.enter_to_send,
        "credits": settings.inmail_credits if mode == "inmail" else None,
        "subjectRequired": settings.subject_required,
        "maxChars": settings.message_max_chars,
    }
    script = (
        json_script("sim-msg", config)
        + f"<script>{EDITOR_JS}</script><script>{MESSAGING_JS}</script>"
        + blocker_script(profile, "main form.msg-form .msg-form__footer")
    )
    return layout(f"{title} | LinkedIn", body, account=account, script=script)


class SettingsIn(BaseModel):
    """Body of POST /__sim/messaging/settings."""

    model_config = ConfigDict(extra="forbid")
    account: str
    enter_to_send: bool | None = None
    premium: bool | None = None
    inmail_credits: int | None = None
    credits_wording: Literal["count", "none", "used_all"] | None = None
    subject_required: bool | None = None
    message_max_chars: int | None = None


def _compose(request: Request) -> Response:
    account = _guard(request)
    if isinstance(account, Response):
        return account
    sim = _sim(request)
    profile = _profile_for(sim, request)
    if profile is None:
        return Response(status_code=302, headers={"location": "/404/"})
    if profile.public_id == account.public_id:
        return Response(status_code=302, headers={"location": "/messaging/"})
    if sim.relationship(account.username, profile.public_id) == "connected":
        thread = sim.social.thread_with(account.username, profile.public_id)
        if thread is not None:
            # LinkedIn reopens the existing conversation instead of a blank compose.
            location = f"/messaging/thread/{thread.thread_id}/"
            return Response(status_code=302, headers={"location": location})
        return HTMLResponse(messaging_page(account, sim, profile, "message"))
    mode: Mode = "inmail" if sim.social.settings_of(account.username).premium else "upsell"
    return HTMLResponse(messaging_page(account, sim, profile, mode))


@router.get("/messaging/compose/")
async def compose_route(request: Request) -> Response:
    """Compose to ?recipient=<public id or urn> (&profileUrn=<urn>)."""
    return _compose(request)


@router.get("/messaging/thread/new/")
async def new_thread_route(request: Request) -> Response:
    """Compose to ?recipient=<urn>."""
    return _compose(request)


@router.get("/messaging/thread/{thread_id}/")
async def thread_route(request: Request, thread_id: str) -> Response:
    """An existing conversation of the signed-in account."""
    account = _guard(request)
    if isinstance(account, Response):
        return account
    sim = _sim(request)
    thread = sim.social.thread(thread_id)
    profile = sim.profile(thread.public_id) if thread is not None else None
    if thread is None or profile is None or thread.account != account.username:
        return Response(status_code=302, headers={"location": "/404/"})
    connected = sim.relationship(account.username, profile.public_id) == "connected"
    mode: Mode = "message" if connected and not thread.inmail else "history"
    # Opening a conversation reads it (LinkedIn also tells the member it was seen).
    sim.social.mark_read(thread.thread_id)
    return HTMLResponse(messaging_page(account, sim, profile, mode, thread))


_INBOX_STYLE = """
.msg-conversations-container__conversations-list{max-height:560px;overflow-y:auto;margin:0;
  padding:0}
.msg-conversation-listitem{min-height:72px}
.msg-conversations-container__sentinel{height:1px;list-style:none}
.msg-conversation-card__sender-image{float:left;margin-right:4px}
"""


def inbox_page(account: Account, sim: SimState) -> str:
    """/messaging/: the conversation list (newest first; more load as it is scrolled) next
    to an empty detail pane."""
    size = account.inbox_page_size
    body = f"""<style>{_STYLE}{_INBOX_STYLE}</style>
<div class="msg scaffold-layout">
 {_conversations(sim, account, None, limit=size)}
 <main class="scaffold-layout__main msg__detail" id="main" aria-label="Messaging">
  <section class="msg-thread msg-thread--empty"><h2>Select a conversation</h2>
   <p>Choose a conversation from the list, or start a new message.</p></section>
 </main>
</div>"""
    return layout(
        "Messaging | LinkedIn", body, account=account, script=f"<script>{INBOX_JS}</script>"
    )


@router.get("/messaging/")
async def inbox_route(request: Request) -> Response:
    """The signed-in account's inbox."""
    account = _guard(request)
    if isinstance(account, Response):
        return account
    return HTMLResponse(inbox_page(account, _sim(request)))


@router.get("/messaging")
async def inbox_no_slash() -> Response:
    """LinkedIn redirects the slash-less form."""
    return Response(status_code=301, headers={"location": "/messaging/"})


@router.get("/voyager/api/voyagerMessagingDashMessengerConversations")
async def conversations_route(request: Request) -> Response:
    """`?start=N`: the next `inbox_page_size` conversation cards, `{html, more}`."""
    sim = _sim(request)
    account = sim.account_by_li_at(request.cookies.get("li_at"))
    if account is None:
        return JSONResponse({"status": 401}, status_code=401)
    raw = request.query_params.get("start", "0")
    start = int(raw) if raw.isdigit() else 0
    size = account.inbox_page_size
    threads = sim.social.threads_of(account.username)
    batch = threads[start : start + size]
    html = "".join(conversation_card(sim, account, t, False) for t in batch)
    return JSONResponse({"html": html, "more": start + len(batch) < len(threads)})


@router.post("/voyager/api/voyagerMessagingDashMessengerMessages")
async def send_route(request: Request) -> Response:
    """Send: JSON {recipient: urn, text, inmail?, subject?}; texts are kept exactly."""
    sim = _sim(request)
    account = sim.account_by_li_at(request.cookies.get("li_at"))
    if account is None:
        return JSONResponse({"status": 401}, status_code=401)
    if not csrf_ok(request):
        return JSONResponse({"status": 403, "message": "CSRF check failed"}, status_code=403)
    body = await request.json()
    profile = sim.profile_by_urn(str(body.get("recipient", "")))
    text = body.get("text")
    if profile is None:
        return JSONResponse({"status": 404}, status_code=404)
    if not isinstance(text, str) or not text.strip():
        return JSONResponse({"status": 400}, status_code=400)
    connected = sim.relationship(account.username, profile.public_id) == "connected"
    settings = sim.social.settings_of(account.username)
    if (
        settings.message_max_chars
        and len(text.encode("utf-16-le")) // 2 > settings.message_max_chars
    ):
        return JSONResponse({"status": 400, "code": "TOO_LONG"}, status_code=400)
    if not body.get("inmail"):
        if not connected:
            return JSONResponse({"status": 403, "code": "NOT_CONNECTED"}, status_code=403)
        thread = sim.social.record_message(account.username, profile.public_id, text)
        return JSONResponse({"threadPath": f"/messaging/thread/{thread.thread_id}/"})
    subject = body.get("subject") or ""
    if not isinstance(subject, str) or (settings.subject_required and not subject.strip()):
        return JSONResponse({"status": 400}, status_code=400)
    if not settings.premium:
        return JSONResponse({"status": 403, "code": "PREMIUM_REQUIRED"}, status_code=403)
    if settings.inmail_credits <= 0:
        return JSONResponse({"status": 402, "code": "NO_CREDITS"}, status_code=402)
    thread = sim.social.record_inmail(account.username, profile.public_id, subject, text)
    return JSONResponse(
        {
            "threadPath": f"/messaging/thread/{thread.thread_id}/",
            "creditsLeft": sim.social.settings_of(account.username).inmail_credits,
        }
    )


@router.get("/__sim/messages")
async def sim_messages(request: Request) -> list[dict[str, Any]]:
    """Every message recorded: {account, target (public id), text, thread_id, at}."""
    return _sim(request).social.messages()


@router.get("/__sim/inmails")
async def sim_inmails(request: Request) -> list[dict[str, Any]]:
    """Every InMail recorded: {account, target, subject, body, credits_left, thread_id, at}."""
    return _sim(request).social.inmails()


@router.get("/__sim/messaging")
async def sim_messaging(request: Request) -> dict[str, Any]:
    """Posts, messaging settings, threads and current reactions."""
    return _sim(request).social.snapshot()


@router.post("/__sim/messaging/settings")
async def sim_settings(request: Request, body: SettingsIn) -> dict[str, Any]:
    """Set an account's "Press Enter to send", Premium and InMail credits."""
    fields = body.model_dump(exclude_none=True, exclude={"account"})
    settings = _sim(request).social.update_settings(body.account, **fields)
    return {"account": body.account} | settings.__dict__


class ReplyIn(BaseModel):
    """Body of POST /__sim/messages/reply."""

    model_config = ConfigDict(extra="forbid")
    account: str
    from_public_id: str
    text: str


@router.post("/__sim/messages/reply")
async def sim_reply(request: Request, body: ReplyIn) -> Response:
    """The member `from_public_id` writes to the account: an unread message from them, the
    conversation (created if needed) on top of the inbox."""
    sim = _sim(request)
    if sim.profile(body.from_public_id) is None:
        return JSONResponse({"detail": "unknown profile"}, status_code=404)
    thread = sim.social.reply(body.account, body.from_public_id, body.text)
    return JSONResponse(
        {"thread_id": thread.thread_id, "thread_path": f"/messaging/thread/{thread.thread_id}/"}
    )
