"""Loguru set-up: one line per event, bound with run_id and handle; JSON on request."""

from __future__ import annotations

import sys
from typing import Any

from loguru import logger

from openoutreach_server.config import Settings

_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> <level>{level: <7}</level> "
    "{extra[handle]}{extra[run]}<level>{message}</level>"
)


def _patch(record: Any) -> None:
    extra = record["extra"]
    extra.setdefault("handle", "")
    run_id = extra.get("run_id")
    extra["run"] = f"run={run_id} " if run_id is not None else ""
    if extra["handle"] and not str(extra["handle"]).startswith("["):
        extra["handle"] = f"[{extra['handle']}] "


def configure_logging(settings: Settings) -> None:
    """Route loguru to stderr in the configured format and level.

    Tracebacks never show variable values (`diagnose=False`): a local variable can be a
    password, a session cookie or a decrypted storage state.
    """
    global _configured
    _configured = True
    logger.remove()
    logger.configure(patcher=_patch)
    if settings.log_json:
        logger.add(
            sys.stderr, level=settings.log_level, serialize=True, diagnose=False, backtrace=False
        )
    else:
        logger.add(
            sys.stderr, level=settings.log_level, format=_FORMAT, diagnose=False, backtrace=False
        )


_configured = False


def ensure_logging(settings: Settings) -> None:
    """Configure logging once per process unless the CLI already did (embedded use, tests)."""
    if not _configured:
        configure_logging(settings)
