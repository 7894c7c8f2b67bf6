"""LinkedIn's InMail credits line, read as a number ("Use 1 of 45 InMail credits" -> 45).

Wordings without a number that say there are none ("You have no InMail credits",
"You've used all your InMail credits for this month", "You're out of InMail credits")
count as 0.
"""

from __future__ import annotations

import re

_NO_CREDITS = re.compile(
    r"\b(?:no|zero|0)\s+(?:more\s+)?(?:inmail\s+)?credits?\b(?!\s+(?:needed|required))"
    r"|\bused\s+(?:up\s+)?all\s+(?:of\s+)?your\s+(?:inmail\s+)?credits?"
    r"|\bout\s+of\s+(?:inmail\s+)?credits?"
    r"|\bcredits?(?:\s+(?:left|remaining|available))?\s*:\s*0\b",
    re.IGNORECASE,
)
_OF_TOTAL = re.compile(r"\bof\s+(\d[\d,]*)")
_NUMBER = re.compile(r"(\d[\d,]*)")


def says_no_credits(text: str) -> bool:
    """Whether `text` says the account has no (InMail) credits left."""
    return _NO_CREDITS.search(text) is not None


def parse_credits(text: str) -> int | None:
    """Credits available according to LinkedIn's credits line, None if it does not say."""
    if says_no_credits(text):
        return 0
    match = _OF_TOTAL.search(text) or _NUMBER.search(text)
    return int(match.group(1).replace(",", "")) if match else None
