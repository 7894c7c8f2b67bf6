"""Pydantic's validation errors as the project reports them: {field, message, type}.

Shared by the API's 422 responses and `accounts import`, so both name a field the same way.
"""

from __future__ import annotations

from typing import Any

from linkedin.touchpoints.registry import TOUCHPOINT_TYPES


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "touchpoint", "connect", "note") -> "touchpoint.note": drop the transport
    # prefix, the discriminator tag pydantic inserts after a touchpoint union, and the
    # markers of validator functions and dict keys.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    kept: list[str] = []
    for index, part in enumerate(parts):
        tag = index > 0 and parts[index - 1] == "touchpoint" and part in TOUCHPOINT_TYPES
        if not tag and not part.startswith("function-") and part != "[key]":
            kept.append(part)
    return ".".join(kept) or "body"


def _position(document: Any, offset: int) -> str:
    """Line and column (1-based) of a character offset in a JSON document."""
    text = document.decode(errors="replace") if isinstance(document, bytes) else str(document)
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return f"line {line} column {column}"


def validation_errors(
    errors: list[Any], prefix: tuple[str, ...] = (), document: Any = None
) -> list[dict[str, Any]]:
    """Normalise pydantic errors to {field, message, type}."""
    out = []
    for err in errors:
        if err.get("type") == "json_invalid":
            # FastAPI puts the character offset where a field name would be ("body", 46).
            loc = err.get("loc", ())
            offset = loc[-1] if loc and isinstance(loc[-1], int) else 0
            reason = (err.get("ctx") or {}).get("error", "invalid JSON")
            where = _position(document, offset) if document is not None else f"offset {offset}"
            out.append(
                {
                    "field": "body",
                    "message": f"body is not valid JSON at {where}: {reason}",
                    "type": "json_invalid",
                }
            )
            continue
        msg = str(err.get("msg", "invalid"))
        out.append(
            {
                "field": _field((*prefix, *err.get("loc", ()))),
                "message": msg.removeprefix("Value error, "),
                "type": err.get("type"),
            }
        )
    return out
