"""A real HTTP endpoint that receives webhooks: records every request, answers as told."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict[str, Any]:
        """The body, parsed."""
        return dict(json.loads(self.body))

    def verify(self, secret: str) -> dict[str, Any]:
        """Check the signature the way a client would (Standard Webhooks library)."""
        return dict(Webhook(secret).verify(self.body, self.headers))


@dataclass
class Behaviour:
    """How the receiver answers: statuses in turn (the last one repeats), extra headers,
    or never (hold the request open until released)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    headers: dict[str, str] = field(default_factory=dict)
    hang: threading.Event | None = None


class Receiver:
    """A threaded HTTP server on 127.0.0.1 recording what is POSTed to it."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.behaviour = Behaviour()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                behaviour = receiver.behaviour
                seen = {k.lower(): v for k, v in self.headers.items()}
                with receiver._changed:
                    receiver.requests.append(Received(self.path, seen, body, time.time()))
                    receiver._changed.notify_all()
                if behaviour.hang is not None:
                    behaviour.hang.wait(120)
                    return
                with receiver._changed:
                    index = min(len(receiver.requests), len(behaviour.statuses)) - 1
                    status = behaviour.statuses[index]
                self.send_response(status)
                for name, value in behaviour.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.behaviour.hang is not None:
            self.behaviour.hang.set()
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """Wait until at least `count` requests arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self.requests)} webhook requests arrived, expected {count}"
                    )
                self._changed.wait(left)
            return list(self.requests)
