"""Local HTTP servers for tests: on 127.0.0.1, any free port, served from a thread, stopped at once."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# How often serve_forever looks for shutdown(). The stdlib's 0.5 s made every test that stops a
# server wait 0.25 s on average for nothing.
POLL_SECONDS = 0.05


class LocalServer:
    """`handler` served by a ThreadingHTTPServer on its own thread until `close()`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
