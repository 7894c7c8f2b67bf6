"""Lead fields in node texts: `Hi {first_name}`, with a fallback: `Hi {first_name|there}`.

`{{` and `}}` are literal braces. A field the lead leaves empty renders as its fallback (or
nothing); a field no lead can have is refused before the campaign starts (`fields_used`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^{}]*))?\}")


class TemplateError(ValueError):
    """A template that cannot be read (an unclosed or empty brace)."""


def fields_used(template: str, *, required_only: bool = False) -> list[str]:
    """The lead fields a template refers to, in order of first use; with `required_only`,
    only those without a fallback (`{first_name}`, not `{first_name|there}`)."""
    check(template)
    seen: list[str] = []
    for match in _PLACEHOLDER.finditer(template):
        name = match.group(1)
        if required_only and match.group(2) is not None:
            continue
        if name and name not in seen:
            seen.append(name)
    return seen


def check(template: str) -> None:
    """Raise TemplateError if a brace is neither a placeholder nor escaped."""
    rest = _PLACEHOLDER.sub("", template)
    if "{" in rest or "}" in rest:
        raise TemplateError(
            f"template {template!r} has a stray brace: write {{field}} or {{field|fallback}},"
            " and {{ or }} for a literal brace"
        )


def render(template: str, fields: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by the lead's value (or its fallback)."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        value = (fields.get(match.group(1)) or "").strip()
        return value or (match.group(2) or "")

    check(template)
    return _PLACEHOLDER.sub(replace, template)
