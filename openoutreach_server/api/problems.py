"""application/problem+json for every error, naming the offending field."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from openoutreach_server.api.gate import PROBLEM, problem_body
from openoutreach_server.errors import Conflict, Invalid, NotFound
from openoutreach_server.validation import validation_errors


class ApiError(Exception):
    """An error with an HTTP status, raised by routers and turned into problem+json."""

    def __init__(
        self, status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """Build a problem+json response."""
    return Response(problem_body(status, title, detail, **extra), status, media_type=PROBLEM)


def invalid(errors: list[dict[str, Any]]) -> Response:
    """422 naming every invalid field."""
    detail = "; ".join(
        e["message"]
        if e["message"].startswith(f"{e['field']} ")
        else f"{e['field']}: {e['message']}"
        for e in errors
    )
    return problem(422, "Invalid input", detail, errors=errors)


def install(app: FastAPI) -> None:
    """Register the handlers."""

    @app.exception_handler(Invalid)
    async def _invalid(_: Request, exc: Invalid) -> Response:
        return invalid([{"field": exc.field, "message": exc.reason}])

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> Response:
        return problem(404, "Not found", exc.message)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> Response:
        return problem(409, "Conflict", exc.message)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return problem(exc.status, exc.title, exc.detail, errors=exc.errors)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> Response:
        return invalid(validation_errors(list(exc.errors()), document=exc.body))

    @app.exception_handler(ValidationError)
    async def _model_invalid(_: Request, exc: ValidationError) -> Response:
        return invalid(validation_errors(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        titles = {
            400: "Bad request",
            401: "Unauthorized",
            404: "Not found",
            405: "Method not allowed",
            413: "Payload too large",
        }
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))
