"""Secret values and every way a page, a header or a trace may spell them."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
# Cookie and storage values shorter than this (e.g. "1", "en") are settings, not
# sessions, and would match everywhere. Secrets we know (password, PIN) count from 4.
MIN_COOKIE_LEN = 6
MIN_SECRET_LEN = 4


def _url_forms(value: str) -> set[str]:
    return {
        quote(value, safe=""),
        quote(value),  # keeps "/"
        quote(value, safe="!'()*~"),  # JavaScript's encodeURIComponent
        quote_plus(value),  # form bodies
        quote_plus(value, safe="*"),  # HTML form submission
    }


def _html_forms(value: str) -> set[str]:
    amp = value.replace("&", "&amp;")
    angles = amp.replace("<", "&lt;").replace(">", "&gt;")
    forms = {amp, angles}
    for base in (amp, angles):
        quoted = base.replace('"', "&quot;")
        forms |= {quoted, quoted.replace("'", "&#39;"), quoted.replace("'", "&#x27;")}
    forms.add(html.escape(value))
    return forms


def _base64_forms(value: str) -> set[str]:
    raw = value.encode()
    forms = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    return forms | {f.rstrip("=") for f in forms}


def _json_forms(value: str) -> set[str]:
    forms = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return forms | {f.replace("/", "\\/") for f in forms}


def encodings(value: str) -> set[str]:
    """`value` as is, URL-encoded, HTML-escaped and base64, each also JSON-escaped."""
    forms = {value} | _url_forms(value) | _html_forms(value)
    if len(value) >= MIN_COOKIE_LEN:
        forms |= _base64_forms(value)
    return forms | {j for form in forms for j in _json_forms(form)}


def secret_forms(
    secrets: Iterable[str | None] = (), cookies: Iterable[str | None] = ()
) -> list[str]:
    """Every form of every secret (password, li_at, PIN) and cookie or storage value.

    JSESSIONID-style quotes count with and without. Longest first, so no part of a
    longer form is left behind when a shorter one is replaced.
    """
    forms: set[str] = set()
    for values, shortest in ((secrets, MIN_SECRET_LEN), (cookies, MIN_COOKIE_LEN)):
        for value in values:
            if not value:
                continue
            for base in {value, value.strip('"')}:
                if len(base) >= shortest:
                    forms |= encodings(base)
    return sorted((f for f in forms if f), key=len, reverse=True)


def scrub_text(text: str, forms: list[str]) -> str:
    """Replace every secret form in `text`."""
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def first_leak(text: str, forms: list[str]) -> bool:
    """Whether any secret form is still in `text`."""
    return any(form in text for form in forms)
