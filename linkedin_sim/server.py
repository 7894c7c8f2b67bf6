"""Run the simulator: in a background thread for tests, or in the foreground for people."""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Any

import uvicorn

from linkedin_sim.app import create_app
from linkedin_sim.state import SimState


class SimServer:
    """The simulator on 127.0.0.1 and a free port, served from a background thread."""

    def __init__(
        self, state: SimState | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.state = state or SimState()
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def start(self) -> SimServer:
        """Bind, start serving and return once the server accepts connections."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.state), log_level="warning", access_log=False, lifespan="off"
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="linkedin-sim", daemon=True
        )
        self._thread.start()
        ready = threading.Event()
        # uvicorn sets `started` from its own thread; poll it with short waits.
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the simulator failed to start")
            ready.wait(0.01)
        self.base_url = f"http://{self._host}:{port}"
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def url(self, path: str) -> str:
        """Absolute URL of a path on the simulator."""
        return self.base_url + path

    def profile_url(self, public_id: str) -> str:
        """Absolute URL of /in/<public_id>/."""
        return self.url(f"/in/{public_id}/")

    def reset(self, *, seeded: bool = True) -> None:
        """Restore the seed data (or empty state) and forget recorded events."""
        self.state.reset(seeded=seeded)

    def invitations(self) -> list[dict[str, Any]]:
        """Invitations recorded so far."""
        return self.state.invitations()

    def visits(self) -> list[dict[str, Any]]:
        """Profile visits recorded so far."""
        return self.state.visits()

    def logins(self) -> list[dict[str, Any]]:
        """Login attempts recorded so far."""
        return self.state.logins()


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run the simulator in the foreground until interrupted."""
    uvicorn.run(create_app(SimState()), host=host, port=port, log_level="info")
