"""A second local web server standing in for "another host": it records every request."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Hit:
    """One request the other host received."""

    path: str
    dest: str  # Sec-Fetch-Dest: "document" for a page load, "image", "empty" (fetch), ...


class OtherHost:
    """An HTTP server on 127.0.0.1 and a free port (so: another host than the simulator)."""

    def __init__(self) -> None:
        hits: list[Hit] = []
        self.hits = hits

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                hits.append(Hit(self.path, self.headers.get("Sec-Fetch-Dest", "")))
                body = b"<html><body><h1>another host</h1><script>document.title='x'</script>"
                self.send_response(200)
                self.send_header("content-type", "text/html")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self._server.server_port}"
        self.url = f"http://{self.host}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def documents(self) -> list[Hit]:
        """Page loads (main frame or iframe) the other host received."""
        return [h for h in self.hits if h.dest in ("document", "iframe")]

    def __enter__(self) -> OtherHost:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
