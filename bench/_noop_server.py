"""A real server (API + in-process executor) whose touchpoints are no-ops: no browser needed.

    python -m bench._noop_server PORT      (settings from OO_* env; NOOP_DELAY_S optional)

Built with `create_app(settings, worker=True, run_fn=...)` and served by uvicorn exactly as
`openoutreach-server serve` does; only the browser runner is replaced.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn

from openoutreach_server.config import Settings
from openoutreach_server.logs import configure_logging
from openoutreach_server.main import create_app
from openoutreach_server.store.records import Claimed


def main() -> None:
    port = int(sys.argv[1])
    delay = float(os.environ.get("NOOP_DELAY_S", "0"))

    async def noop(_run: Claimed) -> dict[str, Any]:
        if delay:
            await asyncio.sleep(delay)
        return {}

    settings = Settings()
    configure_logging(settings)
    app = create_app(settings, worker=True, run_fn=noop)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=5)


if __name__ == "__main__":
    main()
