"""Helpers the endpoint builders share: touchpoint bodies, aware datetimes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from linkedin.touchpoints.models import AnyTouchpoint

TouchpointLike = AnyTouchpoint | Mapping[str, Any]
"""A typed touchpoint (`ConnectInput(...)`) or its JSON as a dict (checked by the server)."""


def touchpoint_json(touchpoint: TouchpointLike) -> dict[str, Any]:
    """The touchpoint as JSON; a dict is sent as given, the server validates it."""
    if isinstance(touchpoint, BaseModel):
        return touchpoint.model_dump(mode="json", exclude_none=True)
    return dict(touchpoint)


def aware(value: datetime | None, name: str) -> datetime | None:
    """Refuse a naive datetime: the server would read it in its own local time."""
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, e.g. datetime.now(UTC)")
    return value


def iso(value: datetime | None, name: str) -> str | None:
    """An aware datetime as ISO 8601 for a JSON body."""
    checked = aware(value, name)
    return None if checked is None else checked.isoformat()
