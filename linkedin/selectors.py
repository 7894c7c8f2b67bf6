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
LOGIN_ERROR = Selector(
    "login error",
    ("#error-for-password", "#error-for-username", 'form [role="alert"]', ".form__label--error"),
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
DIALOG_DISMISS = Selector(
    "dialog dismiss",
    ('button[aria-label="Dismiss"]', "button.artdeco-modal__dismiss"),
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

# --- page chrome ------------------------------------------------------------------------------

# Overlays that swallow clicks; their dismiss control, most specific first.
INTEROP_OVERLAY = Selector("click-intercepting overlay", ("#interop-outlet",))
INTEROP_DISMISS = Selector(
    "overlay dismiss",
    ('#interop-outlet button[aria-label="Dismiss"]', "#interop-outlet button"),
)
MAIN = Selector("main", ("main",))
