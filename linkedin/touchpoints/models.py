"""Touchpoint inputs and results: the typed contract between a client and the browser."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

DEFAULT_BASE_URL = "https://www.linkedin.com"
_PROFILE_PATH = re.compile(r"^/in/(?P<id>[^/?#]{1,200})/?$")

# Touchpoints that change something on LinkedIn: executed at most once, never silently re-run.
SIDE_EFFECTING: frozenset[str] = frozenset(
    {"connect", "withdraw", "message", "react", "comment", "inmail"}
)


def profile_public_id(url: str) -> str:
    """Return the public identifier (`/in/<id>/`) of a profile URL, or raise ValueError."""
    match = _PROFILE_PATH.match(urlsplit(url).path)
    if not match:
        raise ValueError("must be a profile URL of the form <base>/in/<public-id>/")
    return match.group("id")


def check_linkedin_url(url: str, base_url: str) -> str:
    """Accept only http(s) URLs on the configured LinkedIn host, so the browser never leaves it."""
    parts = urlsplit(url)
    base = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    if parts.netloc.lower() != base.netloc.lower():
        raise ValueError(f"must be on the LinkedIn host {base.netloc}")
    return url


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
        # Without a context (e.g. schema-level parsing) only the shape is checked; callers
        # that act on the URL validate through parse_touchpoint() with the configured host.
        base = (info.context or {}).get("base_url")
        if base is None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("must be an absolute http(s) URL")
        else:
            check_linkedin_url(value, base)
        profile_public_id(value)
        return value

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


class ConnectInput(_ProfileInput):
    """Send an invitation, with an optional note used exactly as given."""

    type: Literal["connect"] = "connect"
    note: str | None = Field(
        default=None,
        max_length=300,
        description="Invitation note, sent byte for byte (newlines, emoji, spaces kept).",
    )

    @field_validator("note")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        # A textarea turns "\r\n" into "\n", and its maxlength counts UTF-16 units (an emoji
        # is two): either would change or cut the note, so refuse it up front.
        if value is None:
            return None
        if "\r" in value:
            raise ValueError("must not contain carriage returns (\\r); use \\n for new lines")
        if len(value.encode("utf-16-le")) // 2 > 300:
            raise ValueError("must fit LinkedIn's 300-unit note box (an emoji counts as 2)")
        return value

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


Touchpoint = Annotated[VisitInput | ConnectInput, Field(discriminator="type")]
TOUCHPOINT_ADAPTER: TypeAdapter[VisitInput | ConnectInput] = TypeAdapter(Touchpoint)
TOUCHPOINT_TYPES: tuple[str, ...] = ("visit", "connect")


def parse_touchpoint(data: Any, base_url: str = DEFAULT_BASE_URL) -> VisitInput | ConnectInput:
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


TouchpointResult = VisitResult | ConnectResult
