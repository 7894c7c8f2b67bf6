"""Domain errors: raised by services and the store, turned into problem+json by the API."""

from __future__ import annotations


class DomainError(Exception):
    """Base of errors a client can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The account, run or schedule does not exist (404)."""


class Conflict(DomainError):
    """The request contradicts the current state (409)."""


class Invalid(DomainError):
    """A field's value cannot be used (422 naming the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message
