"""HTML of the simulator's pages, shaped like LinkedIn's (roles, aria-labels, classes)."""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any

from linkedin_sim.state import Account, Profile, Relationship

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f2ee;color:#1d1d1d}
.global-nav{background:#fff;border-bottom:1px solid #ddd;padding:8px 24px;display:flex;gap:16px}
.scaffold{display:flex;gap:24px;max-width:1128px;margin:24px auto}
main{flex:1}
aside{width:300px}
.artdeco-card{background:#fff;border-radius:8px;padding:24px;margin-bottom:16px}
.artdeco-button{border-radius:16px;padding:6px 16px;border:1px solid #0a66c2;
  background:#fff;color:#0a66c2;cursor:pointer;margin-right:8px;text-decoration:none}
.artdeco-button--primary{background:#0a66c2;color:#fff}
.artdeco-button:disabled{opacity:.5;cursor:default}
.artdeco-modal-overlay{position:fixed;inset:0;background:rgba(0,0,0,.6);z-index:1000;
  display:flex;align-items:center;justify-content:center}
.artdeco-modal{background:#fff;border-radius:8px;padding:24px;width:520px;position:relative}
.artdeco-modal__dismiss{position:absolute;right:12px;top:12px}
.artdeco-modal__actionbar{display:flex;justify-content:flex-end;margin-top:16px}
textarea{width:100%;min-height:120px}
.artdeco-dropdown__content{position:absolute;background:#fff;border:1px solid #ccc;
  border-radius:8px;padding:8px 0;z-index:900;min-width:220px}
.artdeco-dropdown__item{padding:8px 16px;cursor:pointer}
.artdeco-dropdown__item:hover{background:#eee}
.artdeco-toasts_toasts{position:fixed;left:24px;bottom:24px;z-index:1100}
.artdeco-toast-item{background:#fff;border-left:4px solid #057642;padding:12px 16px;margin-top:8px}
#interop-outlet{position:fixed;inset:0;z-index:5000;background:rgba(0,0,0,.25)}
#interop-outlet .interop-panel{position:absolute;right:24px;bottom:24px;background:#fff;
  padding:16px;border-radius:8px;width:320px}
.pv-profile-section{min-height:600px}
"""


# A transparent 1x1 GIF: member pictures (only their alt text matters).
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def json_script(element_id: str, data: dict[str, Any]) -> str:
    """Page data for the page's JavaScript ("<" escaped so nothing can close the block)."""
    payload = json.dumps(data).replace("<", "\\u003c")
    return f'<script type="application/json" id="{element_id}">{payload}</script>'


def layout(title: str, body: str, *, account: Account | None = None, script: str = "") -> str:
    """Wrap a page body in LinkedIn's global chrome."""
    nav = ""
    if account is not None:
        nav = (
            '<header class="global-nav" role="banner"><nav aria-label="Primary Navigation">'
            '<a href="/feed/" class="global-nav__primary-link">Home</a>'
            '<a href="/mynetwork/" class="global-nav__primary-link">My Network</a>'
            '<a href="/messaging/" class="global-nav__primary-link">Messaging</a>'
            f'<a href="/in/{escape(account.public_id)}/" class="global-nav__me">'
            f'<img class="global-nav__me-photo" alt="{escape(account.display_name)}"'
            f' src="{PIXEL}" width="24" height="24">Me</a>'
            "</nav></header>"
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{nav}{body}{script}</body></html>"
    )


def _field_error(field: str, error: str) -> str:
    return (
        f'<div id="error-for-{field}" class="form__label--error" role="alert">{escape(error)}</div>'
    )


def login_page(
    *, username: str = "", error_field: str | None = None, error: str = "", redirect: str = ""
) -> str:
    """The sign-in form; re-rendered with an inline error after a failed attempt."""
    user_err = pass_err = ""
    if error_field == "username":
        user_err = _field_error("username", error)
    elif error_field == "password":
        pass_err = _field_error("password", error)
    body = f"""
<main class="app__content" id="app__container">
 <div class="card-layout">
  <h1 class="header__content__heading">Sign in</h1>
  <p>Stay updated on your professional world</p>
  <form class="login__form" method="post" action="/checkpoint/lg/login-submit" novalidate>
   <input type="hidden" name="session_redirect" value="{escape(redirect)}">
   <div class="form__input--floating">
    <label for="username">Email or phone</label>
    <input id="username" name="session_key" type="text" autocomplete="username"
      aria-label="Email or phone" value="{escape(username)}" required>
    {user_err}
   </div>
   <div class="form__input--floating">
    <label for="password">Password</label>
    <input id="password" name="session_password" type="password"
      autocomplete="current-password" aria-label="Password" required>
    {pass_err}
   </div>
   <div class="login__form_action_container">
    <button class="btn__primary--large from__button--floating" type="submit"
      aria-label="Sign in" data-litms-control-urn="login-submit">Sign in</button>
   </div>
  </form>
 </div>
</main>"""
    return layout("LinkedIn Login, Sign in | LinkedIn", body)


def checkpoint_page(token: str, *, error: str = "") -> str:
    """An email PIN challenge, as LinkedIn shows after a suspicious sign-in."""
    err = f'<div class="form__label--error" role="alert">{escape(error)}</div>' if error else ""
    body = f"""
<main class="app__content">
 <h1>Let's do a quick verification</h1>
 <p>The login attempt seems suspicious. To finish signing in please enter the verification
 code we sent to your email address.</p>
 <form method="post" action="/checkpoint/challenge/{escape(token)}/">
  <label for="input__email_verification_pin">Enter code</label>
  <input id="input__email_verification_pin" name="pin" type="text" maxlength="6"
    inputmode="numeric" autocomplete="one-time-code" required>
  {err}
  <button id="email-pin-submit-button" type="submit" class="form__submit">Submit</button>
 </form>
</main>"""
    return layout("Security Verification | LinkedIn", body)


def rate_limit_page() -> str:
    """What LinkedIn serves when throttling: a short page without <main>."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>LinkedIn</title>'
        "</head><body><h1>Too Many Requests</h1>"
        "<p>We have received too many requests from you. Please try again later.</p>"
        "</body></html>"
    )


def gateway_error_page(status: int) -> str:
    """LinkedIn's edge answering 502: a bare page in the browser-error style, no <main>."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>LinkedIn</title>'
        '</head><body><div class="error-page" id="main-frame-error">'
        "<h1>This page isn’t working</h1>"
        "<p>www.linkedin.com is currently unable to handle this request.</p>"
        f'<div class="error-code">HTTP ERROR {status}</div>'
        '<button class="reload-button" type="button">Reload</button></div></body></html>'
    )


def unavailable_page() -> str:
    """LinkedIn's maintenance answer (503): logo, a heading and a line, no <main>."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>LinkedIn: Service Unavailable</title></head><body>"
        '<div class="error-container"><span class="logo" aria-label="LinkedIn">in</span>'
        "<h2>Service Unavailable</h2>"
        "<p>LinkedIn is temporarily unavailable while we work on it. We expect to be back"
        " shortly.</p></div></body></html>"
    )


def soft_error_page(account: Account | None) -> str:
    """LinkedIn's in-app error state, served with status 200: its chrome, a short <main>."""
    body = """
<main class="scaffold" id="main"><section class="artdeco-card error-container">
 <h1>Something went wrong</h1>
 <p>Refresh the page, or go back to your feed.</p>
 <button class="artdeco-button artdeco-button--primary" type="button">Refresh page</button>
 <a href="/feed/" class="artdeco-button">Go to your feed</a>
</section></main>"""
    return layout("LinkedIn", body, account=account)


def not_found_page(account: Account | None) -> str:
    """LinkedIn's /404/ page."""
    body = """
<main class="scaffold"><section class="artdeco-card">
 <h1>This page doesn't exist</h1>
 <p>Please check your URL or return to LinkedIn home.</p>
 <a href="/feed/" class="artdeco-button">Go to your feed</a>
</section></main>"""
    return layout("Page not found | LinkedIn", body, account=account)


def authwall_page() -> str:
    """The sign-up wall shown to visitors without a session."""
    body = """
<main class="authwall"><h1>Join LinkedIn to see this profile</h1>
 <a href="/login" class="authwall-join-form__form-toggle--bottom">Sign in</a>
 <a href="/signup">Join now</a></main>"""
    return layout("Sign Up | LinkedIn", body)


def feed_page(account: Account) -> str:
    """The home feed of a signed-in member."""
    body = f"""
<div class="scaffold">
 <aside class="scaffold-layout__sidebar"><div class="artdeco-card feed-identity-module">
  <a href="/in/{escape(account.public_id)}/">{escape(account.display_name)}</a></div></aside>
 <main class="scaffold-layout__main" id="main" aria-label="Main Feed">
  <div class="artdeco-card share-box-feed-entry__wrapper">
   <button class="artdeco-button share-box-feed-entry__trigger">Start a post</button></div>
  <div class="feed-shared-update-v2 artdeco-card" data-urn="urn:li:activity:7100000000000000001">
   <p>Simulated post: pricing lessons from 100 customer calls.</p></div>
  <div class="feed-shared-update-v2 artdeco-card" data-urn="urn:li:activity:7100000000000000002">
   <p>Simulated post: we are hiring.</p></div>
 </main>
</div>"""
    return layout("Feed | LinkedIn", body, account=account)


def _degree_badge(degree: str) -> str:
    return (
        f'<span class="distance-badge separator" aria-label="{degree} degree connection">'
        f'<span class="visually-hidden">{degree} degree connection</span>'
        f'<span class="dist-value" aria-hidden="true">{degree}</span></span>'
    )


def _top_card_actions(
    profile: Profile, rel: Relationship, is_self: bool
) -> tuple[str, list[dict[str, str]]]:
    """Buttons in the top card and the items of its "More" menu."""
    name = escape(profile.name)
    message = (
        f'<a class="artdeco-button pvs-profile-actions__action" aria-label="Message {name}" '
        f'href="/messaging/compose/?profileUrn={escape(profile.urn)}&recipient={escape(profile.public_id)}">'
        "Message</a>"
    )
    more = (
        '<button class="artdeco-button artdeco-dropdown__trigger" aria-label="More actions" '
        'aria-expanded="false" data-sim-more>More</button>'
    )
    menu: list[dict[str, str]] = [{"label": "Save to PDF", "text": "Save to PDF", "kind": "noop"}]
    if is_self:
        actions = (
            f'<a class="artdeco-button" href="/in/{escape(profile.public_id)}/edit/intro/" '
            'aria-label="Edit intro">Edit intro</a>'
        )
        return actions, menu
    pending_btn = (
        f'<button class="artdeco-button artdeco-button--primary" data-sim-pending '
        f'aria-label="Pending, click to withdraw invitation sent to {name}">Pending</button>'
    )
    connect_btn = (
        '<button class="artdeco-button artdeco-button--primary" data-sim-connect '
        f'aria-label="Invite {name} to connect">Connect</button>'
    )
    follow_btn = (
        '<button class="artdeco-button artdeco-button--primary" '
        f'aria-label="Follow {name}">Follow</button>'
    )
    invite_label = f"Invite {profile.name} to connect"
    pending_label = f"Pending, click to withdraw invitation sent to {profile.name}"
    special = _relationship_variant(profile, rel, message, more, follow_btn, menu)
    if special is not None:
        return special, menu
    if rel == "connected":
        menu.append(
            {
                "label": f"Remove your connection to {profile.name}",
                "text": "Remove connection",
                "kind": "noop",
            }
        )
        return message.replace(
            "artdeco-button ", "artdeco-button artdeco-button--primary ", 1
        ) + more, menu
    if profile.placement == "more_menu":
        if rel == "pending":
            menu.append({"label": pending_label, "text": "Pending", "kind": "pending"})
        else:
            menu.append({"label": invite_label, "text": "Connect", "kind": "connect"})
        return follow_btn + message + more, menu
    menu.append({"label": f"Follow {profile.name}", "text": "Follow", "kind": "noop"})
    primary = pending_btn if rel == "pending" else connect_btn
    return primary + message + more, menu


def _relationship_variant(
    profile: Profile,
    rel: Relationship,
    message: str,
    more: str,
    follow_btn: str,
    menu: list[dict[str, str]],
) -> str | None:
    """Top-card actions of the incoming / follow-only / open-profile / hidden-pending variants.

    Returns None for the classic layouts; may append items to the More `menu`.
    """
    name = escape(profile.name)
    if rel == "incoming":
        # Someone invited the account: Accept / Ignore replace Connect.
        return (
            f'<button class="artdeco-button" aria-label="Ignore {name}&#8217;s invitation" '
            "data-sim-ignore>Ignore</button>"
            '<button class="artdeco-button artdeco-button--primary" '
            f'aria-label="Accept {name}&#8217;s invitation" data-sim-accept>Accept</button>'
            + message
            + more
        )
    if rel == "pending" and profile.hide_pending:
        # The invitation exists (it is on the sent page) but the profile does not show it.
        return follow_btn + message + more
    if rel == "not_connected" and profile.follow_only:
        return follow_btn + more
    if profile.open_profile and rel in ("not_connected", "pending"):
        # Open profile / Premium: Message for everyone; Connect (or Pending) under More.
        if rel == "pending":
            label = f"Pending, click to withdraw invitation sent to {profile.name}"
            menu.append({"label": label, "text": "Pending", "kind": "pending"})
        else:
            label = f"Invite {profile.name} to connect"
            menu.append({"label": label, "text": "Connect", "kind": "connect"})
        primary = message.replace("artdeco-button ", "artdeco-button artdeco-button--primary ", 1)
        return primary + follow_btn.replace(" artdeco-button--primary", "", 1) + more
    return None


def profile_page(
    account: Account,
    profile: Profile,
    rel: Relationship,
    sidebar: list[Profile],
) -> str:
    """A member profile with its top card, sections, a sidebar and the invitation UI."""
    is_self = account.public_id == profile.public_id
    actions, menu = _top_card_actions(profile, rel, is_self)
    degree = "" if is_self else _degree_badge("1st" if rel == "connected" else profile.degree)
    people = "".join(
        f"""<li class="pvs-list__item">
  <a href="/in/{escape(p.public_id)}/" class="optional-action-target-wrapper">{escape(p.name)}</a>
  <div class="t-14">{escape(p.headline)}</div>
  <button class="artdeco-button artdeco-button--secondary" data-sim-sidebar-invite="{escape(p.urn)}"
    aria-label="Invite {escape(p.name)} to connect">Connect</button></li>"""
        for p in sidebar
    )
    aside = (
        '<aside class="scaffold-layout__aside" aria-label="People also viewed">'
        '<section class="artdeco-card"><h2>People also viewed</h2>'
        f'<ul class="pvs-list">{people}</ul></section></aside>'
        if sidebar
        else ""
    )
    config = {
        "publicId": profile.public_id,
        "name": profile.name,
        "urn": profile.urn,
        "flow": profile.invite_flow,
        "weeklyLimit": profile.weekly_limit,
        "emailRequired": profile.email_required,
        "overlay": profile.overlay,
        "menu": menu,
    }
    body = f"""
<div class="scaffold scaffold-layout">
 <main class="scaffold-layout__main" id="main">
  <section class="artdeco-card pv-top-card" data-member-id="{profile.member_id}">
   <div class="pv-top-card--photo"><div class="pv-top-card-profile-picture"></div></div>
   <div class="mt2 relative">
    <h1 class="text-heading-xlarge inline t-24 break-words">{escape(profile.name)}</h1>
    {degree}
    <div class="text-body-medium break-words">{escape(profile.headline)}</div>
    <span class="text-body-small inline t-black--light">{escape(profile.location)}</span>
   </div>
   <div class="pv-top-card-v2-ctas pvs-profile-actions">{actions}</div>
  </section>
  <section class="artdeco-card pv-profile-section" id="about"><h2>About</h2>
   <p>{escape(profile.name)} works on interesting things.</p></section>
  <section class="artdeco-card pv-profile-section" id="experience"><h2>Experience</h2>
   <p>Several roles, several years.</p></section>
 </main>
 {aside}
</div>
<div class="artdeco-toasts_toasts" aria-live="polite"></div>"""
    script = (
        json_script("sim-config", config)
        + f"<script>{PROFILE_JS}</script><script>{NETWORK_JS}</script>"
        + blocker_script(profile, "main section[data-member-id] .pvs-profile-actions")
    )
    return layout(f"{profile.name} | LinkedIn", body, account=account, script=script)


def blocker_script(profile: Profile | None, anchor: str) -> str:
    """The profile's click-intercepting layer (if any) for a page; `anchor` is the CSS of
    what it covers there (its first button is what a decoy imitates)."""
    if profile is None or profile.click_blocker is None:
        return ""
    config = {"kind": profile.click_blocker, "anchor": anchor}
    return json_script("sim-blocker", config) + f"<script>{BLOCKERS_JS}</script>"


# Inlined into each profile page so the simulator needs no static file route.
PROFILE_JS = (resources.files("linkedin_sim") / "static" / "profile.js").read_text("utf-8")
# Withdraw dialogs and the sent-invitations page (see network.py).
NETWORK_JS = (resources.files("linkedin_sim") / "static" / "network.js").read_text("utf-8")
SENT_JS = (resources.files("linkedin_sim") / "static" / "sent.js").read_text("utf-8")
BLOCKERS_JS = (resources.files("linkedin_sim") / "static" / "blockers.js").read_text("utf-8")
