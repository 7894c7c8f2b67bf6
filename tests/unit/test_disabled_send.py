"""Why a Send / Post button stays disabled, read from the page's words and fields."""

from __future__ import annotations

import pytest

from linkedin.touchpoints.credits import parse_credits
from linkedin.touchpoints.disabled_send import Field, diagnose
from linkedin.touchpoints.errors import ErrorCode


@pytest.mark.parametrize(
    ("line", "credits"),
    [
        ("Use 1 of 45 InMail credits", 45),
        ("Use 1 of 1,200 InMail credits", 1200),
        ("You have 3 InMail credits left", 3),
        ("You have 10 InMail credits", 10),
        ("You have 0 InMail credits left.", 0),
        ("You have no InMail credits", 0),
        ("You've used all your InMail credits for this month", 0),
        ("You’ve used all your InMail credits for this month. Buy more", 0),
        ("You're out of InMail credits", 0),
        ("InMail credits: 0", 0),
        ("InMail credits remaining: 12", 12),
        ("No InMail credits needed: this is an open profile", None),
        ("InMail credits", None),
    ],
)
def test_parse_credits(line: str, credits: int | None) -> None:
    assert parse_credits(line) == credits


@pytest.mark.parametrize(
    ("text", "hints", "fields", "code", "message"),
    [
        ("You have no InMail credits Buy more", [], [], ErrorCode.NO_CREDITS, "no InMail credits"),
        (
            "Jane Doe",
            ["You’ve used all your InMail credits for this month."],
            [],
            ErrorCode.NO_CREDITS,
            "used all your InMail credits",
        ),
        (
            "Send 8,012/8,000",
            ["8,012/8,000"],
            [],
            ErrorCode.INVALID_INPUT,
            "(8,012/8,000 characters)",
        ),
        ("", ["Your message is too long"], [], ErrorCode.INVALID_INPUT, "too long"),
        ("", ["You've reached the character limit"], [], ErrorCode.INVALID_INPUT, "too long"),
        (
            "Send",
            [],
            [Field("Subject", required=True, empty=True), Field("Write a message…")],
            ErrorCode.INVALID_INPUT,
            "Subject is required",
        ),
        (
            "",
            [],
            [Field("Email", invalid=True, empty=True)],
            ErrorCode.INVALID_INPUT,
            "Email is required",
        ),
        ("Subject is required Send", [], [], ErrorCode.INVALID_INPUT, "Subject is required"),
        (
            "",
            ["Something is off"],
            [],
            ErrorCode.UI_CHANGED,
            "Send stayed disabled after the text was entered: Something is off",
        ),
    ],
)
def test_diagnose(
    text: str, hints: list[str], fields: list[Field], code: ErrorCode, message: str
) -> None:
    error = diagnose("Send", text, hints, fields)
    assert error.code == code
    assert message in error.message
    assert error.retryable == (code == ErrorCode.UI_CHANGED)


def test_counters_within_their_limit_and_filled_fields_say_nothing() -> None:
    error = diagnose("Send", "12/300 Use 1 of 45 InMail credits", [], [Field("Subject", True)])
    assert (error.code, error.message) == (
        ErrorCode.UI_CHANGED,
        "Send stayed disabled after the text was entered",
    )
