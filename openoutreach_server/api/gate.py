"""The door every request passes first: a request id, the API key, a body size cap, and a
problem+json 500 for anything unexpected.

Pure ASGI on purpose: the key is checked and the declared size refused before a single byte
of the body is read, so an anonymous client cannot make the server buffer a large upload.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException
from loguru import logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openoutreach_server.crypto import key_matches

PROBLEM = "application/problem+json"
# Paths anyone may open: liveness for load balancers and container health checks.
PUBLIC_PATHS = frozenset({"/health"})
# Interactive docs: a browser cannot send X-API-Key, so these also take HTTP Basic auth
# with the key as the password (the browser asks once and reuses it for /openapi.json).
BASIC_PATHS_PREFIX = ("/docs", "/openapi.json")
# The operator page (openoutreach_server/ui): its session cookie is accepted there and
# only there, never for the JSON API; a browser without one is sent to its login form.
UI_PREFIX = "/ui"
UiCheck = Callable[[str, str | None], bool]


def under_ui(path: str) -> bool:
    """Whether a path belongs to the operator page."""
    return path == UI_PREFIX or path.startswith(UI_PREFIX + "/")


class BodyTooLarge(HTTPException):
    """The request body is over the cap (raised while it streams in)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit} bytes")


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (how Prometheus and most
    monitoring agents send a secret), or None."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def presents_key(
    x_api_key: str | None, authorization: str | None, accepted: Collection[str]
) -> bool:
    """Whether a request carries an accepted key: as X-API-Key, or as a bearer token."""
    return key_matches(x_api_key, accepted) or key_matches(bearer_token(authorization), accepted)


def _basic_password(header: str | None) -> str | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2] or None


def problem_body(status: int, title: str, detail: str, **extra: Any) -> bytes:
    """A problem+json document (RFC 9457)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return json.dumps(body).encode()


class Gate:
    """ASGI middleware: request id, API key (before the body), body cap, last-resort 500."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keys: Callable[[], Collection[str]],
        max_body: int,
        public: Collection[str] = PUBLIC_PATHS,
        ui: UiCheck | None = None,
    ) -> None:
        self.app = app
        self.keys = keys
        self.max_body = max_body
        self.public = frozenset(public)
        # (path, Cookie header) -> may this /ui request pass (public path or valid session)
        self.ui = ui

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, then pass the request on with a counting `receive`."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        path: str = scope["path"]
        if path not in self.public and not self._authorised(path, headers):
            if self.ui is not None and under_ui(path) and scope["method"] in ("GET", "HEAD"):
                await self._to_ui_login(send_with_id, scope)
                return
            extra = []
            if path.startswith(BASIC_PATHS_PREFIX):
                extra.append((b"www-authenticate", b'Basic realm="openoutreach-server"'))
            await self._problem(
                send_with_id,
                401,
                "Unauthorized",
                "missing or invalid X-API-Key header",
                extra,
            )
            return
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            detail = f"request body is larger than {self.max_body} bytes"
            await self._problem(send_with_id, 413, "Payload too large", detail)
            return

        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        try:
            await self.app(scope, counted_receive, send_with_id)
        except BodyTooLarge as exc:
            if not started:
                await self._problem(send_with_id, 413, "Payload too large", str(exc.detail))
        except Exception:
            # Logged with the request id and traceback (variables are never shown, see
            # logs.py); the client gets the id to quote, and nothing of the traceback.
            logger.bind(request_id=request_id).exception(
                "unexpected error on {} {} (request {})", scope["method"], path, request_id
            )
            if not started:
                await self._problem(
                    send_with_id,
                    500,
                    "Internal server error",
                    f"an unexpected error occurred; quote request id {request_id}",
                    request_id=request_id,
                )

    def _authorised(self, path: str, headers: dict[str, str]) -> bool:
        if self.ui is not None and under_ui(path):
            return self.ui(path, headers.get("cookie"))
        keys = self.keys()
        if presents_key(headers.get("x-api-key"), headers.get("authorization"), keys):
            return True
        return path.startswith(BASIC_PATHS_PREFIX) and key_matches(
            _basic_password(headers.get("authorization")), keys
        )

    @staticmethod
    async def _to_ui_login(send: Send, scope: Scope) -> None:
        target = scope["path"]
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        location = "/ui/login?next=" + quote(target, safe="")
        headers = [(b"location", location.encode()), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _problem(
        send: Send,
        status: int,
        title: str,
        detail: str,
        extra_headers: list[tuple[bytes, bytes]] | None = None,
        **extra: Any,
    ) -> None:
        body = problem_body(status, title, detail, **extra)
        headers = [
            (b"content-type", PROBLEM.encode()),
            (b"content-length", str(len(body)).encode()),
            *(extra_headers or []),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
