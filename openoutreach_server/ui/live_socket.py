"""The live view's WebSocket: pictures out, clicks and keys in.

The Gate does not see WebSockets, so this endpoint checks for itself, before accepting: a
valid session cookie and an Origin of this server (a page elsewhere cannot open it with
the operator's cookie); then, as the first message, the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

from fastapi import APIRouter, WebSocket
from loguru import logger
from starlette.websockets import WebSocketState

from openoutreach_server.context import ServerContext
from openoutreach_server.schemas import HANDLE_PATTERN
from openoutreach_server.ui.auth import COOKIE, csrf_matches, origin_allowed, signer
from openoutreach_server.ui.live import LiveRefused, live_view

router = APIRouter(prefix="/ui")
_HANDLE = re.compile(HANDLE_PATTERN)
_HELLO_S = 10.0
# Input messages queued for the page at most (then the socket is read no faster).
_INPUT_QUEUE = 256
POLICY_VIOLATION = 1008


class SocketViewer:
    """A viewer on a WebSocket: one reader task queues what it sends; sends are serialised."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self._send_lock = asyncio.Lock()
        self._inputs: asyncio.Queue[str | None] = asyncio.Queue(_INPUT_QUEUE)
        self._left = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name="live-socket-reader")

    async def _read(self) -> None:
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is not None:
                    await self._inputs.put(text)
        except Exception:
            return
        finally:
            self._left.set()
            with contextlib.suppress(asyncio.QueueFull):
                self._inputs.put_nowait(None)

    @property
    def left(self) -> bool:
        """The viewer has gone."""
        return self._left.is_set()

    async def frame(self, jpeg: bytes) -> None:
        """Send one picture (binary message)."""
        async with self._send_lock:
            await self.websocket.send_bytes(jpeg)

    async def event(self, data: dict[str, Any]) -> None:
        """Send a JSON message."""
        if self.left:
            return
        async with self._send_lock:
            with contextlib.suppress(Exception):  # the viewer went away meanwhile
                await self.websocket.send_text(json.dumps(data))

    async def next_input(self) -> str | None:
        """The next text message; None once the viewer has gone."""
        if self.left and self._inputs.empty():
            return None
        return await self._inputs.get()

    async def close(self, code: int = 1000) -> None:
        """Close the socket and stop reading."""
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        if self.websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(Exception):
                await self.websocket.close(code)


def same_origin(websocket: WebSocket) -> bool:
    """The socket was opened by a page of this server (browsers always send Origin)."""
    headers = websocket.headers
    return origin_allowed(
        headers.get("origin"), headers.get("host"), headers.get("x-forwarded-host")
    )


@router.websocket("/accounts/{handle}/live/ws")
async def live_socket(websocket: WebSocket, handle: str) -> None:
    """Open the account's live view for this operator session."""
    ctx: ServerContext = websocket.app.state.ctx
    session = signer(ctx).verify(websocket.cookies.get(COOKIE))
    if session is None or not same_origin(websocket) or not _HANDLE.fullmatch(handle):
        logger.warning("live view socket refused: no valid session, or another origin")
        await websocket.close(POLICY_VIOLATION)  # before accept: an HTTP 403
        return
    await websocket.accept()
    viewer = SocketViewer(websocket)
    try:
        try:
            async with asyncio.timeout(_HELLO_S):
                hello = await viewer.next_input()
            token = json.loads(hello or "{}").get("csrf")
        except (TimeoutError, ValueError, AttributeError):
            token = None
        if not csrf_matches(session, token if isinstance(token, str) else None):
            logger.warning("live view socket refused: missing or wrong CSRF token")
            await viewer.event({"t": "refused", "message": "The page has expired: reload it."})
            await viewer.close(POLICY_VIOLATION)
            return
        runtime = getattr(websocket.app.state, "runtime", None)
        pool = getattr(runtime, "pool", None)
        try:
            result = await live_view(ctx, pool, handle, viewer, session.viewer)
        except LiveRefused as exc:
            logger.bind(handle=handle).info("live view of {} refused: {}", handle, exc.message)
            await viewer.event({"t": "refused", "message": exc.message})
            return
        await viewer.event(
            {
                "t": "closed",
                "reason": result.reason,
                "message": result.message,
                "status": result.status,
                "run_id": result.run_id,
            }
        )
    finally:
        await viewer.close()
