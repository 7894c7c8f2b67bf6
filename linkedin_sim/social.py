"""Simulator state for posts, reactions, comments, messages and InMail (see README.md).

Kept apart from `state.SimState` (which owns one `SocialState` as `.social`) so the
invitation side and the content side of the simulator can change independently.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

REACTIONS: dict[str, str] = {
    "LIKE": "Like",
    "CELEBRATE": "Celebrate",
    "SUPPORT": "Support",
    "LOVE": "Love",
    "INSIGHTFUL": "Insightful",
    "FUNNY": "Funny",
}
_AGE = re.compile(r"^(?P<n>\d+)(?P<unit>s|m|h|d|w|mo|yr)$")
_UNIT_DAYS = {"s": 1 / 86400, "m": 1 / 1440, "h": 1 / 24, "d": 1, "w": 7, "mo": 30, "yr": 365}
_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month"}


def _now() -> str:
    return datetime.now(UTC).isoformat()


def activity_id_at(when: datetime, sequence: int = 0) -> str:
    """An activity id embedding `when` like LinkedIn's: milliseconds since the epoch in the
    bits above the lowest 22 (`id >> 22`), a sequence number below."""
    return str((int(when.timestamp() * 1000) << 22) | (sequence & 0x3FFFFF))


def age_days(age: str) -> float:
    """Days behind a LinkedIn relative date ("5h", "3d", "2mo"...); ValueError if malformed."""
    match = _AGE.match(age)
    if not match:
        raise ValueError(f"age must look like 5h, 3d, 1w, 2mo or 1yr, not {age!r}")
    return int(match.group("n")) * _UNIT_DAYS[match.group("unit")]


def age_words(age: str) -> str:
    """The screen-reader form of a relative date: "3d" -> "3 days ago"."""
    match = _AGE.match(age)
    if not match:
        return age
    n, unit = int(match.group("n")), match.group("unit")
    word = _WORDS.get(unit, "year")
    return f"{n} {word}{'' if n == 1 else 's'} ago"


@dataclass
class SimPost:
    """A post at /feed/update/urn:li:activity:<id>/ by the member `author` (a public id)."""

    activity_id: str
    author: str
    text: str
    age: str
    edited: bool = False
    comments: list[dict[str, str]] = field(default_factory=list)

    @property
    def urn(self) -> str:
        """The activity URN LinkedIn puts in data-urn and in the post URL."""
        return f"urn:li:activity:{self.activity_id}"


@dataclass
class MessagingSettings:
    """Per-account messaging behaviour: the Enter setting, Premium InMail credits, variants."""

    enter_to_send: bool = True
    premium: bool = False
    inmail_credits: int = 0
    # Variants (README "Send stays disabled"): how the compose says the credits ran out,
    # an InMail subject that is required, a character limit with a counter.
    credits_wording: str = "count"
    subject_required: bool = False
    message_max_chars: int | None = None


@dataclass
class Thread:
    """A conversation of one account with one member (an InMail thread when `inmail`)."""

    thread_id: str
    account: str
    public_id: str
    inmail: bool = False
    subject: str | None = None
    events: list[dict[str, str]] = field(default_factory=list)
    # Messages from the member since the account last opened the conversation.
    unread: int = 0


class SocialState:
    """Posts, reactions, comments, threads and what the browser sent; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.posts: dict[str, SimPost] = {}
        self.settings: dict[str, MessagingSettings] = {}
        self.threads: dict[str, Thread] = {}
        self._current: dict[tuple[str, str], str] = {}
        self._reactions: list[dict[str, Any]] = []
        self._comments: list[dict[str, Any]] = []
        self._messages: list[dict[str, Any]] = []
        self._inmails: list[dict[str, Any]] = []
        self._sequence = 0

    # posts ---------------------------------------------------------------------

    def add_post(
        self,
        author: str,
        text: str,
        age: str,
        *,
        activity_id: str | None = None,
        edited: bool = False,
        comments: list[dict[str, str]] | None = None,
    ) -> SimPost:
        """Create (or replace) a post. Without an `activity_id` it gets one that embeds its
        real creation time (now minus `age`), like LinkedIn's."""
        days = age_days(age)
        with self._lock:
            if activity_id is None:
                self._sequence += 1
                created = datetime.now(UTC) - timedelta(days=days)
                activity_id = activity_id_at(created, self._sequence)
            post = SimPost(activity_id, author, text, age, edited, list(comments or []))
            self.posts[activity_id] = post
            return post

    def post(self, activity_id: str) -> SimPost | None:
        """The post with this activity id, or None."""
        with self._lock:
            return self.posts.get(activity_id)

    def posts_of(self, author: str) -> list[SimPost]:
        """A member's posts, newest first."""
        with self._lock:
            mine = [p for p in self.posts.values() if p.author == author]
        return sorted(mine, key=lambda p: age_days(p.age))

    # reactions and comments -------------------------------------------------------

    def reaction(self, account: str, urn: str) -> str | None:
        """The account's current reaction to a post, if any."""
        with self._lock:
            return self._current.get((account, urn))

    def set_reaction(self, account: str, urn: str, reaction: str | None) -> None:
        """Put the account's reaction in place without recording an event (test setup)."""
        with self._lock:
            if reaction is None:
                self._current.pop((account, urn), None)
            else:
                self._current[(account, urn)] = reaction

    def record_reaction(self, account: str, urn: str, reaction: str | None) -> None:
        """Record a react (or, with None, an unreact) and make it the current state."""
        with self._lock:
            self.set_reaction(account, urn, reaction)
            self._reactions.append(
                {"account": account, "target": urn, "reaction": reaction, "at": _now()}
            )

    def record_comment(self, account: str, name: str, urn: str, text: str) -> None:
        """Record a comment and show it under the post."""
        with self._lock:
            post = self.posts.get(urn.rsplit(":", 1)[-1])
            if post is not None:
                post.comments.append({"author": name, "text": text})
            self._comments.append({"account": account, "target": urn, "text": text, "at": _now()})

    # messaging ---------------------------------------------------------------------

    def settings_of(self, account: str) -> MessagingSettings:
        """The account's messaging settings (created with defaults on first use)."""
        with self._lock:
            return self.settings.setdefault(account, MessagingSettings())

    def update_settings(self, account: str, **fields: Any) -> MessagingSettings:
        """Change some of an account's messaging settings."""
        with self._lock:
            settings = self.settings_of(account)
            for key, value in fields.items():
                if not hasattr(settings, key):
                    raise ValueError(f"unknown messaging setting {key!r}")
                setattr(settings, key, value)
            return settings

    def thread_with(self, account: str, public_id: str, *, inmail: bool = False) -> Thread | None:
        """The account's existing thread with a member (regular or InMail), if any."""
        with self._lock:
            for thread in self.threads.values():
                if (thread.account, thread.public_id, thread.inmail) == (
                    account,
                    public_id,
                    inmail,
                ):
                    return thread
        return None

    def thread(self, thread_id: str) -> Thread | None:
        """A thread by id."""
        with self._lock:
            return self.threads.get(thread_id)

    def threads_of(self, account: str) -> list[Thread]:
        """The account's threads, most recent first."""
        with self._lock:
            return [t for t in reversed(self.threads.values()) if t.account == account]

    def _open_thread(self, account: str, public_id: str, *, inmail: bool) -> Thread:
        thread = self.thread_with(account, public_id, inmail=inmail)
        if thread is None:
            thread = Thread(f"2-{secrets.token_hex(10)}", account, public_id, inmail)
            self.threads[thread.thread_id] = thread
        else:
            # The most recent conversation moves to the top of the list.
            self.threads.pop(thread.thread_id)
            self.threads[thread.thread_id] = thread
        return thread

    def add_incoming(
        self, account: str, public_id: str, text: str, *, unread: bool = False
    ) -> Thread:
        """A message from the member to the account (seed history; `unread` for a reply
        the account has not seen yet). The conversation moves to the top of the list."""
        with self._lock:
            thread = self._open_thread(account, public_id, inmail=False)
            thread.events.append({"from": "them", "text": text, "at": _now()})
            if unread:
                thread.unread += 1
            return thread

    def reply(self, account: str, public_id: str, text: str) -> Thread:
        """The member replies to the account: a new unread message from them (the
        conversation is created if there is none)."""
        return self.add_incoming(account, public_id, text, unread=True)

    def mark_read(self, thread_id: str) -> None:
        """The account opened the conversation: nothing in it is unread any more."""
        with self._lock:
            thread = self.threads.get(thread_id)
            if thread is not None:
                thread.unread = 0

    def record_message(self, account: str, public_id: str, text: str) -> Thread:
        """Record a message the account sent and append it to the thread."""
        with self._lock:
            thread = self._open_thread(account, public_id, inmail=False)
            thread.events.append({"from": "me", "text": text, "at": _now()})
            self._messages.append(
                {
                    "account": account,
                    "target": public_id,
                    "text": text,
                    "thread_id": thread.thread_id,
                    "at": _now(),
                }
            )
            return thread

    def record_inmail(self, account: str, public_id: str, subject: str, body: str) -> Thread:
        """Record an InMail, spend one credit, and open its thread."""
        with self._lock:
            settings = self.settings_of(account)
            settings.inmail_credits -= 1
            thread = self._open_thread(account, public_id, inmail=True)
            thread.subject = subject
            thread.events.append({"from": "me", "text": body, "at": _now()})
            self._inmails.append(
                {
                    "account": account,
                    "target": public_id,
                    "subject": subject,
                    "body": body,
                    "credits_left": settings.inmail_credits,
                    "thread_id": thread.thread_id,
                    "at": _now(),
                }
            )
            return thread

    # inspection --------------------------------------------------------------------

    def reactions(self) -> list[dict[str, Any]]:
        """Every react/unreact so far, oldest first."""
        with self._lock:
            return [dict(e) for e in self._reactions]

    def comments(self) -> list[dict[str, Any]]:
        """Every comment posted so far, oldest first."""
        with self._lock:
            return [dict(e) for e in self._comments]

    def messages(self) -> list[dict[str, Any]]:
        """Every message sent so far, oldest first."""
        with self._lock:
            return [dict(e) for e in self._messages]

    def inmails(self) -> list[dict[str, Any]]:
        """Every InMail sent so far, oldest first."""
        with self._lock:
            return [dict(e) for e in self._inmails]

    def snapshot(self) -> dict[str, Any]:
        """Posts, settings and threads, for debugging."""
        with self._lock:
            return {
                "posts": [asdict(p) | {"urn": p.urn} for p in self.posts.values()],
                "settings": {k: asdict(v) for k, v in self.settings.items()},
                "threads": [asdict(t) for t in self.threads.values()],
                "reactions_now": [
                    {"account": a, "target": u, "reaction": r}
                    for (a, u), r in self._current.items()
                ],
            }


JANE_POSTS = ("7300000000000000101", "7300000000000000102", "7300000000000000103")
CARL_POST = "7300000000000000201"


def seed_social(social: SocialState) -> None:
    """Posts, messaging settings and threads documented in linkedin_sim/README.md."""
    social.update_settings("demo@example.com", enter_to_send=True, premium=True, inmail_credits=45)
    social.update_settings("second@example.com", enter_to_send=False, premium=False)
    social.add_post(
        "jane-doe",
        "Pricing lessons from 100 customer calls:\n1. Ask early\n2. Anchor high",
        "5h",
        activity_id=JANE_POSTS[0],
        comments=[{"author": "John Smith", "text": "Great list!"}],
    )
    social.add_post("jane-doe", "We are hiring SDRs in Berlin 🚀", "3d", activity_id=JANE_POSTS[1])
    social.add_post(
        "jane-doe",
        "Notes from SaaStr: the best teams price on value.",
        "2w",
        activity_id=JANE_POSTS[2],
        edited=True,
    )
    social.add_post(
        "jane-doe", "Throwback to our first office.", "3mo", activity_id="7300000000000000104"
    )
    social.add_post("jane-doe", "Ten years at Acme!", "1yr", activity_id="7300000000000000105")
    social.add_post("carl-connected", "Shipped v2 today.", "1d", activity_id=CARL_POST)
    ages = ["1h", "20h", "2d", "4d", "1w", "2w", "3w", "1mo"]
    for index, age in enumerate(ages, start=1):
        social.add_post(
            "cara-creator",
            f"Creator tip #{index}: post consistently.",
            age,
            activity_id=f"73000000000000003{index:02d}",
        )
    social.add_post(
        "john-smith", "An old post from John.", "2mo", activity_id="7300000000000000401"
    )
    social.add_incoming("demo@example.com", "carl-connected", "Hey, good to connect!")
    # Dates: one post whose id embeds its real time, one whose id says 40 days ago while the
    # page says "1d" (a repost, say): only the page's age can be trusted there.
    social.add_post("tess-timestamps", "Fresh numbers from our launch.", "2d")
    disagreeing = activity_id_at(datetime.now(UTC) - timedelta(days=40), 7)
    social.add_post("tess-timestamps", "Reposting this classic.", "1d", activity_id=disagreeing)
