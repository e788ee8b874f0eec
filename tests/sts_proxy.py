"""A local STS endpoint for failure tests: it answers scripted calls with real AWS error bodies
(so botocore raises exactly what it raises against AWS) and passes every other call to moto.
It also counts the calls it sees, by action."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import Counter, defaultdict, deque
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from tests.servers import LocalServer

ERROR_BODY = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>{code}</Code>
    <Message>{message}</Message>
  </Error>
  <RequestId>4fa5b3a1-9d5e-4a67-8c1e-1f0b7c0c5a10</RequestId>
</ErrorResponse>
"""

ACCESS_DENIED = (
    403,
    "AccessDenied",
    "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole "
    "on resource: arn:aws:iam::222222222222:role/ReadOnly",
)
INVALID_MFA = (403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
EXPIRED_TOKEN = (400, "ExpiredToken", "The security token included in the request is expired")
THROTTLING = (400, "Throttling", "Rate exceeded")
REQUEST_EXPIRED = (400, "RequestExpired", "Request has expired.")


class StsProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.calls: Counter = Counter()
        self.requests: list[dict[str, str]] = []  # the form fields of every call (names and values)
        self.script: dict[str, deque] = defaultdict(deque)
        self.always: dict[str, tuple] = {}
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                action = form.get("Action", "?")
                with proxy._lock:
                    proxy.calls[action] += 1
                    proxy.requests.append(form)
                    scripted = proxy.script[action].popleft() if proxy.script[action] else proxy.always.get(action)
                if scripted:
                    status, code, message = scripted
                    self._answer(status, ERROR_BODY.format(code=code, message=message).encode(), "text/xml")
                    return
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method="POST")
                for name in ("Content-Type", "Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
                    if self.headers.get(name):
                        request.add_header(name, self.headers[name])
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        self._answer(response.status, response.read(), response.headers.get("Content-Type", "text/xml"))
                except urllib.error.HTTPError as exc:
                    self._answer(exc.code, exc.read(), exc.headers.get("Content-Type", "text/xml"))

            def _answer(self, status: int, payload: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.served = LocalServer(Handler)
        self.url = self.served.url

    def fail(self, action: str, error: tuple, times: int = 1) -> None:
        """Answer the next `times` calls of `action` with `error` (status, code, message)."""
        self.script[action].extend([error] * times)

    def fail_always(self, action: str, error: tuple) -> None:
        self.always[action] = error

    def close(self) -> None:
        self.served.close()


class Hanging:
    """Accepts connections and never answers: a stuck endpoint."""

    def __init__(self):
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()
