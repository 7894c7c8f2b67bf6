"""In-memory state of the LinkedIn simulator: accounts, profiles, faults and recorded events."""

from __future__ import annotations

import secrets
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from linkedin_sim.social import SocialState, seed_social

# "incoming": the profile owner invited the account (Accept / Ignore in the top card).
Relationship = Literal["not_connected", "pending", "connected", "incoming"]
Placement = Literal["top_card", "more_menu"]
InviteFlow = Literal["dialog", "gate", "instant"]
# Layers that swallow clicks over the member's pages (README "Click-intercepting layers").
# How the sent-invitations page and recent activity say "nothing here" (README "Empty lists").
SentPage = Literal["classic", "bare", "no_pending", "no_sent"]
# How the sent-invitations page offers more than one page of invitations (README
# "Sent invitations, replies and the inbox").
SentPaging = Literal["pages", "show_more", "scroll"]
InvitationResponse = Literal["accept", "decline"]
InboxSender = Literal["prefix", "avatar"]
ActivityEmpty = Literal["classic", "no_recent_activity", "bare"]
ClickBlocker = Literal["interop_no_close", "cookie_bar", "chat_bubble", "late_layer", "decoy_layer"]
FaultAction = Literal[
    "rate_limit",
    "checkpoint",
    "session_expired",
    "server_error",
    "restricted",
    "bad_gateway",
    "service_unavailable",
    "soft_error",
    "open_redirect",
]


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Account:
    """A LinkedIn member who can log in; `li_at` is the session cookie the simulator accepts."""

    username: str
    password: str
    li_at: str
    display_name: str
    public_id: str
    # When set, a password login stops at a PIN checkpoint that needs this code.
    checkpoint_pin: str | None = None
    # When true, every authenticated page redirects to a checkpoint until the PIN is entered.
    challenge: bool = False
    # When true, every signed-in page redirects to the restriction notice (see network.py).
    restricted: bool = False
    # Markup of the sent-invitations page, and (when > 0) how late its list arrives: the
    # page shell loads first, the list is fetched by XHR and answered after this many ms.
    sent_page: SentPage = "classic"
    sent_page_late_ms: int = 0
    # How the sent page shows more than `sent_page_size` invitations: numbered pages with
    # Previous/Next (a new document per page), a "Show more results" button, or an
    # infinite list that loads the next batch when its end scrolls into view.
    sent_paging: SentPaging = "pages"
    sent_page_size: int = 10
    # The inbox: how a conversation card shows who wrote the last message ("prefix":
    # "You: " before the account's own; "avatar": no prefix, only the sender's picture
    # named by its alt text, and a grouped thread layout), and how many conversations the
    # list shows before loading more as it is scrolled.
    inbox_sender: InboxSender = "prefix"
    inbox_page_size: int = 20


@dataclass
class Profile:
    """A member page at /in/<public_id>/ and how its invitation UI behaves."""

    public_id: str
    name: str
    headline: str = ""
    location: str = ""
    degree: Literal["2nd", "3rd"] = "2nd"
    placement: Placement = "top_card"
    invite_flow: InviteFlow = "dialog"
    weekly_limit: bool = False
    email_required: bool = False
    overlay: bool = False
    # A layer over the member's profile, posts, activity and messaging pages (or None).
    click_blocker: ClickBlocker | None = None
    # How the member's recent activity says there are no posts.
    activity_empty: ActivityEmpty = "classic"
    sidebar: list[str] = field(default_factory=list)
    old_slugs: list[str] = field(default_factory=list)
    default_relationship: Relationship = "not_connected"
    relationships: dict[str, Relationship] = field(default_factory=dict)
    # Variants for connection_status / withdraw (see README "Relationships and withdraw").
    follow_only: bool = False
    open_profile: bool = False
    hide_pending: bool = False
    # Served by the Voyager profile API: [{title, company, location, start, end}] and
    # [{school, degree, field_of_study, start, end}], dates "YYYY" or "YYYY-MM".
    positions: list[dict[str, Any]] = field(default_factory=list)
    educations: list[dict[str, Any]] = field(default_factory=list)
    member_id: int = 0

    @property
    def urn(self) -> str:
        """The profile URN the page's JavaScript sends with an invitation."""
        return f"urn:li:fsd_profile:ACoAA{self.member_id:08d}"


@dataclass
class Fault:
    """Slow down or divert requests whose path starts with `path_prefix`."""

    path_prefix: str
    delay_ms: int = 0
    action: FaultAction | None = None
    # How many matching requests it still applies to; None = until cleared.
    times: int | None = None
    # `open_redirect` only: where to send the browser, any absolute URL (tests only).
    location: str | None = None


def seed(state: SimState) -> None:
    """Load the default accounts and profiles documented in linkedin_sim/README.md."""
    state.upsert_account(
        username="demo@example.com",
        password="demo-password",
        li_at="sim-li-at-demo",
        display_name="Demo User",
        public_id="demo-user",
    )
    state.upsert_account(
        username="second@example.com",
        password="second-password",
        li_at="sim-li-at-second",
        display_name="Second Seller",
        public_id="second-seller",
    )
    state.upsert_account(
        username="checkpoint@example.com",
        password="checkpoint-password",
        li_at="sim-li-at-checkpoint",
        display_name="Checkpoint Charlie",
        public_id="checkpoint-charlie",
        checkpoint_pin="123456",
    )
    side = ["john-smith", "cara-creator", "ivan-instant"]
    profiles: list[dict[str, Any]] = [
        {"public_id": "demo-user", "name": "Demo User", "headline": "Simulated account owner"},
        {
            "public_id": "jane-doe",
            "name": "Jane Doe",
            "headline": "VP Sales at Acme",
            "sidebar": side,
        },
        {"public_id": "john-smith", "name": "John Smith", "headline": "Founder", "degree": "3rd"},
        {
            "public_id": "cara-creator",
            "name": "Cara Creator",
            "headline": "Creator, 40k followers",
            "placement": "more_menu",
            "sidebar": ["cara-creator-2", "jane-doe"],
        },
        {
            "public_id": "cara-creator-2",
            "name": "Cara Creator",
            "headline": "Same name, other person",
        },
        {"public_id": "gina-gate", "name": "Gina Gate", "invite_flow": "gate", "sidebar": side},
        {"public_id": "ivan-instant", "name": "Ivan Instant", "invite_flow": "instant"},
        {"public_id": "wendy-weekly", "name": "Wendy Weekly", "weekly_limit": True},
        {"public_id": "emma-email", "name": "Emma Email", "email_required": True},
        {"public_id": "olivia-overlay", "name": "Olivia Overlay", "overlay": True, "sidebar": side},
        {"public_id": "paul-pending", "name": "Paul Pending", "default_relationship": "pending"},
        {
            "public_id": "carl-connected",
            "name": "Carl Connected",
            "default_relationship": "connected",
        },
        {"public_id": "rita-renamed", "name": "Rita Renamed", "old_slugs": ["rita-old-slug"]},
        {"public_id": "slow-sam", "name": "Slow Sam", "headline": "Target for delay faults"},
        {"public_id": "tess-timestamps", "name": "Tess Timestamps", "headline": "Post dates"},
    ]
    for data in profiles:
        state.upsert_profile(**data)
    seed_network(state)


def seed_network(state: SimState) -> None:
    """Profiles for enrich, connection_status and withdraw (README "Relationships and withdraw")."""
    state.upsert_profile(
        "jane-doe",
        location="Berlin, Germany",
        positions=[
            {
                "title": "VP Sales",
                "company": "Acme",
                "location": "Berlin",
                "start": "2021-03",
                "end": None,
            },
            {"title": "Account Executive", "company": "Globex", "start": "2016", "end": "2021-02"},
        ],
        educations=[
            {
                "school": "TU Berlin",
                "degree": "MSc",
                "field_of_study": "Economics",
                "start": "2010",
                "end": "2015",
            }
        ],
    )
    extra: list[dict[str, Any]] = [
        {
            "public_id": "irene-incoming",
            "name": "Irene Incoming",
            "headline": "Invited you to connect",
            "default_relationship": "incoming",
        },
        {
            "public_id": "fiona-follow",
            "name": "Fiona Follow",
            "headline": "Creator, follow only",
            "follow_only": True,
            "degree": "3rd",
        },
        {
            "public_id": "oscar-open",
            "name": "Oscar Open",
            "headline": "Open profile (Premium): Message for everyone",
            "open_profile": True,
            "degree": "3rd",
        },
        {
            "public_id": "hank-hidden",
            "name": "Hank Hidden",
            "headline": "Pending, but the profile does not show it",
            "hide_pending": True,
            "default_relationship": "pending",
        },
    ]
    for data in extra:
        state.upsert_profile(**data)


class SimState:
    """Everything the simulator knows; every method is safe to call from any thread."""

    def __init__(self, *, seeded: bool = True) -> None:
        self._lock = threading.RLock()
        self.reset(seeded=seeded)

    def reset(self, *, seeded: bool = True) -> None:
        """Forget everything, then load the seed data unless `seeded` is false."""
        with self._lock:
            self.accounts: dict[str, Account] = {}
            self.profiles: dict[str, Profile] = {}
            self.faults: list[Fault] = []
            self._invitations: list[dict[str, Any]] = []
            self._visits: list[dict[str, Any]] = []
            self._logins: list[dict[str, Any]] = []
            self._challenges: dict[str, str] = {}
            self._withdrawals: list[dict[str, Any]] = []
            self._voyager_calls: list[dict[str, Any]] = []
            self._layer_clicks: list[dict[str, Any]] = []
            self._restriction_tokens: set[str] = set()
            # When each pending invitation was sent, by (account, public_id); a pending
            # relationship without an entry was sent "2 days ago".
            self._sent_at: dict[tuple[str, str], datetime] = {}
            self._responses: list[dict[str, Any]] = []
            self._connections: list[dict[str, Any]] = []
            self._next_member_id = 1
            # Posts, reactions, comments, messages and InMail live in social.py.
            self.social = SocialState()
            if seeded:
                seed(self)
                seed_social(self.social)

    # accounts -----------------------------------------------------------------

    def upsert_account(self, username: str, **fields: Any) -> Account:
        """Create an account, or update the given fields of an existing one."""
        with self._lock:
            account = self.accounts.get(username)
            if account is None:
                local = username.split("@")[0]
                fields.setdefault("password", "password")
                fields.setdefault("li_at", f"sim-li-at-{secrets.token_hex(8)}")
                fields.setdefault("display_name", local.replace(".", " ").title())
                fields.setdefault("public_id", local.replace(".", "-").lower())
                account = Account(username=username, **fields)
                self.accounts[username] = account
            else:
                for key, value in fields.items():
                    if not hasattr(account, key):
                        raise ValueError(f"unknown account field {key!r}")
                    setattr(account, key, value)
            return account

    def account_by_li_at(self, li_at: str | None) -> Account | None:
        """The account whose session cookie this is, if any."""
        if not li_at:
            return None
        with self._lock:
            for account in self.accounts.values():
                if secrets.compare_digest(account.li_at, li_at):
                    return account
        return None

    def start_challenge(self, username: str) -> str:
        """Open a PIN checkpoint for an account and return its URL token."""
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._challenges[token] = username
        return token

    def challenge_account(self, token: str) -> Account | None:
        """The account a checkpoint token belongs to."""
        with self._lock:
            username = self._challenges.get(token)
            return self.accounts.get(username) if username else None

    def finish_challenge(self, token: str) -> None:
        """Close a checkpoint after the right PIN."""
        with self._lock:
            username = self._challenges.pop(token, None)
            if username and username in self.accounts:
                self.accounts[username].challenge = False

    # profiles -----------------------------------------------------------------

    def upsert_profile(self, public_id: str, **fields: Any) -> Profile:
        """Create a profile, or update the given fields (variant flags, relationships...)."""
        with self._lock:
            profile = self.profiles.get(public_id)
            if profile is None:
                fields.setdefault("name", public_id.replace("-", " ").title())
                profile = Profile(public_id=public_id, member_id=self._next_member_id, **fields)
                self._next_member_id += 1
                self.profiles[public_id] = profile
            else:
                for key, value in fields.items():
                    if key == "relationships":
                        profile.relationships.update(value)
                        continue
                    if not hasattr(profile, key) or key in ("public_id", "member_id"):
                        raise ValueError(f"unknown or read-only profile field {key!r}")
                    setattr(profile, key, value)
            return profile

    def profile(self, public_id: str) -> Profile | None:
        """The profile with this public id, or None."""
        with self._lock:
            return self.profiles.get(public_id)

    def profile_by_urn(self, urn: str) -> Profile | None:
        """The profile with this URN, or None."""
        with self._lock:
            return next((p for p in self.profiles.values() if p.urn == urn), None)

    def redirect_slug(self, slug: str) -> str | None:
        """The current public id for an old slug, or None."""
        with self._lock:
            for profile in self.profiles.values():
                if slug in profile.old_slugs:
                    return profile.public_id
        return None

    def relationship(self, username: str, public_id: str) -> Relationship:
        """How the account relates to the profile."""
        with self._lock:
            profile = self.profiles[public_id]
            return profile.relationships.get(username, profile.default_relationship)

    def set_relationship(self, username: str, public_id: str, value: Relationship) -> None:
        """Change how the account relates to the profile."""
        with self._lock:
            self.profiles[public_id].relationships[username] = value
            if value != "pending":
                self._sent_at.pop((username, public_id), None)

    # sent invitations -----------------------------------------------------------

    def add_sent_invitation(
        self, account: str, public_id: str, *, days_ago: float = 0.0, **profile: Any
    ) -> Profile:
        """Put a pending invitation from `account` in place (test setup, not recorded as a
        send): the profile is created (or updated with `profile` fields) if needed."""
        with self._lock:
            found = self.upsert_profile(public_id, **profile)
            self.set_relationship(account, public_id, "pending")
            self._sent_at[(account, public_id)] = datetime.now(UTC) - timedelta(days=days_ago)
            return found

    def pending_invitations(self, account: Account) -> list[tuple[Profile, datetime]]:
        """The account's pending invitations with when each was sent, newest first."""
        default = datetime.now(UTC) - timedelta(days=2)
        with self._lock:
            pending = [
                (profile, self._sent_at.get((account.username, profile.public_id), default))
                for profile in self.profiles.values()
                if profile.public_id != account.public_id
                and self.relationship(account.username, profile.public_id) == "pending"
            ]
        return sorted(pending, key=lambda item: item[1], reverse=True)

    def respond_invitation(
        self, account: str, public_id: str, action: InvitationResponse
    ) -> dict[str, Any]:
        """The invitee answers the account's pending invitation behind the page: `accept`
        connects them (and records a connection), `decline` (LinkedIn's Ignore) only takes
        it off the sent list. ValueError if nothing is pending."""
        with self._lock:
            if public_id not in self.profiles:
                raise KeyError(public_id)
            if self.relationship(account, public_id) != "pending":
                raise ValueError(f"no pending invitation from {account} to {public_id}")
            event = {"account": account, "public_id": public_id, "action": action, "at": _now()}
            self._responses.append(event)
            if action == "accept":
                self.set_relationship(account, public_id, "connected")
                self._connections.append(
                    {"account": account, "public_id": public_id, "at": event["at"]}
                )
            else:
                self.set_relationship(account, public_id, "not_connected")
            return dict(event)

    def responses(self) -> list[dict[str, Any]]:
        """Every answer to a sent invitation (accept / decline), oldest first."""
        with self._lock:
            return [dict(e) for e in self._responses]

    def connections(self) -> list[dict[str, Any]]:
        """Every connection made by an accepted invitation, oldest first."""
        with self._lock:
            return [dict(e) for e in self._connections]

    # faults -------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        """Install a fault; the newest one for a path wins."""
        with self._lock:
            self.faults.insert(0, fault)

    def clear_faults(self) -> None:
        """Remove every fault."""
        with self._lock:
            self.faults.clear()

    def take_fault(self, path: str, query: str = "") -> Fault | None:
        """The fault that applies to this request, consuming one of its uses. A prefix with
        a `?` is matched against the path with its query string (`/x/?page=2`)."""
        full = f"{path}?{query}" if query else path
        with self._lock:
            for fault in self.faults:
                target = full if "?" in fault.path_prefix else path
                if target.startswith(fault.path_prefix):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    # events -------------------------------------------------------------------

    def record_invitation(self, account: str, public_id: str, note: str | None) -> dict[str, Any]:
        """Record an invitation and make the relationship pending."""
        event = {"account": account, "public_id": public_id, "note": note, "at": _now()}
        with self._lock:
            self._invitations.append(event)
            self.set_relationship(account, public_id, "pending")
            self._sent_at[(account, public_id)] = datetime.now(UTC)
        return dict(event)

    def record_visit(self, account: str, public_id: str) -> None:
        """Record one profile page load."""
        with self._lock:
            self._visits.append({"account": account, "public_id": public_id, "at": _now()})

    def record_login(self, account: str, method: str, ok: bool) -> None:
        """Record a login attempt (never the password)."""
        with self._lock:
            self._logins.append({"account": account, "method": method, "ok": ok, "at": _now()})

    def record_withdrawal(self, account: str, public_id: str, via: str) -> dict[str, Any]:
        """Record a withdrawn invitation and make the relationship not_connected again."""
        event = {"account": account, "public_id": public_id, "via": via, "at": _now()}
        with self._lock:
            self._withdrawals.append(event)
            self.set_relationship(account, public_id, "not_connected")
        return dict(event)

    def record_voyager_call(self, event: dict[str, Any]) -> None:
        """Record one Voyager API read (the csrf check's outcome, never the token)."""
        with self._lock:
            self._voyager_calls.append({**event, "at": _now()})

    def record_layer_click(self, event: dict[str, Any]) -> None:
        """Record a click that reached a click-intercepting layer (it should never happen)."""
        with self._lock:
            self._layer_clicks.append({**event, "at": _now()})

    def layer_clicks(self) -> list[dict[str, Any]]:
        """Every click that reached a click-intercepting layer, oldest first."""
        with self._lock:
            return [dict(e) for e in self._layer_clicks]

    def withdrawals(self) -> list[dict[str, Any]]:
        """Every invitation withdrawn so far, oldest first."""
        with self._lock:
            return [dict(e) for e in self._withdrawals]

    def voyager_calls(self) -> list[dict[str, Any]]:
        """Every Voyager profile read so far, oldest first."""
        with self._lock:
            return [dict(e) for e in self._voyager_calls]

    def restriction_token(self) -> str:
        """A new checkpoint URL token that shows the restriction notice."""
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._restriction_tokens.add(token)
        return token

    def is_restriction_token(self, token: str) -> bool:
        """Whether a checkpoint URL token belongs to a restriction notice."""
        with self._lock:
            return token in self._restriction_tokens

    def invitations(self) -> list[dict[str, Any]]:
        """Every invitation sent so far, oldest first."""
        with self._lock:
            return [dict(e) for e in self._invitations]

    def visits(self) -> list[dict[str, Any]]:
        """Every profile page load so far, oldest first."""
        with self._lock:
            return [dict(e) for e in self._visits]

    def logins(self) -> list[dict[str, Any]]:
        """Every login attempt so far, oldest first."""
        with self._lock:
            return [dict(e) for e in self._logins]

    def snapshot(self) -> dict[str, Any]:
        """Accounts (without passwords or cookies), profiles and faults, for debugging."""
        with self._lock:
            accounts = [
                {
                    k: v
                    for k, v in asdict(a).items()
                    if k not in ("password", "li_at", "checkpoint_pin")
                }
                for a in self.accounts.values()
            ]
            return {
                "accounts": accounts,
                "profiles": [asdict(p) for p in self.profiles.values()],
                "faults": [asdict(f) for f in self.faults],
            }
