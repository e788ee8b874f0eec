"""A small local fake of the IAM Identity Center OIDC and portal APIs (moto implements neither).

One ThreadingHTTPServer on 127.0.0.1 answers both, on the paths botocore's `sso-oidc` and `sso`
clients use, so pointing AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO at `url` is enough:

  POST /client/register            RegisterClient
  POST /device_authorization       StartDeviceAuthorization
  POST /token                      CreateToken: device_code, authorization_code (PKCE S256), refresh_token
  GET  /authorize                  redirects to redirect_uri with code and state once approved
  GET  /assignment/accounts        ListAccounts (pages)
  GET  /assignment/roles           ListAccountRoles
  GET  /federation/credentials     GetRoleCredentials
  POST /logout                     Logout

Sign-ins wait for `approve()` (or `deny()`) unless `auto_approve`. Portal calls above `rate_limit`
requests/s (a token bucket holding one second of requests) get 429 TooManyRequestsException with
Retry-After (whole seconds) and x-amz-retry-after (milliseconds, as botocore reads it) saying when the
next call would be let through; a revoked token gets 401; every request can take `latency` seconds.
Refresh tokens are single use. Misbehaving on purpose: `repeat_token="ListAccounts"` (or "ListAccountRoles") makes
that operation answer every page with the same nextToken (a listing that never ends),
`device_interval` may be any value a hostile server sends, `device_answer` replaces fields of
StartDeviceAuthorization's answer (a hostile user code or URL), and `clients` may be dropped
(`forget_clients`) so a stored registration is refused with InvalidClientException.
`browse(url)` does what a browser does with the page rolecall opens (the demo and tests use it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self, TypedDict
from urllib.parse import ParseResult, parse_qs, urlencode, urlparse
from urllib.request import url2pathname, urlopen

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

# A JSON object as a request carries it or an answer sends it: what a client sends is not trusted
# to have any shape beyond being an object.
Json = dict[str, Any]
# What an API answers: HTTP status, JSON body (None: no body) and extra headers.
Reply = tuple[int, Json | None, dict[str, str]]


class Account(TypedDict):
    """One account as ListAccounts lists it."""

    accountId: str
    accountName: str
    emailAddress: str


class _Client(TypedDict):
    """A registered OIDC client."""

    secret: str
    grants: list[str]
    redirects: list[str]
    expires: int


def role_names(index: int) -> list[str]:
    """Account `index`'s roles: ReadOnly everywhere, AdministratorAccess in 7 of 10 (1,700 roles per 1,000)."""
    return ["ReadOnly", "AdministratorAccess"] if index % 10 < 7 else ["ReadOnly"]


@dataclass
class _Pending:
    kind: Literal["device", "authorize", "code"]  # a device sign-in, a browser one, or its issued code
    client_id: str
    approved: bool = False
    denied: bool = False
    expires: float = 0.0
    last_poll: float = 0.0
    challenge: str = ""
    redirect_uri: str = ""
    event: threading.Event = field(default_factory=threading.Event)


class _Bucket:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> float:
        """0 when a request may go through, else the seconds until it could."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


class FakeSso:
    def __init__(
        self,
        *,
        accounts: int = 3,
        rate_limit: float | None = None,
        latency: float = 0.0,
        auto_approve: bool = False,
        token_ttl: int = 8 * 3600,
        registration_ttl: int = 90 * 86400,
        device_interval: object = 1,
        device_ttl: int = 600,
        role_ttl: int = 3600,
        repeat_token: str | None = None,
        device_answer: dict[str, object] | None = None,
    ) -> None:
        self.accounts: list[Account] = [
            {
                "accountId": f"{100000000000 + i:012d}",
                "accountName": f"account-{i:04d}",
                "emailAddress": f"aws+{i}@example.com",
            }
            for i in range(accounts)
        ]
        self.roles = {a["accountId"]: role_names(i) for i, a in enumerate(self.accounts)}
        self.latency = latency
        self.auto_approve = auto_approve
        self.token_ttl = token_ttl
        self.registration_ttl = registration_ttl
        self.device_interval = device_interval
        self.device_ttl = device_ttl
        self.role_ttl = role_ttl
        self.repeat_token = repeat_token
        self.device_answer = device_answer or {}  # fields that replace StartDeviceAuthorization's own
        self.bucket = _Bucket(rate_limit) if rate_limit else None
        self.lock = threading.Lock()
        self.clients: dict[str, _Client] = {}
        self.pending: dict[str, _Pending] = {}  # device code or authorization code -> sign-in
        self.user_codes: dict[str, str] = {}  # user code -> device code
        self.access: dict[str, float] = {}  # live access tokens -> expiry (time.time())
        self.refresh: dict[str, str] = {}  # unused refresh tokens -> client id
        self.revoked: set[str] = set()
        self.counts: dict[str, int] = {}
        self.throttled = 0
        self.throttles: dict[str, int] = {}
        self.refresh_reuse = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- control

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def env(self) -> dict[str, str]:
        """What points botocore (and rolecall) at this fake."""
        return {"AWS_ENDPOINT_URL_SSO_OIDC": self.url, "AWS_ENDPOINT_URL_SSO": self.url}

    def approve(self, user_code: str | None = None) -> int:
        """Approve the waiting sign-in with `user_code`, or every waiting one; returns how many."""
        return self._decide(user_code, approved=True)

    def deny(self, user_code: str | None = None) -> int:
        return self._decide(user_code, approved=False)

    def _decide(self, user_code: str | None, *, approved: bool) -> int:
        with self.lock:
            chosen = [self.pending[self.user_codes[user_code]]] if user_code else list(self.pending.values())
            for sign_in in chosen:
                sign_in.approved, sign_in.denied = approved, not approved
                sign_in.event.set()
            return len(chosen)

    def revoke(self) -> None:
        """Every access and refresh token stops working (401 on the portal)."""
        with self.lock:
            self.revoked.update(self.access)
            self.access.clear()
            self.refresh.clear()

    def forget_clients(self) -> None:
        """Every client registration stops being accepted (InvalidClientException), as after the
        service dropped them."""
        with self.lock:
            self.clients.clear()

    def waiting(self) -> list[str]:
        with self.lock:
            return [
                code
                for code, key in self.user_codes.items()
                if key in self.pending and not self.pending[key].approved and not self.pending[key].denied
            ]

    def count(self, operation: str) -> int:
        """Requests for `operation`, 429s included."""
        return self.counts.get(operation, 0)

    def throttled_by(self, operation: str) -> int:
        """Requests for `operation` answered 429."""
        return self.throttles.get(operation, 0)

    # -- the APIs

    def _issue(self, client_id: str) -> Json:
        access, refresh = "fake-at-" + secrets.token_urlsafe(24), "fake-rt-" + secrets.token_urlsafe(24)
        self.access[access] = time.time() + self.token_ttl
        self.refresh[refresh] = client_id
        return {"accessToken": access, "tokenType": "Bearer", "expiresIn": self.token_ttl, "refreshToken": refresh}

    def register_client(self, body: Json) -> Reply:
        client_id, secret = "fake-client-" + secrets.token_hex(8), "fake-secret-" + secrets.token_urlsafe(24)
        now = int(time.time())
        self.clients[client_id] = {
            "secret": secret,
            "grants": body.get("grantTypes") or [DEVICE_GRANT, "refresh_token"],
            "redirects": body.get("redirectUris") or [],
            "expires": now + self.registration_ttl,
        }
        return _ok(
            {
                "clientId": client_id,
                "clientSecret": secret,
                "clientIdIssuedAt": now,
                "clientSecretExpiresAt": now + self.registration_ttl,
            }
        )

    def _client_ok(self, body: Json) -> bool:
        client = self.clients.get(body.get("clientId", ""))
        return bool(client and client["secret"] == body.get("clientSecret") and client["expires"] > time.time())

    def start_device_authorization(self, body: Json) -> Reply:
        if not self._client_ok(body):
            return _error(401, "InvalidClientException", "invalid client")
        device = "fake-dc-" + secrets.token_urlsafe(16)
        letters = "BCDFGHJKLMNPQRSTVWXZ"
        user = (
            "".join(secrets.choice(letters) for _ in range(4))
            + "-"
            + "".join(secrets.choice(letters) for _ in range(4))
        )
        sign_in = _Pending(
            "device", body["clientId"], approved=self.auto_approve, expires=time.time() + self.device_ttl
        )
        self.pending[device] = sign_in
        self.user_codes[user] = device
        return _ok(
            {
                "deviceCode": device,
                "userCode": user,
                "verificationUri": f"{self.url}/device",
                "verificationUriComplete": f"{self.url}/device?user_code={user}",
                "expiresIn": self.device_ttl,
                "interval": self.device_interval,
                **self.device_answer,
            }
        )

    def create_token(self, body: Json) -> Reply:
        if not self._client_ok(body):
            return _error(401, "InvalidClientException", "invalid client")
        grant = body.get("grantType")
        if grant == "refresh_token":
            if self.refresh.get(body.get("refreshToken", "")) != body["clientId"]:
                self.refresh_reuse += 1
                return _error(400, "InvalidGrantException", "refresh token is not valid")
            del self.refresh[body["refreshToken"]]
            return _ok(self._issue(body["clientId"]))
        if grant == DEVICE_GRANT:
            sign_in = self.pending.get(body.get("deviceCode", ""))
            if sign_in is None or sign_in.kind != "device":
                return _error(400, "InvalidGrantException", "unknown device code")
            now = time.time()
            if now > sign_in.expires:
                return _error(400, "ExpiredTokenException", "device code expired")
            if sign_in.denied:
                return _error(400, "AccessDeniedException", "the user denied the sign-in")
            if not sign_in.approved:
                too_soon = (
                    isinstance(self.device_interval, int | float)
                    and now - sign_in.last_poll < self.device_interval * 0.5
                )
                sign_in.last_poll = now
                if too_soon:
                    return _error(400, "SlowDownException", "polling too fast")
                return _error(400, "AuthorizationPendingException", "authorization pending")
            del self.pending[body["deviceCode"]]
            return _ok(self._issue(body["clientId"]))
        if grant == "authorization_code":
            sign_in = self.pending.pop(body.get("code", ""), None)
            if sign_in is None or sign_in.kind != "code" or sign_in.client_id != body["clientId"]:
                return _error(400, "InvalidGrantException", "unknown authorization code")
            verifier = body.get("codeVerifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != sign_in.challenge or body.get("redirectUri") != sign_in.redirect_uri:
                return _error(400, "InvalidGrantException", "code verifier or redirect URI does not match")
            return _ok(self._issue(body["clientId"]))
        return _error(400, "UnsupportedGrantTypeException", f"grant {grant!r} is not supported")

    def authorize(self, query: dict[str, str]) -> Reply:
        """Wait (up to 60 s) for approval of this sign-in, then redirect with code+state or an error."""
        client = self.clients.get(query.get("client_id", ""))
        redirect = query.get("redirect_uri", "")
        target = urlparse(redirect)
        allowed = {(urlparse(r).hostname, urlparse(r).path) for r in client["redirects"]} if client else set()
        if (
            client is None
            or (target.hostname, target.path) not in allowed
            or query.get("code_challenge_method") != "S256"
        ):
            return 400, {"error": "invalid_request"}, {}
        sign_in = _Pending(
            "authorize",
            query["client_id"],
            approved=self.auto_approve,
            challenge=query.get("code_challenge", ""),
            redirect_uri=redirect,
        )
        user = "WEB-" + secrets.token_hex(2).upper()
        with self.lock:
            self.pending[user] = sign_in
            self.user_codes[user] = user
        if not sign_in.approved:
            sign_in.event.wait(60)
        with self.lock:
            del self.pending[user]
            del self.user_codes[user]
        state = query.get("state", "")
        if not sign_in.approved:
            params = {"error": "access_denied", "error_description": "the user denied the sign-in", "state": state}
        else:
            code = "fake-code-" + secrets.token_urlsafe(16)
            with self.lock:
                self.pending[code] = _Pending(
                    "code", sign_in.client_id, approved=True, challenge=sign_in.challenge, redirect_uri=redirect
                )
            params = {"code": code, "state": state}
        return 302, None, {"Location": f"{redirect}?{urlencode(params)}"}

    def portal(self, operation: str, token: str, query: dict[str, str]) -> Reply:
        if token in self.revoked or self.access.get(token, 0) < time.time():
            return _error(401, "UnauthorizedException", "Session token not found or invalid")
        if operation == "Logout":
            self.access.pop(token, None)
            self.revoked.add(token)
            return _ok({})
        if operation == "ListAccounts":
            token = query.get("next_token") or "0"
            start = 0 if token == "again" else int(token)
            size = min(int(query.get("max_result") or 20), 100)
            page = self.accounts[start : start + size]
            body: Json = {"accountList": page}
            if self.repeat_token == operation:
                body["nextToken"] = "again"
            elif start + size < len(self.accounts):
                body["nextToken"] = str(start + size)
            return _ok(body)
        account = query.get("account_id", "")
        if account not in self.roles:
            return _error(404, "ResourceNotFoundException", f"no such account: {account}")  # echoes it, as servers do
        if operation == "ListAccountRoles":
            body = {"roleList": [{"roleName": r, "accountId": account} for r in self.roles[account]]}
            if self.repeat_token == operation:
                body["nextToken"] = "again"
            return _ok(body)
        if query.get("role_name") not in self.roles[account]:
            return _error(403, "ForbiddenException", "No access")
        return _ok(
            {
                "roleCredentials": {
                    "accessKeyId": "ASIA" + secrets.token_hex(8).upper(),
                    "secretAccessKey": secrets.token_urlsafe(30),
                    "sessionToken": "fake-st-" + secrets.token_urlsafe(60),
                    "expiration": int((time.time() + self.role_ttl) * 1000),
                }
            }
        )

    # -- HTTP

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self
        posts: dict[str, tuple[str, Callable[[Json], Reply]]] = {
            "/client/register": ("RegisterClient", fake.register_client),
            "/device_authorization": ("StartDeviceAuthorization", fake.start_device_authorization),
            "/token": ("CreateToken", fake.create_token),
        }
        gets = {
            "/assignment/accounts": "ListAccounts",
            "/assignment/roles": "ListAccountRoles",
            "/federation/credentials": "GetRoleCredentials",
        }

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                url = urlparse(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if url.path == "/logout":
                    self._portal("Logout", url)
                    return
                if url.path not in posts:
                    self._send(404, {"message": "not found"})
                    return
                name, method = posts[url.path]
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    self._send(*_error(400, "InvalidRequestException", "not JSON"))
                    return
                if not isinstance(body, dict):
                    self._send(*_error(400, "InvalidRequestException", "not a JSON object"))
                    return
                fake._tally(name)
                fake._delay()
                with fake.lock:
                    self._send(*method(body))

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path == "/authorize":
                    fake._tally("Authorize")
                    status, body, headers = fake.authorize({k: v[0] for k, v in parse_qs(url.query).items()})
                    self._send(status, body, headers)
                elif url.path in gets:
                    self._portal(gets[url.path], url)
                else:
                    self._send(404, {"message": "not found"})

            def _portal(self, operation: str, url: ParseResult) -> None:
                fake._tally(operation)
                fake._delay()
                wait = fake.bucket.take() if fake.bucket else 0.0
                if wait:
                    with fake.lock:
                        fake.throttled += 1
                        fake.throttles[operation] = fake.throttles.get(operation, 0) + 1
                    status, body, headers = _error(429, "TooManyRequestsException", "HTTP 429 Unknown Code")
                    headers.update(
                        {"Retry-After": str(math.ceil(wait)), "x-amz-retry-after": str(math.ceil(wait * 1000))}
                    )
                    self._send(status, body, headers)
                    return
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with fake.lock:
                    self._send(*fake.portal(operation, self.headers.get("x-amz-sso_bearer_token", ""), query))

            def _send(self, status: int, body: Json | None, headers: dict[str, str] | None = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _tally(self, operation: str) -> None:
        with self.lock:
            self.counts[operation] = self.counts.get(operation, 0) + 1

    def _delay(self) -> None:
        if self.latency:
            time.sleep(self.latency)


class _Refresh(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.target: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        if tag == "meta" and (fields.get("http-equiv") or "").lower() == "refresh" and self.target is None:
            _, _, url = (fields.get("content") or "").partition("url=")
            self.target = url or None


def signin_target(url: str) -> str:
    """Where a browser opening `url` ends up first: for rolecall's local sign-in page (file://), the
    URL its meta refresh leads to; any other URL as it is."""
    if not url.startswith("file:"):
        return url
    with open(url2pathname(urlparse(url).path), encoding="utf-8") as page:
        parser = _Refresh()
        parser.feed(page.read())
    if parser.target is None:
        raise ValueError(f"{url} does not redirect")
    return parser.target


def browse(url: str, timeout: float = 30) -> bytes:
    """What a browser does with a sign-in URL rolecall opens: follow the local page and the portal's
    redirects (to rolecall's loopback listener); the last page's body."""
    with urlopen(signin_target(url), timeout=timeout) as answer:
        body: bytes = answer.read()
    return body


def _ok(body: Json) -> Reply:
    return 200, body, {}


def _error(status: int, code: str, message: str) -> Reply:
    return status, {"__type": code, "error": code, "message": message}, {"x-amzn-ErrorType": code}
