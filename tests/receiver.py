"""A real HTTP server on loopback that keeps every JSON body posted to it: Apprise's ``json://`` target."""

from __future__ import annotations

import http.server
import json
import threading
import time

from tests.servers import wait_for


class Receiver:
    """Notices received, in order; ``url`` is the Apprise URL that posts to this server."""

    def __init__(self) -> None:
        self.notices: list[dict] = []
        self.arrived: list[float] = []
        self.raw: list[bytes] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.raw.append(bytes(self.requestline, "latin-1") + b"\n" + bytes(self.headers) + body)
                receiver.notices.append(json.loads(body))
                receiver.arrived.append(time.time())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_port}/notice"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[dict]:
        """Wait until ``count`` notices have arrived; return them all (fails on timeout)."""
        assert wait_for(lambda: len(self.notices) >= count, timeout=timeout), f"{len(self.notices)} notice(s)"
        return list(self.notices)
