"""A container-credentials endpoint on loopback for one profile, so a long command's SDK asks for
credentials whenever it needs them and never holds keys that lapse (`exec --server`, `shell --server`).

Every SDK reads AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN (botocore's
ContainerProvider, the AWS CLI, Go, JS, Java). The server binds 127.0.0.1 only, answers only its
random path, and only with the token (compared in constant time): 401 without it, 403 with a wrong
one. Credentials are fetched once before the child starts and refreshed ahead of expiry by a
background thread, so a request is answered from memory, well inside botocore's 2 s timeout; a
refresh that needs an MFA code asks on the terminal from that thread. Nothing is logged: the path
and the token are secrets too.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rolecall.core.domain.credentials import Credentials, iso
from rolecall.core.domain.errors import ConfigError, RolecallError
from rolecall.core.text.environ import REMOVED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rolecall.core.domain.clock import Clock

# Variables that would make an SDK take other credentials before the endpoint's (or stale keys).
NOT_FOR_THE_CHILD = (
    *REMOVED,
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "ROLECALL_EXPIRES",
)
CHECK_EVERY = 30.0  # seconds: the refresher looks at the clock at least this often (a laptop wakes up)
RETRY_AFTER = 30.0  # seconds between tries of a refresh that failed


class CredentialServer:
    """The endpoint for one profile. `fetch(refresh)` returns credentials (anew when `refresh`);
    it is called once here, before anyone can ask, and then by the refresher when fewer than
    `lead` seconds are left by `clock`."""

    def __init__(
        self,
        fetch: Callable[[bool], Credentials],
        *,
        clock: Clock,
        lead: float,
        port: int = 0,
        warn: Callable[[str], None] | None = None,
    ):
        self._fetch = fetch
        self._clock = clock
        self._lead = timedelta(seconds=lead)
        self._warn = warn
        self.token = secrets.token_urlsafe(32)  # 32 random bytes
        self.path = "/" + secrets.token_urlsafe(16)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self.refreshes = 0
        try:
            self._http = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}",
                hint="choose another --port, or leave it out for any free one",
            ) from None
        self._http.daemon_threads = True
        try:
            self._credentials = fetch(False)
        except BaseException:
            self._http.server_close()
            raise
        self._threads = [
            threading.Thread(
                target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name="rolecall-server", daemon=True
            ),
            threading.Thread(target=self._refresher, name="rolecall-refresh", daemon=True),
        ]

    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def environ(self, environ: Mapping[str, str], profile: str, region: str | None) -> dict[str, str]:
        """The child's environment: `environ` without key variables, with the endpoint, the region
        and ROLECALL_PROFILE (the prompt shows the profile; the time left is the server's business)."""
        env = {k: v for k, v in environ.items() if k not in NOT_FOR_THE_CHILD}
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = self.url
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = self.token
        if region:
            env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
        env["ROLECALL_PROFILE"] = profile
        return env

    def start(self) -> CredentialServer:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> CredentialServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def wake(self) -> None:
        """Look at the clock now rather than at the next check (after a fake clock moves, say)."""
        self._wake.set()

    def current(self) -> Credentials:
        with self._lock:
            return self._credentials

    def _seconds_to_refresh(self) -> float:
        expiration = self.current().expiration
        if expiration is None:
            return CHECK_EVERY
        return (expiration - self._lead - self._clock.now()).total_seconds()

    def _pause(self, seconds: float) -> None:
        self._wake.wait(max(0.0, min(seconds, CHECK_EVERY)))
        self._wake.clear()

    def _refresher(self) -> None:
        while not self._stopped.is_set():
            due = self._seconds_to_refresh()
            if due > 0:
                self._pause(due)
                continue
            try:
                fresh = self._fetch(True)
            except RolecallError as exc:
                if self._warn:
                    self._warn(
                        f"could not refresh the credentials ({exc.message}); trying again in "
                        f"{int(RETRY_AFTER)}s, serving the current ones meanwhile"
                    )
                self._pause(RETRY_AFTER)
                continue
            with self._lock:
                self._credentials = fresh
                self.refreshes += 1
            if self._seconds_to_refresh() <= 0:  # shorter than the lead: never ask AWS in a loop
                self._pause(RETRY_AFTER)

    def answer(self, path: str, authorization: str | None) -> tuple[int, dict[str, object]]:
        """Status and JSON body for one request."""
        if not hmac.compare_digest(path.encode("utf-8", "surrogateescape"), self.path.encode()):
            return 404, {"message": "not found"}
        if authorization is None:
            return 401, {"message": "the authorization token is missing"}
        if not hmac.compare_digest(authorization.encode("utf-8", "surrogateescape"), self.token.encode()):
            return 403, {"message": "the authorization token is wrong"}
        credentials = self.current()
        if credentials.expiration is not None and credentials.expiration <= self._clock.now():
            return 503, {"message": "the credentials have expired and could not be refreshed"}
        body: dict[str, object] = {
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
            "Token": credentials.session_token or "",
        }
        if credentials.expiration is not None:
            body["Expiration"] = iso(credentials.expiration)
        return 200, body


def _handler(server: CredentialServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 5  # a client that stops sending never holds a thread for long
        server_version = "rolecall"
        sys_version = ""

        def do_GET(self) -> None:
            status, body = server.answer(self.path, self.headers.get("Authorization"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            """Never logged: the path and the token are secrets."""

    return Handler
