"""Pure rules behind detection: who wrote a conversation's last message, how old a sent
invitation is, which URLs the read-only touchpoints accept."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from linkedin.touchpoints.inbox import decide_last_from, same_person
from linkedin.touchpoints.models import (
    SIDE_EFFECTING,
    TOUCHPOINT_TYPES,
    InboxInput,
    SentInvitationsInput,
    parse_touchpoint,
)
from linkedin.touchpoints.runner import supported_types
from linkedin.touchpoints.sent_invitations import parse_sent_ago

BASE = "https://www.linkedin.com"


def test_last_from_by_sender_then_prefix_then_none() -> None:
    # Structure first: the card's sender picture or label.
    assert decide_last_from("hi", "Demo User", "Jane Doe", "Demo User") == ("self", "sender", "hi")
    assert decide_last_from("hi", "You", "Jane Doe", None) == ("self", "sender", "hi")
    assert decide_last_from("hi", "Jane Doe", "Jane Doe", "Demo User") == ("them", "sender", "hi")
    assert decide_last_from("hi", "Jane", "Jane Doe", None) == ("them", "sender", "hi")
    # A sender that is neither: someone else in a group once the account's name is known,
    # else unknown.
    assert decide_last_from("hi", "Ann Other", "Jane Doe, Ann Other", "Demo User")[0] == "them"
    assert decide_last_from("hi", "Someone", "Jane Doe", None) == (None, None, "hi")
    # Then the snippet's prefix.
    assert decide_last_from("You: hi: there", None, "Jane Doe", None) == (
        "self",
        "prefix",
        "hi: there",
    )
    assert decide_last_from("Jane: hi", None, "Jane Doe", None) == ("them", "prefix", "hi")
    # A colon in the member's own words is not a prefix.
    assert decide_last_from("Re: pricing", None, "Jane Doe", None) == (
        "them",
        "no_prefix",
        "Re: pricing",
    )


def test_same_person() -> None:
    assert same_person("jane doe", "Jane  Doe")
    assert same_person("Jane", "Jane Doe")
    assert same_person("Ann", "Jane Doe, Ann Other")
    assert not same_person("Doe", "Jane Doe")
    assert not same_person("", "Jane Doe")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Sent today", 0.0),
        ("Sent yesterday", 1.0),
        ("Sent 3 days ago", 3.0),
        ("Sent 1 week ago", 7.0),
        ("Sent 2 months ago", 60.0),
        ("Sent", None),
        (None, None),
    ],
)
def test_sent_ago(text: str | None, days: float | None) -> None:
    assert parse_sent_ago(text) == days


def test_read_only_types_are_registered() -> None:
    for name in ("sent_invitations", "inbox"):
        assert name in TOUCHPOINT_TYPES
        assert name in supported_types()
        assert name not in SIDE_EFFECTING
    assert isinstance(parse_touchpoint({"type": "sent_invitations"}, BASE), SentInvitationsInput)
    with pytest.raises(ValidationError):
        parse_touchpoint({"type": "sent_invitations", "max_pages": 0}, BASE)
    with pytest.raises(ValidationError):
        parse_touchpoint({"type": "inbox", "limit": 500}, BASE)


def test_inbox_thread_urls_are_checked_and_rebuilt() -> None:
    ok = parse_touchpoint(
        {"type": "inbox", "thread_urls": [f"{BASE}/messaging/thread/2-YWJj==/?x=1#y"]}, BASE
    )
    assert isinstance(ok, InboxInput)
    assert ok.thread_urls == [f"{BASE}/messaging/thread/2-YWJj==/"]
    assert ok.linkedin_urls() == {"thread_urls[0]": f"{BASE}/messaging/thread/2-YWJj==/"}
    for bad in (
        "https://evil.example/messaging/thread/2-abc/",
        f"{BASE}/messaging/thread/../../in/x/",
        f"{BASE}/messaging/thread/2-a%2Fb/",
        f"{BASE}/in/jane-doe/",
    ):
        with pytest.raises(ValidationError):
            parse_touchpoint({"type": "inbox", "thread_urls": [bad]}, BASE)
    with pytest.raises(ValidationError):
        parse_touchpoint({"type": "inbox", "thread_urls": [f"{BASE}/messaging/thread/2-a/"] * 6})
