"""Stable error codes a touchpoint can fail with, and the exception that carries them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every failure a client can act on has one of these codes (SPEC §4)."""

    INVALID_INPUT = "INVALID_INPUT"
    AUTH_FAILED = "AUTH_FAILED"
    CHECKPOINT = "CHECKPOINT"
    SESSION_EXPIRED = "SESSION_EXPIRED"
    ACCOUNT_RESTRICTED = "ACCOUNT_RESTRICTED"
    RATE_LIMITED = "RATE_LIMITED"
    WEEKLY_INVITE_LIMIT = "WEEKLY_INVITE_LIMIT"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    NOT_CONNECTED = "NOT_CONNECTED"
    EMAIL_REQUIRED = "EMAIL_REQUIRED"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    NO_CREDITS = "NO_CREDITS"
    PROFILE_NOT_FOUND = "PROFILE_NOT_FOUND"
    POST_NOT_FOUND = "POST_NOT_FOUND"
    NO_RECENT_POST = "NO_RECENT_POST"
    UI_CHANGED = "UI_CHANGED"
    NAVIGATION_TIMEOUT = "NAVIGATION_TIMEOUT"
    BROWSER_CRASHED = "BROWSER_CRASHED"
    LINKEDIN_UNAVAILABLE = "LINKEDIN_UNAVAILABLE"
    INTERRUPTED = "INTERRUPTED"
    CANCELED = "CANCELED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # The browser was sent to another host than the configured LinkedIn host.
    OFF_HOST = "OFF_HOST"


# Failures worth another attempt with backoff; everything else is final.
RETRYABLE: frozenset[ErrorCode] = frozenset(
    {
        ErrorCode.NAVIGATION_TIMEOUT,
        ErrorCode.BROWSER_CRASHED,
        ErrorCode.UI_CHANGED,
        ErrorCode.LINKEDIN_UNAVAILABLE,
    }
)


class TouchpointError(Exception):
    """A touchpoint could not do its job; `code` tells the client why."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        retryable: bool | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = code in RETRYABLE if retryable is None else retryable
        self.details = details or {}
