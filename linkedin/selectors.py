"""The one table of LinkedIn selectors: several variants per element, tried in order.

Structure (roles, aria attributes, href patterns, data attributes) comes first; visible
English text is only the last resort. A UI change should be a fix in this file alone.
Placeholders `{name}` (the profile owner's name) and `{public_id}` are filled by `fmt()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Locator, Page


@dataclass(frozen=True)
class Selector:
    """A named element and its selector variants, most specific first."""

    name: str
    variants: tuple[str, ...]


def css_string(value: str) -> str:
    """Escape a value for use inside a double-quoted CSS attribute or :has-text() string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def fmt(selector: Selector, **values: str) -> tuple[str, ...]:
    """The variants with placeholders filled in (values CSS-escaped)."""
    escaped = {key: css_string(value) for key, value in values.items()}
    return tuple(variant.format(**escaped) for variant in selector.variants)


def any_of(scope: Page | Locator, selector: Selector, **values: str) -> Locator:
    """One locator matching any variant (DOM order, not variant order)."""
    variants = fmt(selector, **values)
    locator = scope.locator(variants[0])
    for variant in variants[1:]:
        locator = locator.or_(scope.locator(variant))
    return locator


async def first_present(
    scope: Page | Locator, selector: Selector, *, visible: bool = True, **values: str
) -> Locator | None:
    """The first match of the first variant that matches now (no waiting), or None."""
    for variant in fmt(selector, **values):
        locator = scope.locator(variant)
        count = await locator.count()
        for index in range(count):
            candidate = locator.nth(index)
            if not visible or await candidate.is_visible():
                return candidate
    return None


# --- login and checkpoint ----------------------------------------------------------------

LOGIN_USERNAME = Selector(
    "login username",
    ("#username", 'input[name="session_key"]', 'input[autocomplete="username"]'),
)
LOGIN_PASSWORD = Selector(
    "login password",
    ("#password", 'input[name="session_password"]', 'input[type="password"]'),
)
LOGIN_SUBMIT = Selector(
    "sign in button",
    (
        'button[data-litms-control-urn="login-submit"]',
        'form button[type="submit"][aria-label="Sign in"]',
        'form.login__form button[type="submit"]',
        'button:has-text("Sign in")',
    ),
)
CHECKPOINT_PIN = Selector(
    "checkpoint PIN input",
    ('input[name="pin"]', "#input__email_verification_pin"),
)
CHECKPOINT_SUBMIT = Selector(
    "checkpoint submit",
    ("#email-pin-submit-button", 'form:has(input[name="pin"]) button[type="submit"]'),
)

# --- profile top card ----------------------------------------------------------------------

TOP_CARD = Selector(
    "profile top card",
    (
        "main section[data-member-id]",
        "section[data-member-id]",
        "section.artdeco-card:has(.pv-top-card)",
        'section[componentkey*="profile.card"]',
        "main section:has(h1)",
    ),
)
OWNER_NAME = Selector("owner name", ("h1",))
DEGREE_BADGE = Selector(
    "degree badge",
    (".distance-badge .dist-value", "span.dist-value", '[class*="distance-badge"]'),
)
SELF_MARKER = Selector("own profile", ('a[href*="/edit/intro/"]',))

# Scoped to the top card: the sidebar holds other people's Connect buttons.
CONNECT_IN_CARD = Selector(
    "Connect (top card)",
    (
        'button[aria-label="Invite {name} to connect"]',
        'a[href*="/preload/custom-invite/?vanityName={public_id}"]',
        '[role="button"][aria-label="Invite {name} to connect"]',
    ),
)
PENDING_IN_CARD = Selector(
    "Pending (top card)",
    (
        '[aria-label="Pending, click to withdraw invitation sent to {name}"]',
        'button[aria-label^="Pending"]',
    ),
)
MESSAGE_IN_CARD = Selector(
    "Message (top card)",
    (
        'a[href*="/messaging/compose/"]',
        'a[href*="/messaging/thread/"]',
        'button[aria-label^="Message"]',
    ),
)
MORE_IN_CARD = Selector(
    "More actions (top card)",
    (
        'button[aria-label="More actions"]',
        'button.artdeco-dropdown__trigger[aria-label*="More"]',
        'button:has-text("More")',
    ),
)

# The More menu may be a portal at the end of <body>: searched page-wide, but only inside
# menus, never in <aside>, and always scoped by the owner's name.
CONNECT_IN_MENU = Selector(
    "Connect (More menu)",
    (
        '[role="menu"] [aria-label="Invite {name} to connect"]:not(aside *)',
        '.artdeco-dropdown__content [aria-label="Invite {name} to connect"]:not(aside *)',
        '[role="menuitem"][aria-label="Invite {name} to connect"]:not(aside *)',
    ),
)
PENDING_IN_MENU = Selector(
    "Pending (More menu)",
    (
        '[role="menu"] [aria-label="Pending, click to withdraw invitation sent to {name}"]',
        '[aria-label="Pending, click to withdraw invitation sent to {name}"]:not(aside *)',
    ),
)

# --- invitation dialogs ----------------------------------------------------------------------

DIALOG = Selector("dialog", ('[role="dialog"]', ".artdeco-modal"))
ADD_NOTE = Selector(
    "Add a note",
    ('button[aria-label="Add a note"]', 'button:has-text("Add a note")'),
)
SEND_WITHOUT_NOTE = Selector(
    "Send without a note",
    (
        'button[aria-label="Send without a note"]',
        'button[aria-label="Send now"]',
        'button:has-text("Send without a note")',
    ),
)
NOTE_FIELD = Selector(
    "invitation note",
    ('textarea[name="message"]', "#custom-message", "textarea"),
)
SEND_WITH_NOTE = Selector(
    "Send (with note)",
    (
        'button[aria-label="Send invitation"]',
        'button[aria-label="Send now"]',
        'button[aria-label="Send"]',
        'button.artdeco-button--primary:has-text("Send")',
    ),
)
EMAIL_REQUIRED = Selector(
    "email required",
    (
        '[role="dialog"] input[type="email"]',
        '[role="dialog"] input[name="email"]',
        '[role="dialog"]:has-text("please enter their email to connect")',
    ),
)
PREMIUM_UPSELL = Selector("premium upsell", ('[role="dialog"] a[href*="/premium/"]',))
WEEKLY_LIMIT = Selector(
    "weekly invitation limit",
    (
        '[class*="ip-fuse-limit-alert"]',
        '[role="alertdialog"]:has-text("weekly invitation limit")',
        '[role="alert"]:has-text("weekly invitation limit")',
    ),
)
TOAST_SUCCESS = Selector("success toast", ('[data-test-artdeco-toast-item-type="success"]',))
TOAST_ERROR = Selector("error toast", ('[data-test-artdeco-toast-item-type="error"]',))
TOASTS = Selector(
    "any toast", ("[data-test-artdeco-toast-item-type]", ".artdeco-toast-item", ".artdeco-toasts")
)

# --- relationship state and withdraw -----------------------------------------------------------

# Someone invited the account: Accept / Ignore replace Connect in the top card.
ACCEPT_IN_CARD = Selector(
    "Accept invitation (top card)",
    (
        'button[aria-label^="Accept {name}"]',
        'button[aria-label^="Accept"][aria-label*="invitation"]',
        'button:text-is("Accept")',
    ),
)
IGNORE_IN_CARD = Selector(
    "Ignore invitation (top card)",
    (
        'button[aria-label^="Ignore {name}"]',
        'button[aria-label^="Ignore"][aria-label*="invitation"]',
        'button:text-is("Ignore")',
    ),
)
FOLLOW_IN_CARD = Selector(
    "Follow (top card)",
    (
        'button[aria-label="Follow {name}"]',
        'button[aria-label^="Following"]',
        'button[aria-label^="Unfollow {name}"]',
    ),
)
FOLLOW_IN_MENU = Selector(
    "Follow (More menu)",
    ('[role="menu"] [aria-label="Follow {name}"]', '[role="menu"] [aria-label^="Unfollow {name}"]'),
)
REMOVE_CONNECTION_IN_MENU = Selector(
    "Remove connection (More menu)",
    ('[role="menu"] [aria-label="Remove your connection to {name}"]',),
)
MENU = Selector("open menu", ('[role="menu"]', ".artdeco-dropdown__content--is-open"))
# The withdraw dialog's confirm: labelled or worded "Withdraw", else the primary button.
WITHDRAW_CONFIRM = Selector(
    "Withdraw (dialog)",
    (
        'button[aria-label^="Withdraw"]',
        'button:text-is("Withdraw")',
        "button.artdeco-button--primary",
    ),
)
# One invitation on /mynetwork/invitation-manager/sent/, found by its profile link.
SENT_INVITATION = Selector(
    "sent invitation card",
    (
        'main li:has(a[href*="/in/{public_id}/"])',
        'main li:has(a[href$="/in/{public_id}"])',
        '[data-view-name*="invitation"]:has(a[href*="/in/{public_id}/"])',
    ),
)
SENT_WITHDRAW = Selector(
    "Withdraw (sent invitation)",
    ('button[aria-label^="Withdraw invitation"]', 'button:text-is("Withdraw")'),
)
# Any invitation on the sent page (a card with its own Withdraw): the list has rendered.
SENT_ANY_INVITATION = Selector(
    "any sent invitation",
    (
        'main li:has(button[aria-label^="Withdraw invitation"])',
        'main li:has(button:text-is("Withdraw"))',
        '[data-view-name*="invitation"]:has(button[aria-label^="Withdraw"])',
    ),
)
# The page saying there is nothing pending: the empty-state component, else its wording.
SENT_EMPTY = Selector(
    "no sent invitations",
    (
        "main .artdeco-empty-state",
        'main [class*="empty-state"]',
        'main :text-matches("(^|[^a-z])no (pending |sent |outstanding )?invitations'
        '|haven.t sent any invitations", "i")',
    ),
)

# --- page chrome ------------------------------------------------------------------------------

# Overlays that swallow clicks; their dismiss control, most specific first.
INTEROP_OVERLAY = Selector("click-intercepting overlay", ("#interop-outlet",))
INTEROP_DISMISS = Selector(
    "overlay dismiss",
    ('#interop-outlet button[aria-label="Dismiss"]', "#interop-outlet button"),
)
MAIN = Selector("main", ("main",))
# A page still loading its content (then an absence means nothing yet).
LOADING = Selector(
    "loading indicator",
    (
        '[role="progressbar"]',
        '[aria-busy="true"]',
        ".artdeco-loader",
        ".artdeco-spinner",
        '[class*="skeleton"]',
    ),
)
# Headings of an account-level notice page (restriction): matched by wording in page_state.
RESTRICTION_HEADING = Selector("restriction notice heading", ("h1, h2, [role='alert']",))
# LinkedIn's own error page ("Something went wrong"): its heading, matched by wording in
# page_state, and the content a working page shows instead (any of it means: not an error).
ERROR_PAGE_HEADING = Selector("error page heading", ("h1, h2, h3, .error-container, .error-page",))
PAGE_CONTENT = Selector(
    "page content",
    (
        "section[data-member-id]",
        "section.artdeco-card:has(.pv-top-card)",
        '[data-urn^="urn:li:activity:"]',
        "form.msg-form",
        ".mn-invitation-list",
        "form.login__form",
        'input[name="pin"]',
    ),
)

# --- messaging, posts, reactions, comments, InMail ------------------------------------------
# (message.py, inmail.py, posts.py, react.py, comment.py, recent_posts.py)

# The compose editor and its form: the messaging page, or the overlay bubble on a profile.
MSG_EDITOR = Selector(
    "message editor",
    (
        'div[role="textbox"][contenteditable="true"][aria-label*="Write a message"]',
        ".msg-form__contenteditable[contenteditable='true']",
        'form.msg-form [contenteditable="true"]',
    ),
)
MSG_SEND = Selector(
    "message Send",
    (
        'button[type="submit"].msg-form__send-button',
        "button.msg-form__send-button",
        'form.msg-form button[type="submit"]',
    ),
)
# The conversation around the compose form; verification never looks outside it.
MSG_THREAD = Selector(
    "conversation",
    (
        "main .msg-thread",
        ".msg-overlay-conversation-bubble--is-active",
        ".msg-overlay-conversation-bubble",
        "main .msg-convo-wrapper",
    ),
)
MSG_THREAD_TITLE = Selector(
    "conversation title",
    (".msg-entity-lockup__entity-title", ".msg-overlay-bubble-header__title", "header h2"),
)
# Plain CSS (read in page JavaScript): each message's text inside the conversation.
MSG_BODY_CSS = (
    ".msg-s-message-list-content .msg-s-event-listitem__body, "
    ".msg-s-message-list .msg-s-event-listitem__body, "
    '[class*="msg-s-event-listitem__body"]'
)
MSG_THREAD_LINK = Selector("thread link", ('a[href*="/messaging/thread/"]',))
INMAIL_SUBJECT = Selector(
    "InMail subject",
    ('input[name="subject"]', "input.msg-form__subject", 'input[aria-label^="Subject"]'),
)
INMAIL_CREDITS = Selector(
    "InMail credits line",
    (
        ".msg-inmail-credits-display",
        '[class*="inmail-credits"]',
        'form.msg-form :text-matches("InMail credits?", "i")',
    ),
)
# A Premium link inside the conversation area (not an ad elsewhere on the page).
INMAIL_UPSELL = Selector(
    "InMail Premium upsell",
    (
        'main .msg-thread a[href*="/premium/"]',
        '.msg-overlay-conversation-bubble a[href*="/premium/"]',
        '[role="dialog"] a[href*="/premium/"]',
    ),
)

# A post, by its activity URN ({urn}); never the first post on the page.
POST_BY_URN = Selector(
    "post (by urn)",
    (
        'main div.feed-shared-update-v2[data-urn="{urn}"]',
        'main [data-urn="{urn}"]',
        'main [data-id="{urn}"]',
        'main [data-activity-urn="{urn}"]',
    ),
)
# Every post in the main column (recent activity); the sidebar is never read.
POST_ANY = Selector(
    "post",
    (
        'main div.feed-shared-update-v2[data-urn^="urn:li:activity:"]',
        'main [data-urn^="urn:li:activity:"]',
        'main [data-id^="urn:li:activity:"]',
    ),
)
POST_UNAVAILABLE = Selector(
    "post unavailable",
    ("main .artdeco-empty-state", '[data-test-id="post-not-found"]'),
)
# Recent activity saying there are no posts: the empty-state component, else its wording.
POSTS_EMPTY = Selector(
    "no recent posts",
    (
        "main .artdeco-empty-state",
        'main [class*="empty-state"]',
        'main :text-matches("hasn.t posted|no recent activity|hasn.t shared|no posts yet'
        '|nothing to see", "i")',
    ),
)
# The relative date ("3d • Edited • 🌐"): aria-hidden text first, screen-reader text second.
POST_AGE = Selector(
    "post age",
    (
        '.update-components-actor__sub-description [aria-hidden="true"]',
        ".update-components-actor__sub-description",
        ".feed-shared-actor__sub-description",
        'a[href*="/feed/update/"] [aria-hidden="true"]',
    ),
)
POST_TEXT = Selector(
    "post text",
    (
        ".feed-shared-update-v2__description .update-components-text .break-words",
        ".update-components-text .break-words",
        ".feed-shared-update-v2__description",
        ".feed-shared-text",
    ),
)

# Reactions: the trigger (aria-pressed, label naming the reaction) and the hover menu.
REACT_TRIGGER = Selector(
    "React trigger",
    (
        "button.react-button__trigger",
        ".reactions-react-button button[aria-pressed]",
        'button[aria-label^="React "][aria-pressed]',
    ),
)
REACTIONS_MENU = Selector(
    "reactions menu",
    (".reactions-menu", '[role="toolbar"][aria-label*="eaction"]'),
)
# {label}: Like, Celebrate, Support, Love, Insightful, Funny.
REACTION_BUTTON = Selector(
    "reaction (menu)",
    (
        'button[data-reaction-type="{type}"]',
        'button[aria-label="{label}"]',
        'button:has(img[alt="{label}"])',
    ),
)

# Comments: the Comment button opens a Quill editor inside the post.
COMMENT_BUTTON = Selector(
    "Comment button",
    ('button[aria-label="Comment"]', "button.comment-button", 'button[aria-label^="Comment"]'),
)
COMMENT_EDITOR = Selector(
    "comment editor",
    (
        '.comments-comment-box__form .ql-editor[contenteditable="true"]',
        '.comments-comment-box [contenteditable="true"]',
        '.comments-comment-texteditor [contenteditable="true"]',
    ),
)
COMMENT_SUBMIT = Selector(
    "comment submit",
    (
        "button.comments-comment-box__submit-button",
        '.comments-comment-box__form button[type="submit"]',
        'button[class*="comments-comment-box__submit-button"]',
    ),
)
# Plain CSS (read in page JavaScript): each comment's text inside the post.
COMMENT_BODY_CSS = (
    ".comments-comment-item__main-content, "
    ".comments-comment-entity .update-components-text, "
    ".comments-comment-item-content-body"
)

# --- detection: the sent-invitations list and the inbox (sent_invitations.py, inbox.py) ----
# Plain CSS in these tuples (read in page JavaScript, where Playwright's own pseudo-classes
# do not exist); the first variant that matches anything is used, so variants never mix.

# One pending invitation on /mynetwork/invitation-manager/sent/ (the innermost match).
SENT_CARD_CSS = (
    'main li:has(button[aria-label^="Withdraw invitation"])',
    "main li.invitation-card",
    'main [data-view-name*="invitation"]:has(button[aria-label^="Withdraw"])',
    'main ul li:has(a[href*="/in/"]):has(button)',
)
# Inside a card: the invitee's profile link, name, and "Sent 3 days ago".
SENT_CARD_LINK_CSS = ('a[href*="/in/"]',)
SENT_CARD_NAME_CSS = (
    ".invitation-card__title",
    ".invitation-card__tvm-title",
    'a[href*="/in/"] strong',
    'a[href*="/in/"] span[aria-hidden="true"]',
)
SENT_CARD_TIME_CSS = ("time", ".time-badge", '[class*="time-badge"]', '[class*="__time"]')
SENT_CARD_WITHDRAW_CSS = ('button[aria-label^="Withdraw invitation"]',)
# The list itself (an empty one is an answer once the page settled).
SENT_LIST = Selector(
    "sent invitations list",
    (
        "main ul.mn-invitation-list",
        'main [data-view-name*="invitation"] ul',
        'main ul[role="list"]',
        "main .mn-invitation-manager ul.artdeco-list",
    ),
)
# The count the page shows for the list ("People (25)"): headings and tabs of main.
SENT_COUNT = Selector(
    "sent invitations count",
    (
        'main [role="tab"][aria-selected="true"]',
        "main .mn-invitation-manager h2",
        "main h2",
        "main h1",
    ),
)
# More invitations: numbered pages (Next), a "Show more" button; else the list may load
# more when its end is scrolled into view.
SENT_PAGINATION = Selector(
    "sent invitations pagination",
    (
        "main .artdeco-pagination",
        'main nav[aria-label*="agination"]',
        "main [data-test-pagination]",
    ),
)
SENT_NEXT = Selector(
    "sent invitations Next page",
    (
        "main button.artdeco-pagination__button--next",
        'main .artdeco-pagination button[aria-label="Next"]',
        'main a[rel="next"]',
        'main button[aria-label="Next"]',
    ),
)
SENT_SHOW_MORE = Selector(
    "sent invitations Show more",
    (
        "main button.scaffold-finite-scroll__load-button",
        'main button[class*="load-more"]',
        'main button:has-text("Show more")',
        'main button:has-text("Load more")',
    ),
)

# The inbox at /messaging/: the conversation list and its cards.
INBOX_LIST = Selector(
    "conversation list",
    (
        ".msg-conversations-container__conversations-list",
        'ul[aria-label*="onversation"]',
        '[aria-label="Conversation list"] ul',
        ".msg-conversations-container ul",
    ),
)
# The element that holds the list or its empty state (what "settled" looks at).
INBOX_CONTAINER_CSS = (
    ".msg-conversations-container",
    '[aria-label="Conversation list"]',
    "main",
)
INBOX_EMPTY = Selector(
    "no conversations",
    (
        ".msg-conversations-container__empty",
        ".msg-conversations-container .artdeco-empty-state",
        ':text-matches("no messages yet|no conversations", "i")',
    ),
)
CONVERSATION_CSS = (
    "li.msg-conversation-listitem",
    '.msg-conversations-container__conversations-list > li:has(a[href*="/messaging/thread/"])',
    'li:has(a[href*="/messaging/thread/"])',
)
CONVERSATION_LINK_CSS = ('a[href*="/messaging/thread/"]',)
CONVERSATION_NAME_CSS = (
    ".msg-conversation-listitem__participant-names",
    ".msg-conversation-card__participant-names",
    "h3",
)
CONVERSATION_SNIPPET_CSS = (
    ".msg-conversation-card__message-snippet",
    '[class*="message-snippet-body"]',
    '[class*="message-snippet"]:not([class*="container"])',
)
# Who wrote the last message, by structure: a sender label or the sender's picture (alt).
CONVERSATION_SENDER_CSS = (
    ".msg-conversation-card__message-snippet-sender",
    "img.msg-conversation-card__sender-image[alt]",
    '[class*="message-snippet"] img[alt]',
)
CONVERSATION_TIME_CSS = (
    "time.msg-conversation-listitem__time-stamp",
    ".msg-conversation-card__time-stamp",
    "time",
)
# An unread conversation: its container's --unread modifier or an unread-count badge.
CONVERSATION_UNREAD_CSS = (
    '[class*="convo-item-container--unread"]',
    ".msg-conversation-card__unread-count",
    ".notification-badge--show",
)
CONVERSATION_PROFILE_CSS = ('a[href*="/in/"]',)

# The signed-in member in the global nav: picture (alt = their name) and profile link.
NAV_ME_PHOTO_CSS = ("img.global-nav__me-photo[alt]", ".global-nav__me img[alt]")
NAV_ME_LINK_CSS = ('a.global-nav__me[href*="/in/"]', '.global-nav__me a[href*="/in/"]')

# One conversation: its messages, who wrote each, and the member's profile link.
THREAD_EVENT_CSS = (
    "li.msg-s-message-list__event",
    ".msg-s-message-list-content > li",
    ".msg-s-message-list > li",
)
THREAD_EVENT_OTHER_CSS = (".msg-s-event-listitem--other",)
THREAD_EVENT_SELF_CSS = (".msg-s-event-listitem--me", ".msg-s-event-listitem--self")
THREAD_EVENT_NAME_CSS = (".msg-s-message-group__name", ".msg-s-message-group__profile-link")
THREAD_EVENT_LINK_CSS = ('a.msg-s-message-group__profile-link[href*="/in/"]', 'a[href*="/in/"]')
THREAD_EVENT_PHOTO_CSS = ("img.msg-s-event-listitem__profile-picture[alt]", "img[alt]")
THREAD_EVENT_TIME_CSS = ("time.msg-s-message-group__timestamp", "time")
THREAD_EVENT_BODY_CSS = (
    ".msg-s-event-listitem__body",
    '[class*="msg-s-event-listitem__body"]',
)
THREAD_PROFILE_LINK = Selector(
    "conversation member's profile link",
    (
        "main a.msg-thread__link-to-profile",
        'main .msg-thread__topcard a[href*="/in/"]',
        'main .msg-entity-lockup a[href*="/in/"]',
    ),
)
THREAD_MESSAGES = Selector(
    "conversation messages",
    (
        "main .msg-s-message-list-content",
        "main .msg-s-message-list",
        '.msg-thread [role="list"]',
    ),
)
