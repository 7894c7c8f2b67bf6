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
    """Route loguru to stderr in the configured format and level."""
    logger.remove()
    logger.configure(patcher=_patch)
    if settings.log_json:
        logger.add(sys.stderr, level=settings.log_level, serialize=True)
    else:
        logger.add(sys.stderr, level=settings.log_level, format=_FORMAT)
