"""Stable Idempotency-Keys derived from what identifies an action."""

from __future__ import annotations

import hashlib
import json

KEY_CHARS = 32


def idempotency_key(*parts: str | int) -> str:
    """A short key (32 hex characters) that is the same for the same parts, in order, e.g.
    `idempotency_key("campaign-7", "lead-42", "invite")`.

    Parts are compared as text (42 and "42" give the same key) and hashed, so a key never
    shows the ids or e-mails it was made from.
    """
    if not parts:
        raise ValueError("give at least one part")
    # JSON keeps part boundaries: ("a-b", "c") and ("a", "b-c") give different keys.
    encoded = json.dumps([str(part) for part in parts], ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()[:KEY_CHARS]
