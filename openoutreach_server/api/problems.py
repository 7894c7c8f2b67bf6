"""application/problem+json for every error, naming the offending field."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from linkedin.touchpoints.models import TOUCHPOINT_TYPES

PROBLEM = "application/problem+json"


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


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """Build a problem+json response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "touchpoint", "connect", "note") -> "touchpoint.note": drop the transport
    # prefix and the discriminator tag pydantic inserts for unions.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    kept = [p for p in parts if p not in TOUCHPOINT_TYPES and not p.startswith("function-")]
    return ".".join(kept) or "body"


def validation_errors(errors: list[Any], prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Normalise pydantic errors to {field, message, type}."""
    out = []
    for err in errors:
        msg = str(err.get("msg", "invalid"))
        out.append(
            {
                "field": _field((*prefix, *err.get("loc", ()))),
                "message": msg.removeprefix("Value error, "),
                "type": err.get("type"),
            }
        )
    return out


def invalid(errors: list[dict[str, Any]]) -> JSONResponse:
    """422 naming every invalid field."""
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Invalid input", detail, errors=errors)


def install(app: FastAPI) -> None:
    """Register the handlers."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, errors=exc.errors)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid(validation_errors(list(exc.errors())))

    @app.exception_handler(ValidationError)
    async def _model_invalid(_: Request, exc: ValidationError) -> JSONResponse:
        return invalid(validation_errors(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {401: "Unauthorized", 404: "Not found", 405: "Method not allowed"}
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))
