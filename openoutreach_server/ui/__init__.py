"""The operator page, `/ui`: accounts, runs, schedules, hosts and webhooks in a browser, and
the live view of an account's browser session. Plain HTML, a little JavaScript, no build
step."""

from __future__ import annotations

from fastapi import APIRouter

from openoutreach_server.ui import live_socket, pages

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(live_socket.router)

__all__ = ["router"]
