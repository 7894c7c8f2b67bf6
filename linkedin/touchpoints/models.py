"""Touchpoint inputs and results: the typed contract between a client and the browser."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote, unquote, urlsplit

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

if TYPE_CHECKING:
    from linkedin.touchpoints.registry import SIDE_EFFECTING as SIDE_EFFECTING
    from linkedin.touchpoints.registry import TOUCHPOINT_TYPES as TOUCHPOINT_TYPES

DEFAULT_BASE_URL = "https://www.linkedin.com"
PUBLIC_ID_MAX = 100


def _id_char(char: str) -> bool:
    # Letters of any script with their combining marks, decimal digits, '-' and '_'.
    category = unicodedata.category(char)
    return char in "-_" or category[0] in "LM" or category == "Nd"


def _describe(char: str) -> str:
    return repr(char) if char.isprintable() and char != " " else f"U+{ord(char):04X}"


def check_public_id(raw: str) -> str:
    """Decode a profile's public id and accept only letters (any script), digits, `-`, `_`.

    Anything else (`.`, `/`, `\\`, `%`, spaces, control characters, also when
    percent-encoded) could walk the browser to another path of the host, and from there
    through an open redirect to another host. Returns the decoded id.
    """
    try:
        value = unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise ValueError("the profile id is not valid percent-encoded UTF-8") from exc
    if not value:
        raise ValueError("the profile id is empty")
    if len(value) > PUBLIC_ID_MAX:
        raise ValueError(f"the profile id is longer than {PUBLIC_ID_MAX} characters")
    for char in value:
        if not _id_char(char):
            raise ValueError(
                "the profile id may contain only letters, digits, '-' and '_'"
                f" (it contains {_describe(char)})"
            )
    return value


def profile_public_id(url: str) -> str:
    """The decoded public id of a profile URL (`/in/<id>/`), checked; else ValueError."""
    path = urlsplit(url).path
    if not path.startswith("/in/"):
        raise ValueError("must be a profile URL of the form <base>/in/<public-id>/")
    raw, _, rest = path.removeprefix("/in/").partition("/")
    public_id = check_public_id(raw)
    if rest:
        raise ValueError(
            "must be a profile URL of the form <base>/in/<public-id>/ (a path follows)"
        )
    return public_id


def profile_url(base_url: str, public_id: str) -> str:
    """The canonical profile URL: `<base>/in/<quoted id>/`, no query, no fragment."""
    return f"{base_url.rstrip('/')}/in/{quote(public_id, safe='')}/"


def _root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def check_linkedin_url(url: str, base_url: str) -> str:
    """Accept only http(s) URLs on the configured LinkedIn host, so the browser never leaves it."""
    if any(ord(ch) < 33 or ch in "\\\x7f" for ch in url):
        raise ValueError("must not contain spaces, backslashes or control characters")
    parts = urlsplit(url)
    base = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    if "@" in parts.netloc:
        raise ValueError("must not carry credentials before the host")
    if parts.netloc.lower() != base.netloc.lower():
        raise ValueError(f"must be on the LinkedIn host {base.netloc}")
    return url


def _base_for(value: str, info: ValidationInfo) -> str:
    # Without a context (schema-level parsing) the URL keeps its own host here; callers
    # that act on it validate again through parse_touchpoint() with the configured host.
    base = (info.context or {}).get("base_url")
    if base is None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        base = _root(value)
    check_linkedin_url(value, base)
    return str(base)


def validate_profile_url(value: str, info: ValidationInfo) -> str:
    """Check a profile URL (its host when the context names one, its id always) and return
    it rebuilt as `<base>/in/<id>/`: the query, fragment and anything odd are dropped."""
    base = _base_for(value, info)
    return profile_url(base, profile_public_id(value))


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    def linkedin_urls(self) -> dict[str, str]:
        """URL fields the browser will open, by field name (checked against the host)."""
        return {}


class _ProfileInput(_Input):
    profile_url: str = Field(
        description="Profile URL on the configured LinkedIn host, e.g. https://www.linkedin.com/in/jane-doe/"
    )

    @field_validator("profile_url")
    @classmethod
    def _profile_url(cls, value: str, info: ValidationInfo) -> str:
        return validate_profile_url(value, info)

    def linkedin_urls(self) -> dict[str, str]:
        """URL fields the browser will open, by field name (checked against the host)."""
        return {"profile_url": self.profile_url}


class VisitInput(_ProfileInput):
    """Open a profile like a person would: dwell, optionally scroll."""

    type: Literal["visit"] = "visit"
    dwell_s: tuple[float, float] = Field(
        default=(2.0, 6.0),
        description="Range in seconds to stay on the page (human pace only).",
    )
    scroll: bool = Field(default=True, description="Scroll through the profile while dwelling.")

    @field_validator("dwell_s")
    @classmethod
    def _dwell(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if low < 0 or high < low or high > 600:
            raise ValueError("must be [low, high] with 0 <= low <= high <= 600")
        return value

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "visit",
                    "profile_url": "https://www.linkedin.com/in/jane-doe/",
                    "dwell_s": [3, 8],
                    "scroll": True,
                }
            ]
        },
    )


def check_visible_text(value: str) -> str:
    """Refuse text with nothing but whitespace: LinkedIn would send or show nothing."""
    if not value.strip():
        raise ValueError("must contain visible characters, not only whitespace")
    return value


def check_exact_text(value: str, limit: int, *, units: str = "characters") -> str:
    """Refuse text the browser could not deliver byte for byte.

    A textarea or editor turns "\\r\\n" into "\\n" and drops other control characters;
    a note box's maxlength counts UTF-16 units (an emoji is two).
    """
    if "\r" in value:
        raise ValueError("must not contain carriage returns (\\r); use \\n for new lines")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ValueError("must not contain control characters other than \\n and \\t")
    size = len(value.encode("utf-16-le")) // 2 if units == "UTF-16 units" else len(value)
    if size > limit:
        raise ValueError(f"must be at most {limit} {units} (it has {size})")
    return value


class ConnectInput(_ProfileInput):
    """Send an invitation, with an optional note used exactly as given."""

    type: Literal["connect"] = "connect"
    note: str | None = Field(
        default=None,
        description="Invitation note (<= 300 UTF-16 units: an emoji counts as 2), sent byte "
        "for byte (newlines, emoji, spaces kept).",
    )

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value:  # "" stays "no note"; "  " would send an invisible note
            check_visible_text(value)
        return check_exact_text(value, 300, units="UTF-16 units")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "connect",
                    "profile_url": "https://www.linkedin.com/in/jane-doe/",
                    "note": "Hi Jane,\nloved your talk on pricing. Happy to connect?",
                }
            ]
        },
    )


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


_JANE = "https://www.linkedin.com/in/jane-doe/"
_POST = "https://www.linkedin.com/feed/update/urn:li:activity:7260000000000000001/"
_POST_PATH = re.compile(r"^/feed/update/urn:li:activity:(?P<id>[0-9]{1,30})/?$")


def post_activity_id(url: str) -> str:
    """Return the activity id of a post URL (`/feed/update/urn:li:activity:<id>/`)."""
    match = _POST_PATH.match(unquote(urlsplit(url).path))
    if not match:
        raise ValueError("must be a post URL of the form <base>/feed/update/urn:li:activity:<id>/")
    return match.group("id")


def post_url(base_url: str, activity_id: str) -> str:
    """The canonical post URL: `<base>/feed/update/urn:li:activity:<id>/`."""
    return f"{base_url.rstrip('/')}/feed/update/urn:li:activity:{activity_id}/"


class EnrichInput(_Input):
    """Read a profile through LinkedIn's own API, in the account's session."""

    type: Literal["enrich"] = "enrich"
    profile_url: str | None = Field(default=None, description="Profile URL, or...")
    public_identifier: str | None = Field(
        default=None,
        description="...its public id (`jane-doe`): letters, digits, '-' and '_'.",
    )

    @field_validator("profile_url")
    @classmethod
    def _profile_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return validate_profile_url(value, info)

    @field_validator("public_identifier")
    @classmethod
    def _public_identifier(cls, value: str | None) -> str | None:
        return None if value is None else check_public_id(value)

    @model_validator(mode="after")
    def _one_target(self) -> EnrichInput:
        if (self.profile_url is None) == (self.public_identifier is None):
            raise ValueError("give exactly one of profile_url or public_identifier")
        return self

    def target_id(self) -> str:
        """The public identifier to look up."""
        return self.public_identifier or profile_public_id(self.profile_url or "")

    def linkedin_urls(self) -> dict[str, str]:
        """URL fields the browser will open, by field name (checked against the host)."""
        return {"profile_url": self.profile_url} if self.profile_url else {}

    model_config = _examples({"type": "enrich", "profile_url": _JANE})


class ConnectionStatusInput(_ProfileInput):
    """Tell how the account relates to a profile, without acting."""

    type: Literal["connection_status"] = "connection_status"
    model_config = _examples({"type": "connection_status", "profile_url": _JANE})


class WithdrawInput(_ProfileInput):
    """Withdraw a pending invitation (profile first, else the sent-invitations page)."""

    type: Literal["withdraw"] = "withdraw"
    model_config = _examples({"type": "withdraw", "profile_url": _JANE})


class MessageInput(_ProfileInput):
    """Message a 1st-degree connection; the text arrives exactly as given."""

    type: Literal["message"] = "message"
    text: str = Field(min_length=1, description="Message text, newlines kept (<= 8000 chars).")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return check_exact_text(check_visible_text(value), 8000)

    model_config = _examples(
        {"type": "message", "profile_url": _JANE, "text": "Thanks for connecting!\n\nBest,\nSam"}
    )


class _PostTarget(_Input):
    post_url: str | None = Field(
        default=None, description="A post: <base>/feed/update/urn:li:activity:<id>/"
    )
    profile_url: str | None = Field(
        default=None, description="Or a profile: its newest post within `within_days`."
    )
    within_days: int | None = Field(default=None, ge=1, le=365)

    @field_validator("post_url")
    @classmethod
    def _post_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return post_url(_base_for(value, info), post_activity_id(value))

    @field_validator("profile_url")
    @classmethod
    def _profile_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        return validate_profile_url(value, info)

    @model_validator(mode="after")
    def _one_target(self) -> _PostTarget:
        if self.post_url is not None:
            if self.profile_url is not None or self.within_days is not None:
                raise ValueError("give post_url, or profile_url with within_days, not both")
        elif self.profile_url is None or self.within_days is None:
            raise ValueError("give post_url, or profile_url with within_days")
        return self

    def linkedin_urls(self) -> dict[str, str]:
        """URL fields the browser will open, by field name (checked against the host)."""
        urls = {"post_url": self.post_url, "profile_url": self.profile_url}
        return {k: v for k, v in urls.items() if v is not None}


Reaction = Literal["LIKE", "CELEBRATE", "SUPPORT", "LOVE", "INSIGHTFUL", "FUNNY"]


class ReactInput(_PostTarget):
    """React to a post, or to a profile's newest post within `within_days`."""

    type: Literal["react"] = "react"
    reaction: Reaction = "LIKE"
    model_config = _examples(
        {"type": "react", "post_url": _POST, "reaction": "INSIGHTFUL"},
        {"type": "react", "profile_url": _JANE, "within_days": 14, "reaction": "LIKE"},
    )


class CommentInput(_PostTarget):
    """Comment on a post; the text arrives exactly as given."""

    type: Literal["comment"] = "comment"
    text: str = Field(min_length=1, description="Comment text (<= 1250 chars), newlines kept.")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return check_exact_text(check_visible_text(value), 1250)

    model_config = _examples(
        {"type": "comment", "post_url": _POST, "text": "Great point on pricing 👏"},
        {"type": "comment", "profile_url": _JANE, "within_days": 7, "text": "Congrats!"},
    )


class InmailInput(_ProfileInput):
    """Send an InMail (standard LinkedIn UI with Premium; no Sales Navigator)."""

    type: Literal["inmail"] = "inmail"
    subject: str | None = Field(default=None, description="Subject (<= 200 chars).")
    body: str = Field(min_length=1, description="Body (<= 1900 chars), newlines kept.")

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str | None) -> str | None:
        if value is not None and "\n" in value:
            raise ValueError("must be a single line")
        return None if value is None else check_exact_text(value, 200)

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        return check_exact_text(check_visible_text(value), 1900)

    model_config = _examples(
        {
            "type": "inmail",
            "profile_url": _JANE,
            "subject": "Quick question",
            "body": "Hi Jane,\n\nwould you have 15 minutes next week?",
        }
    )


class RecentPostsInput(_ProfileInput):
    """List a profile's recent posts (urls, age, text)."""

    type: Literal["recent_posts"] = "recent_posts"
    within_days: int = Field(default=30, ge=1, le=365)
    limit: int = Field(default=10, ge=1, le=50)
    model_config = _examples(
        {"type": "recent_posts", "profile_url": _JANE, "within_days": 30, "limit": 5}
    )


_THREAD_PATH = re.compile(r"^/messaging/thread/(?P<id>[A-Za-z0-9_=+-]{1,200})/?$")


def thread_id_of(url: str) -> str:
    """The id of a conversation URL (`/messaging/thread/<id>/`), checked; else ValueError."""
    match = _THREAD_PATH.match(unquote(urlsplit(url).path))
    if not match:
        raise ValueError("must be a conversation URL of the form <base>/messaging/thread/<id>/")
    return match.group("id")


def thread_url(base_url: str, thread_id: str) -> str:
    """The canonical conversation URL: `<base>/messaging/thread/<quoted id>/`."""
    return f"{base_url.rstrip('/')}/messaging/thread/{quote(thread_id, safe='-_=+')}/"


class SentInvitationsInput(_Input):
    """Read the account's pending sent invitations (read-only): what detection diffs
    against the invitations it sent."""

    type: Literal["sent_invitations"] = "sent_invitations"
    max_pages: int = Field(
        default=10,
        ge=1,
        le=50,
        description="Pages (or batches of a growing list) to read at most; beyond it the "
        "result says complete=false.",
    )
    model_config = _examples({"type": "sent_invitations", "max_pages": 10})


class InboxInput(_Input):
    """Read the account's conversation list (read-only), newest first; optionally open a
    few conversations to see who wrote their last messages."""

    type: Literal["inbox"] = "inbox"
    limit: int = Field(default=20, ge=1, le=100, description="Conversations to read at most.")
    thread_urls: list[str] = Field(
        default_factory=list,
        max_length=5,
        description="Conversations to open and read as well (<base>/messaging/thread/<id>/). "
        "Opening one marks it read on LinkedIn, as a person opening it would.",
    )

    @field_validator("thread_urls")
    @classmethod
    def _thread_urls(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return [thread_url(_base_for(url, info), thread_id_of(url)) for url in value]

    def linkedin_urls(self) -> dict[str, str]:
        """URL fields the browser will open, by field name (checked against the host)."""
        return {f"thread_urls[{i}]": url for i, url in enumerate(self.thread_urls)}

    model_config = _examples({"type": "inbox", "limit": 20})


AnyTouchpoint = (
    EnrichInput
    | VisitInput
    | ConnectionStatusInput
    | ConnectInput
    | WithdrawInput
    | MessageInput
    | ReactInput
    | CommentInput
    | InmailInput
    | RecentPostsInput
    | SentInvitationsInput
    | InboxInput
)
Touchpoint = Annotated[AnyTouchpoint, Field(discriminator="type")]
TOUCHPOINT_ADAPTER: TypeAdapter[AnyTouchpoint] = TypeAdapter(Touchpoint)


def __getattr__(name: str) -> Any:
    # SIDE_EFFECTING and TOUCHPOINT_TYPES are registry facts (linkedin.touchpoints.registry),
    # still importable from here; the registry imports this module, so only lazily.
    if name in ("SIDE_EFFECTING", "TOUCHPOINT_TYPES"):
        from linkedin.touchpoints import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parse_touchpoint(data: Any, base_url: str = DEFAULT_BASE_URL) -> AnyTouchpoint:
    """Validate a touchpoint dict against the configured LinkedIn host."""
    return TOUCHPOINT_ADAPTER.validate_python(data, context={"base_url": base_url})


Degree = Literal["1st", "2nd", "3rd", "out_of_network", "self"]


class VisitResult(BaseModel):
    """What a visit saw: where the profile really lives and how far away it is."""

    final_url: str
    public_identifier: str
    degree: Degree | None = None
    dry_run: bool = False


class ConnectResult(BaseModel):
    """What connect did, or (dry run) would have done."""

    status: Literal["sent", "already_pending", "already_connected", "would_send"]
    final_url: str
    public_identifier: str
    note_sent: bool = False
    dry_run: bool = False


class Position(BaseModel):
    """One job on a profile."""

    title: str | None = None
    company: str | None = None
    company_urn: str | None = None
    location: str | None = None
    start: str | None = Field(default=None, description="YYYY or YYYY-MM")
    end: str | None = Field(default=None, description="YYYY or YYYY-MM; null = current")


class Education(BaseModel):
    """One school on a profile."""

    school: str | None = None
    degree: str | None = None
    field_of_study: str | None = None
    start: str | None = None
    end: str | None = None


class EnrichResult(BaseModel):
    """A profile as LinkedIn's API returns it, normalised."""

    public_identifier: str
    urn: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    headline: str | None = None
    location: str | None = None
    positions: list[Position] = Field(default_factory=list)
    educations: list[Education] = Field(default_factory=list)
    degree: Degree | None = None


class ConnectionStatusResult(BaseModel):
    """How the account relates to the profile."""

    status: Literal[
        "connected", "pending", "not_connected", "follow_only", "incoming_request", "self"
    ]
    final_url: str
    public_identifier: str
    degree: Degree | None = None


class WithdrawResult(BaseModel):
    """What withdraw did, or (dry run) would have done."""

    status: Literal["withdrawn", "not_pending", "would_withdraw"]
    via: Literal["profile", "sent_invitations", "none"] = "none"
    public_identifier: str
    dry_run: bool = False


class MessageResult(BaseModel):
    """A message sent (verified in the thread), or (dry run) ready to send."""

    status: Literal["sent", "would_send"]
    thread_url: str | None = None
    public_identifier: str
    dry_run: bool = False


class ReactResult(BaseModel):
    """The reaction now on the post."""

    status: Literal["reacted", "already_reacted", "would_react"]
    post_url: str
    reaction: Reaction
    dry_run: bool = False


class CommentResult(BaseModel):
    """A comment posted (verified visible), or (dry run) ready to post."""

    status: Literal["commented", "would_comment"]
    post_url: str
    dry_run: bool = False


class InmailResult(BaseModel):
    """An InMail sent, or (dry run) ready to send."""

    status: Literal["sent", "would_send"]
    public_identifier: str
    credits_left: int | None = None
    dry_run: bool = False


class Post(BaseModel):
    """One post of a profile's recent activity."""

    post_url: str
    urn: str
    age_text: str = Field(description="LinkedIn's relative date, e.g. '3d', '1w', '2mo'")
    age_days: float = Field(description="Approximate age in days, from age_text")
    posted_at: AwareDatetime = Field(
        description="When it was posted (UTC, ISO 8601), an estimate: the time embedded in "
        "the activity id when it agrees with age_text, else now minus age_text"
    )
    text: str


class RecentPostsResult(BaseModel):
    """The newest posts within the window, newest first."""

    public_identifier: str
    posts: list[Post]


class SentInvitation(BaseModel):
    """One pending invitation on the sent-invitations page."""

    public_identifier: str | None = Field(
        description="From the card's profile link (/in/<id>/); null when the card has none "
        "(e.g. a member shown as 'LinkedIn Member')"
    )
    profile_url: str | None = None
    name: str | None = None
    sent_text: str | None = Field(
        default=None, description="LinkedIn's relative date as shown, e.g. 'Sent 3 days ago'"
    )
    sent_days_ago: float | None = Field(
        default=None, description="Approximate age in days, from sent_text"
    )


class SentInvitationsResult(BaseModel):
    """The pending invitations, in the page's order (newest first)."""

    invitations: list[SentInvitation]
    complete: bool = Field(
        description="True only when the whole list was read (no page or batch left, and "
        "not fewer than the count the page shows): only then does 'not listed' mean 'no "
        "longer pending' (accepted, ignored, withdrawn or expired)"
    )
    total: int | None = Field(default=None, description="The count the page shows, if any")
    pages: int = Field(description="Pages (or batches) read")


Sender = Literal["self", "them"]


class ThreadMessage(BaseModel):
    """One message of a conversation."""

    sender: Sender | None = Field(description="self = the account; null: could not tell")
    sender_name: str | None = None
    text: str
    time_text: str | None = None


class ThreadResult(BaseModel):
    """The last messages of one conversation, oldest first."""

    thread_url: str
    thread_id: str
    name: str | None = None
    public_identifier: str | None = None
    messages: list[ThreadMessage]
    last_from: Sender | None = Field(
        default=None, description="Who wrote the last message (null: could not tell)"
    )
    since_found: bool | None = Field(
        default=None,
        description="With since_text: whether a message with that text was found (messages "
        "then holds only what came after its last occurrence); null without since_text",
    )


class Conversation(BaseModel):
    """One conversation in the inbox list."""

    thread_id: str | None = None
    thread_url: str | None = None
    name: str | None = Field(default=None, description="The other member(s), as listed")
    public_identifier: str | None = Field(
        default=None, description="The other member's public id, when the card links it"
    )
    snippet: str = Field(description="The last message as shown, without a 'You:' prefix")
    last_from: Sender | None = Field(
        description="Who wrote the last message; null: could not tell (read the thread)"
    )
    last_from_basis: Literal["sender", "prefix", "no_prefix"] | None = Field(
        default=None,
        description="How last_from was decided: the card's sender label or picture "
        "(structure), a 'You:' / 'Name:' prefix of the snippet, or neither (a 1:1 "
        "conversation whose snippet has no prefix: the other member's)",
    )
    time_text: str | None = None
    unread: bool = False


class InboxResult(BaseModel):
    """The newest conversations, as listed (newest first), and any threads asked for."""

    conversations: list[Conversation]
    complete: bool = Field(description="True when the whole list was read (nothing more loads)")
    threads: list[ThreadResult] = Field(default_factory=list)
