"""Posts in the simulator: post page, recent activity, reactions and comments (README.md)."""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict

from linkedin_sim.pages import blocker_script, json_script, layout
from linkedin_sim.social import REACTIONS, SimPost, age_days, age_words
from linkedin_sim.state import Account, SimState
from linkedin_sim.voyager import csrf_ok

router = APIRouter()

_STATIC = resources.files("linkedin_sim") / "static"
EDITOR_JS = (_STATIC / "editor.js").read_text("utf-8")
POSTS_JS = (_STATIC / "posts.js").read_text("utf-8")
# How many posts the recent-activity page renders before the reader scrolls.
FIRST_BATCH = 5
# A post of someone else in the recent-activity sidebar: never to be read as the member's.
SIDEBAR_ACTIVITY = "7399999999999999999"
# What a click-intercepting layer covers on post pages: the first post's action bar.
POST_ANCHOR = "main .feed-shared-update-v2 .feed-shared-social-action-bar"

_STYLE = """
.update-components-text .break-words,.comments-comment-item__main-content span{white-space:pre-wrap}
.feed-shared-social-action-bar{display:flex;gap:8px;margin-top:12px;position:relative}
.reactions-react-button{position:relative;display:inline-block}
.reactions-menu{position:absolute;bottom:100%;left:0;background:#fff;border:1px solid #ccc;
  border-radius:24px;padding:4px;display:flex;gap:4px;white-space:nowrap;z-index:50}
.react-button--active{color:#0a66c2;font-weight:bold}
.ql-editor{min-height:40px;border:1px solid #999;border-radius:8px;padding:4px 8px;
  white-space:pre-wrap}
.ql-editor p{margin:0}
.comments-comment-entity{border-top:1px solid #eee;padding:8px 0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.scaffold-finite-scroll__content{min-height:100px}
"""


def _sim(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


def _guard(request: Request) -> Account | Response:
    """The signed-in account, or the redirect LinkedIn would answer with."""
    sim = _sim(request)
    account = sim.account_by_li_at(request.cookies.get("li_at"))
    if account is None:
        target = quote(request.url.path, safe="")
        return Response(status_code=302, headers={"location": f"/login?session_redirect={target}"})
    if account.challenge:
        token = sim.start_challenge(account.username)
        return Response(status_code=302, headers={"location": f"/checkpoint/challenge/{token}/"})
    return account


def post_html(post: SimPost, sim: SimState) -> str:
    """One post: actor, relative date, text, social actions, comment box, comments."""
    author = sim.profile(post.author)
    name = escape(author.name if author else post.author)
    headline = escape(author.headline if author else "")
    urn = escape(post.urn)
    edited = "Edited • " if post.edited else ""
    comments = "".join(
        '<article class="comments-comment-entity comments-comment-item">'
        f'<span class="comments-comment-meta__description-title">{escape(c["author"])}</span>'
        '<div class="comments-comment-item__main-content update-components-text" dir="ltr">'
        f"<span>{escape(c['text'])}</span></div></article>"
        for c in post.comments
    )
    return f"""<div class="feed-shared-update-v2 feed-shared-update-v2--minimal-padding
 artdeco-card" data-urn="{urn}" role="article" aria-label="Post by {name}">
 <div class="update-components-actor">
  <a class="update-components-actor__meta-link" href="/in/{escape(post.author)}/">
   <span class="update-components-actor__title"><span dir="ltr">{name}</span></span></a>
  <span class="update-components-actor__description">{headline}</span>
  <a class="update-components-actor__sub-description-link" href="/feed/update/{urn}/">
   <span class="update-components-actor__sub-description">
    <span aria-hidden="true">{escape(post.age)} • {edited}🌐</span>
    <span class="visually-hidden">{escape(age_words(post.age))} • {edited}Visible to anyone on or
     off LinkedIn</span></span></a>
 </div>
 <div class="feed-shared-update-v2__description"><div class="update-components-text relative">
  <span class="break-words" dir="ltr">{escape(post.text)}</span></div></div>
 <div class="feed-shared-social-action-bar">
  <span class="reactions-react-button feed-shared-social-action-bar__action-button">
   <button type="button" class="react-button__trigger artdeco-button artdeco-button--tertiary"
    aria-pressed="false" aria-label="React Like"><span class="react-button__text">Like</span>
   </button>
  </span>
  <button type="button" class="comment-button artdeco-button artdeco-button--tertiary"
   aria-label="Comment" data-sim-comment>Comment</button>
  <button type="button" class="artdeco-button artdeco-button--tertiary"
   aria-label="Repost">Repost</button>
 </div>
 <div class="comments-comment-box" hidden>
  <form class="comments-comment-box__form">
   <div class="comments-comment-box-comment__text-editor"><div class="ql-container">
    <div class="ql-editor ql-blank" contenteditable="true" role="textbox" aria-multiline="true"
     aria-label="Add a comment…" data-placeholder="Add a comment…"></div></div></div>
   <button type="submit" disabled
    class="comments-comment-box__submit-button artdeco-button artdeco-button--primary">Post</button>
  </form>
 </div>
 <div class="comments-comments-list">{comments}</div>
</div>"""


def _config(account: Account, sim: SimState, posts: list[SimPost]) -> dict[str, Any]:
    return {
        "me": account.display_name,
        "reactions": {
            p.urn: r for p in posts if (r := sim.social.reaction(account.username, p.urn))
        },
    }


def _script(config: dict[str, Any]) -> str:
    return (
        json_script("sim-posts", config)
        + f"<script>{EDITOR_JS}</script><script>{POSTS_JS}</script>"
    )


def post_page(account: Account, sim: SimState, post: SimPost) -> str:
    """A post on its own page, with more posts by the same author below it."""
    others = [p for p in sim.social.posts_of(post.author) if p.activity_id != post.activity_id]
    more = "".join(post_html(p, sim) for p in others[:2])
    body = f"""<style>{_STYLE}</style>
<div class="scaffold scaffold-layout">
 <main class="scaffold-layout__main" id="main" aria-label="Post">
  {post_html(post, sim)}
  <section class="artdeco-card"><h2>More from this author</h2>{more}</section>
 </main>
 <aside class="scaffold-layout__aside" aria-label="Promoted"><section class="artdeco-card">
  <h2>Promoted</h2><p>Try our CRM.</p></section></aside>
</div>"""
    config = _config(account, sim, [post, *others[:2]])
    script = _script(config) + blocker_script(sim.profile(post.author), POST_ANCHOR)
    return layout("Post | LinkedIn", body, account=account, script=script)


def post_unavailable_page(account: Account) -> str:
    """What LinkedIn shows for a deleted or unknown post."""
    body = """<main class="scaffold-layout__main" id="main"><div class="artdeco-empty-state">
 <h2 class="artdeco-empty-state__headline">This post cannot be displayed</h2>
 <p class="artdeco-empty-state__message">It may have been deleted or moved.</p></div></main>"""
    return layout("Post | LinkedIn", body, account=account)


def _no_posts(variant: str, name: str) -> str:
    """How recent activity says there are no posts (`activity_empty`); `name` is escaped."""
    if variant == "bare":
        return ""
    if variant == "no_recent_activity":
        return (
            '<div class="pv-recent-activity-detail__no-content"><p class="t-16 t-bold">'
            f"No recent activity</p><p>Posts {name} shares will be displayed here.</p></div>"
        )
    return (
        '<div class="artdeco-empty-state"><h2 class="artdeco-empty-state__headline">'
        f"{name} hasn’t posted lately</h2></div>"
    )


def activity_page(account: Account, sim: SimState, public_id: str) -> str:
    """A member's recent activity, newest first, loading more as the reader scrolls."""
    profile = sim.profile(public_id)
    name = escape(profile.name if profile else public_id)
    posts = sim.social.posts_of(public_id)
    shown = "".join(post_html(p, sim) for p in posts[:FIRST_BATCH])
    empty = _no_posts(profile.activity_empty if profile else "classic", name) if not posts else ""
    body = f"""<style>{_STYLE}</style>
<div class="scaffold scaffold-layout">
 <main class="scaffold-layout__main" id="main" aria-label="All activity">
  <section class="artdeco-card"><h1>{name}</h1><h2>All activity</h2>
   <a href="/in/{escape(public_id)}/">Back to profile</a></section>
  {empty}
  <div class="scaffold-finite-scroll__content" data-sim-feed>{shown}</div>
 </main>
 <aside class="scaffold-layout__aside" aria-label="Trending">
  <section class="artdeco-card"><h2>Trending</h2>
   <div class="feed-shared-update-v2" data-urn="urn:li:activity:{SIDEBAR_ACTIVITY}">
    <span class="update-components-actor__sub-description">
     <span aria-hidden="true">1h • </span></span>
    <span class="break-words">Not this member's post.</span></div></section></aside>
</div>"""
    config = _config(account, sim, posts)
    config["deferred"] = [post_html(p, sim) for p in posts[FIRST_BATCH:]]
    config["batch"] = FIRST_BATCH
    script = _script(config) + blocker_script(profile, POST_ANCHOR)
    return layout(f"{name} | Activity | LinkedIn", body, account=account, script=script)


class PostIn(BaseModel):
    """Body of POST /__sim/posts."""

    model_config = ConfigDict(extra="forbid")
    author: str
    text: str
    age: str = "1d"
    activity_id: str | None = None
    edited: bool = False


class ReactionIn(BaseModel):
    """Body of POST /__sim/reactions: put a reaction in place without recording it."""

    model_config = ConfigDict(extra="forbid")
    account: str
    target: str
    reaction: str | None


# --- pages ----------------------------------------------------------------------------


@router.get("/feed/update/{urn}/")
async def post_route(request: Request, urn: str) -> Response:
    """A post by URN; unknown posts get LinkedIn's "cannot be displayed" state."""
    account = _guard(request)
    if isinstance(account, Response):
        return account
    sim = _sim(request)
    post = sim.social.post(urn.removeprefix("urn:li:activity:"))
    if not urn.startswith("urn:li:activity:") or post is None:
        return HTMLResponse(post_unavailable_page(account), status_code=404)
    return HTMLResponse(post_page(account, sim, post))


@router.get("/in/{public_id}/recent-activity/{kind}/")
async def activity_route(request: Request, public_id: str, kind: str) -> Response:
    """Recent activity (all, shares...): the member's posts with relative dates."""
    account = _guard(request)
    if isinstance(account, Response):
        return account
    sim = _sim(request)
    if sim.profile(public_id) is None:
        new_slug = sim.redirect_slug(public_id)
        if new_slug is not None:
            location = f"/in/{quote(new_slug)}/recent-activity/{quote(kind)}/"
            return Response(status_code=301, headers={"location": location})
        return Response(status_code=302, headers={"location": "/404/"})
    return HTMLResponse(activity_page(account, sim, public_id))


# --- the XHRs the page sends ------------------------------------------------------------


@router.post("/voyager/api/voyagerSocialDashReactions")
@router.delete("/voyager/api/voyagerSocialDashReactions")
async def reaction_route(request: Request, threadUrn: str) -> Response:
    """React (POST {reactionType}) or unreact (DELETE) on a post."""
    sim = _sim(request)
    account = sim.account_by_li_at(request.cookies.get("li_at"))
    if account is None:
        return JSONResponse({"status": 401}, status_code=401)
    if not csrf_ok(request):
        return JSONResponse({"status": 403, "message": "CSRF check failed"}, status_code=403)
    if sim.social.post(threadUrn.removeprefix("urn:li:activity:")) is None:
        return JSONResponse({"status": 404}, status_code=404)
    reaction = None
    if request.method == "POST":
        reaction = (await request.json()).get("reactionType")
        if reaction not in REACTIONS:
            return JSONResponse({"status": 400}, status_code=400)
    sim.social.record_reaction(account.username, threadUrn, reaction)
    return JSONResponse({"value": {"reactionType": reaction}}, status_code=200)


@router.post("/voyager/api/voyagerSocialDashNormComments")
async def comment_route(request: Request) -> Response:
    """Post a comment: JSON {threadUrn, commentary: {text}}; the text is kept exactly."""
    sim = _sim(request)
    account = sim.account_by_li_at(request.cookies.get("li_at"))
    if account is None:
        return JSONResponse({"status": 401}, status_code=401)
    if not csrf_ok(request):
        return JSONResponse({"status": 403, "message": "CSRF check failed"}, status_code=403)
    body = await request.json()
    urn = str(body.get("threadUrn", ""))
    text = (body.get("commentary") or {}).get("text")
    if sim.social.post(urn.removeprefix("urn:li:activity:")) is None:
        return JSONResponse({"status": 404}, status_code=404)
    if not isinstance(text, str) or not text.strip():
        return JSONResponse({"status": 400}, status_code=400)
    sim.social.record_comment(account.username, account.display_name, urn, text)
    return JSONResponse({"value": {"threadUrn": urn}}, status_code=201)


# --- inspection and control -------------------------------------------------------------


@router.get("/__sim/reactions")
async def sim_reactions(request: Request) -> list[dict[str, Any]]:
    """Every react/unreact recorded: {account, target (post urn), reaction|null, at}."""
    return _sim(request).social.reactions()


@router.post("/__sim/reactions")
async def sim_set_reaction(request: Request, body: ReactionIn) -> dict[str, bool]:
    """Put an account's reaction on a post in place (not recorded as an event)."""
    if body.reaction is not None and body.reaction not in REACTIONS:
        raise HTTPException(400, f"reaction must be one of {sorted(REACTIONS)} or null")
    _sim(request).social.set_reaction(body.account, body.target, body.reaction)
    return {"ok": True}


@router.get("/__sim/comments")
async def sim_comments(request: Request) -> list[dict[str, Any]]:
    """Every comment recorded: {account, target (post urn), text, at}."""
    return _sim(request).social.comments()


@router.get("/__sim/posts")
async def sim_posts(request: Request) -> list[dict[str, Any]]:
    """Every post with its urn, author, age and comments."""
    posts: list[dict[str, Any]] = _sim(request).social.snapshot()["posts"]
    return posts


@router.post("/__sim/posts")
async def sim_add_post(request: Request, body: PostIn) -> dict[str, Any]:
    """Create or replace a post; returns its urn and URL path."""
    try:
        age_days(body.age)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    post = _sim(request).social.add_post(
        body.author, body.text, body.age, activity_id=body.activity_id, edited=body.edited
    )
    return {"ok": True, "urn": post.urn, "path": f"/feed/update/{post.urn}/"}
