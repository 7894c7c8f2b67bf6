"""Exceptions: HTTP errors parsed from problem+json, a failed run, a wait that ran out.

A failed run is not an HTTP error: the server answered fine and the run says what went
wrong. `Run.raise_for_error()` turns it into `RunFailed` when you want an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from openoutreach_client.models import ErrorCode, Run

PROBLEM_JSON = "application/problem+json"


class OpenOutreachError(Exception):
    """Base of every exception this client raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    """One invalid field of a 422: its dotted name (`touchpoint.note`) and why."""

    field: str
    message: str
    type: str | None = None


class ApiError(OpenOutreachError):
    """The server answered with an error status (RFC 9457 problem details)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        request_id: str | None = None,
        type: str = "about:blank",
        body: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.request_id = request_id
        self.type = type
        self.body = body or {}
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.status} {self.title}: {self.detail}"
        return f"{text} (request id {self.request_id})" if self.request_id else text


class Unauthorized(ApiError):
    """401: missing or wrong API key."""


class NotFound(ApiError):
    """404: no such account, run, schedule or artifact."""


class Conflict(ApiError):
    """409: duplicate handle, Idempotency-Key reused with another body, run already started."""


class PayloadTooLarge(ApiError):
    """413: the request body is over the server's cap."""


class InvalidInput(ApiError):
    """422: invalid input; nothing was written. `fields` maps each field to its message."""

    @property
    def fields(self) -> dict[str, str]:
        """Field name -> message (several messages for one field are joined with '; ')."""
        out: dict[str, str] = {}
        for error in self.errors:
            out[error.field] = (
                f"{out[error.field]}; {error.message}" if error.field in out else error.message
            )
        return out


class ServerError(ApiError):
    """5xx: the server failed; quote `request_id` when reporting it."""


_BY_STATUS: dict[int, type[ApiError]] = {
    401: Unauthorized,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: InvalidInput,
}


def error_for(response: httpx.Response) -> ApiError:
    """The `ApiError` subclass for an error answer, filled from its problem+json body (or,
    from a proxy's HTML page say, from its status line)."""
    status = response.status_code
    problem: dict[str, Any] = {}
    if response.headers.get("content-type", "").split(";")[0].strip() in (
        PROBLEM_JSON,
        "application/json",
    ):
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            problem = parsed
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    errors = [
        FieldError(str(e.get("field", "body")), str(e.get("message", "")), e.get("type"))
        for e in problem.get("errors") or []
        if isinstance(e, dict)
    ]
    return cls(
        status,
        str(problem.get("title") or response.reason_phrase or "Error"),
        str(problem.get("detail") or response.text[:500]),
        errors=errors,
        request_id=problem.get("request_id") or response.headers.get("x-request-id"),
        type=str(problem.get("type") or "about:blank"),
        body=problem,
    )


def raise_for_problem(response: httpx.Response) -> None:
    """Raise the matching `ApiError` unless the answer is a success."""
    if not response.is_success:
        raise error_for(response)


class RunFailed(OpenOutreachError):
    """A run ended without doing its job (failed, canceled or interrupted)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.run_id = run.run_id
        self.status = run.status
        self.code: ErrorCode | str | None = run.error_code
        self.message = run.error or ""
        self.retryable = bool(run.retryable)
        super().__init__(f"run {run.run_id} {run.status}: {self.code}: {self.message}")


class WaitTimeout(OpenOutreachError):
    """`wait_for` gave up: the run was still pending or running when the timeout passed."""

    def __init__(self, run: Run, timeout: float) -> None:
        self.run = run
        self.timeout = timeout
        super().__init__(f"run {run.run_id} still {run.status} after {timeout:g} s")
