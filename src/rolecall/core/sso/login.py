"""Signing in to IAM Identity Center and keeping the token fresh.

`login` runs the authorization code flow with PKCE (a loopback listener on 127.0.0.1, the browser
opened with Python's webbrowser so $BROWSER is honoured, on a 0600 local page that redirects, so the
state is not in the browser's command line) or, without a browser, the device code flow.
`valid_token` is what non-interactive commands use: it refreshes a token with under 15 minutes left
(refresh token + live client registration, as botocore's SSOTokenProvider does) and otherwise fails
with "run `rolecall login NAME`"; it never opens a browser. A file lock per session makes concurrent
processes share one sign-in and one refresh.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import queue
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlparse

from rolecall.core.domain.errors import AwsError
from rolecall.core.gateways.browser import page_html
from rolecall.core.sso import clients
from rolecall.core.sso.token import (
    REFRESH_WINDOW,
    NotSignedIn,
    Token,
    parse_time,
    read_token,
    write_token,
)
from rolecall.core.store import paths, storage
from rolecall.core.text.display import printable

if TYPE_CHECKING:
    from rolecall.core.domain.clock import Clock
    from rolecall.core.sso.session import SsoSession

CLIENT_NAME = "rolecall"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REDIRECT_PATH = "/oauth/callback"
LOGIN_TIMEOUT = 600.0  # seconds a sign-in may wait for the user
REGISTRATION_MARGIN = timedelta(hours=1)
CONNECTION_TIMEOUT = 5.0  # seconds a loopback connection may take to send its request
CALLBACKS = 8  # answers with the right state held at once; more are turned away
MAX_QUERY = 8192  # characters of a callback's query read
DEFAULT_INTERVAL, MIN_INTERVAL, MAX_INTERVAL = 5.0, 1.0, 60.0  # device flow polling, seconds

CLOSE_PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>rolecall</title></head>"
    b"<body style='font-family:sans-serif'><h3>rolecall: %s</h3><p>You can close this tab.</p></body></html>"
)


def state_dir() -> Path:
    return paths.cache_dir() / "sso"


def lock_path(session: SsoSession, purpose: str) -> Path:
    """One lock for sign-ins and another for refreshes, so a refresh never waits on a person at a browser."""
    return state_dir() / f"{session.digest}.{purpose}.lock"


# --------------------------------------------------------------------------- client registration


def _registration_path(session: SsoSession, flow: str) -> Path:
    """Keyed as botocore keys its own (start URL, region, scopes, session name), plus the flow: a
    changed start URL, region or scope set is a new registration, never the old one reused."""
    key = json.dumps(
        {
            "tool": CLIENT_NAME,
            "flow": flow,
            "startUrl": session.start_url,
            "region": session.region,
            "scopes": sorted(session.scopes),
            "session_name": session.name,
        },
        sort_keys=True,
    )
    return state_dir() / f"{hashlib.sha1(key.encode('utf-8')).hexdigest()}.{flow}.registration.json"


def _stored_registration(session: SsoSession, path: Path, clock: Clock) -> dict[str, Any] | None:
    stored = storage.read_trusted_json(path)
    if (
        not stored
        or stored.get("startUrl") != session.start_url
        or stored.get("region") != session.region
        or stored.get("scopes") != list(session.scopes)
    ):
        return None
    try:
        if (
            parse_time(stored["expiresAt"]) - clock.now() > REGISTRATION_MARGIN
            and stored["clientId"]
            and stored["clientSecret"]
        ):
            return stored
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
    return None


def registration(session: SsoSession, flow: str, clock: Clock, oidc: Any, *, renew: bool = False) -> dict[str, Any]:
    """A client registration for `flow` ("pkce" or "device"), reused while it has an hour left;
    `renew` replaces it (the service said InvalidClientException)."""
    path = _registration_path(session, flow)
    stored = None if renew else _stored_registration(session, path, clock)
    if stored:
        return stored
    params: dict[str, Any] = {"clientName": CLIENT_NAME, "clientType": "public", "scopes": list(session.scopes)}
    if flow == "pkce":
        params.update(
            grantTypes=["authorization_code", "refresh_token"],
            redirectUris=[f"http://127.0.0.1{REDIRECT_PATH}"],
            issuerUrl=session.start_url,
        )
    else:
        params.update(grantTypes=[DEVICE_GRANT, "refresh_token"])
    response = clients.call(oidc, "register_client", "RegisterClient", **params)
    expires = datetime.fromtimestamp(response["clientSecretExpiresAt"], UTC)
    stored = {
        "clientId": response["clientId"],
        "clientSecret": response["clientSecret"],
        "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "startUrl": session.start_url,
        "scopes": list(session.scopes),
        "region": session.region,
    }
    storage.write_json(path, stored)
    return stored


def _drop_registration(session: SsoSession, client_id: str | None) -> None:
    """Forget the stored registration with `client_id` (the service refused it), so the next sign-in
    registers again instead of failing until it expires."""
    for flow in ("pkce", "device"):
        path = _registration_path(session, flow)
        stored = storage.read_json(path) if storage.trusted(path) else None
        if stored and stored.get("clientId") == client_id:
            storage.remove(path)


def _token(session: SsoSession, reg: dict[str, Any], response: dict[str, Any], clock: Clock) -> Token:
    return Token(
        start_url=session.start_url,
        region=session.region,
        access_token=response["accessToken"],
        expires_at=clock.now().replace(microsecond=0) + timedelta(seconds=int(response["expiresIn"])),
        client_id=reg["clientId"],
        client_secret=reg["clientSecret"],
        registration_expires_at=parse_time(reg["expiresAt"]),
        refresh_token=response.get("refreshToken"),
    )


# --------------------------------------------------------------------------- sign-in


def login(
    session: SsoSession,
    clock: Clock,
    *,
    browser: bool = True,
    notify: Callable[[str], None] = lambda message: None,
    timeout: float = LOGIN_TIMEOUT,
    sleep: Callable[[float], object] | None = None,
    open_url: Callable[[str], bool] | None = None,
    cancelled: threading.Event | None = None,
    prompt: Callable[[str, str | None], None] | None = None,
) -> Token:
    """Sign in and write the token to the AWS CLI cache. Another process already signing in for the
    same session is waited for, and its token used: one browser, one sign-in.

    `notify(text)` gets lines for a terminal; `prompt(url, user_code)` gets the same as data for a UI
    (the authorize URL and None, or the verification URL and the user code); text from the service
    in either has gone through `printable`. Setting `cancelled` stops the wait within a fraction of
    a second (the app's Esc); Ctrl+C does too. `sleep` paces the device flow's polls (default: a
    wait that `cancelled` interrupts)."""
    cancelled = cancelled or threading.Event()
    before = _peek(session)
    with storage.locked(lock_path(session, "login")):
        current = _peek(session)
        if current is not None and current != before and current.remaining(clock.now()) > REFRESH_WINDOW:
            notify("signed in by another rolecall process")
            return current
        oidc = clients.client("sso-oidc", session.region)
        if browser:
            token = _pkce(session, clock, oidc, notify, timeout, open_url, cancelled, prompt)
        else:
            token = _device(session, clock, oidc, notify, timeout, sleep or cancelled.wait, cancelled, prompt)
        write_token(session, token)
        return token


def _peek(session: SsoSession) -> Token | None:
    try:
        return read_token(session)
    except NotSignedIn:
        return None


class _Listener(ThreadingHTTPServer):
    """The loopback redirect target: each connection in a daemon thread with its own timeout, so an
    idle or slow client never holds the sign-in, and closing never waits for one."""

    daemon_threads = True
    block_on_close = False


def _pkce(
    session: SsoSession,
    clock: Clock,
    oidc: Any,
    notify: Callable[[str], None],
    timeout: float,
    open_url: Callable[[str], bool] | None,
    cancelled: threading.Event,
    prompt: Callable[[str, str | None], None] | None,
) -> Token:
    """The authorization code flow. A callback counts only with the right state (compared in constant
    time) and a code that the PKCE verifier redeems: the state alone (which a local user may learn)
    can neither finish nor abort the sign-in, so error callbacks are shown and the wait goes on,
    and a code the service refuses is shown and the wait goes on."""
    reg = registration(session, "pkce", clock, oidc)
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(32)
    arrivals: queue.Queue[tuple[str, str]] = queue.Queue(maxsize=CALLBACKS)
    finished = threading.Event()

    class Callback(BaseHTTPRequestHandler):
        timeout = CONNECTION_TIMEOUT  # seconds a connection may take to send its request

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query[:MAX_QUERY]).items()}
            given = query.get("state", "")
            if (
                finished.is_set()
                or url.path != REDIRECT_PATH
                or not hmac.compare_digest(given.encode("utf-8", "replace"), state.encode("ascii"))
            ):
                self._page(400, b"this is not the sign-in rolecall is waiting for")
                return
            if "code" in query:
                kind, text = "code", query["code"]
            else:
                kind, text = "error", " ".join(filter(None, (query.get("error"), query.get("error_description"))))
            try:
                arrivals.put_nowait((kind, text))
            except queue.Full:
                self._page(429, b"too many answers; this one was ignored")
                return
            self._page(200, b"signed in" if kind == "code" else b"sign-in was not completed")

        def _page(self, status: int, text: bytes) -> None:
            body = CLOSE_PAGE % text
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # the query holds the code: never log it
            pass

    try:
        listener = _Listener(("127.0.0.1", 0), Callback)
    except OSError as exc:
        raise AwsError(
            f"cannot listen on 127.0.0.1 for the sign-in redirect: {exc.strerror or exc}", code="LoopbackUnavailable"
        ) from None
    redirect_uri = f"http://127.0.0.1:{listener.server_address[1]}{REDIRECT_PATH}"
    url = (
        oidc.meta.endpoint_url.rstrip("/")
        + "/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": reg["clientId"],
                "redirect_uri": redirect_uri,
                "state": state,
                "code_challenge_method": "S256",
                "scopes": " ".join(session.scopes),
                "code_challenge": challenge,
            }
        )
    )
    page = state_dir() / f"{session.digest}.{secrets.token_hex(8)}.signin.html"
    serving = threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    serving.start()
    try:
        import webbrowser

        # The state travels in a 0600 page, not in the browser's command line (every local user can read it).
        storage.write_atomic(page, page_html(url, title="sign-in", link="Continue to the sign-in page").encode())
        shown = printable(url)
        notify(f"opening the sign-in page in your browser; if it does not open, visit:\n{shown}")
        if prompt:
            prompt(shown, None)
        try:
            (open_url or webbrowser.open)(page.as_uri())
        except (webbrowser.Error, OSError) as exc:
            notify(f"could not open a browser ({printable(str(exc))}): visit the URL above")
        deadline = time.monotonic() + timeout
        refused = ""
        while True:
            if cancelled.is_set():
                raise AwsError("sign-in cancelled", code="Cancelled")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AwsError(f"sign-in was not completed within {int(timeout)} s{refused}", code="Timeout")
            try:
                kind, text = arrivals.get(timeout=min(0.1, left))
            except queue.Empty:
                continue
            if kind == "error":
                said = printable(text[:200]) or "no code"
                refused = f" (the sign-in page said: {said})"
                notify(f"the sign-in page answered without a code: {said}; still waiting (Ctrl+C to stop)")
                continue
            try:
                response = clients.call(
                    oidc,
                    "create_token",
                    "CreateToken",
                    clientId=reg["clientId"],
                    clientSecret=reg["clientSecret"],
                    grantType="authorization_code",
                    code=text,
                    redirectUri=redirect_uri,
                    codeVerifier=verifier,
                )
            except AwsError as exc:
                if exc.code == "InvalidClientException":
                    _drop_registration(session, reg["clientId"])
                    raise AwsError(
                        f"the client registration of {session.name} was refused; it is dropped: "
                        f"run `rolecall login {session.name}` again",
                        code=exc.code,
                    ) from None
                if exc.code != "InvalidGrantException":
                    raise
                notify("a sign-in answer could not be redeemed (not the one this sign-in asked for); still waiting")
                continue
            finished.set()
            return _token(session, reg, response, clock)
    finally:
        finished.set()
        listener.shutdown()
        listener.server_close()
        storage.remove(page)


def _number(value: Any, default: float, low: float, high: float) -> float:
    """A number the service sent, clamped to [low, high]; `default` for anything else (text, NaN, < 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return default
    return min(high, max(low, float(value)))


def _device(
    session: SsoSession,
    clock: Clock,
    oidc: Any,
    notify: Callable[[str], None],
    timeout: float,
    sleep: Callable[[float], object],
    cancelled: threading.Event,
    prompt: Callable[[str, str | None], None] | None,
) -> Token:
    reg = registration(session, "device", clock, oidc)
    params = {"startUrl": session.start_url}
    try:
        start = clients.call(
            oidc,
            "start_device_authorization",
            "StartDeviceAuthorization",
            clientId=reg["clientId"],
            clientSecret=reg["clientSecret"],
            **params,
        )
    except AwsError as exc:
        if exc.code != "InvalidClientException":
            raise
        reg = registration(session, "device", clock, oidc, renew=True)  # the service dropped it: register again
        start = clients.call(
            oidc,
            "start_device_authorization",
            "StartDeviceAuthorization",
            clientId=reg["clientId"],
            clientSecret=reg["clientSecret"],
            **params,
        )
    page = printable(str(start.get("verificationUriComplete") or start.get("verificationUri") or "")[:500])
    code = printable(str(start.get("userCode") or "")[:100])
    notify(f"to sign in to {session.name}, open {page}\nand confirm the code {code}")
    if prompt:
        prompt(page, code)
    interval = _number(start.get("interval"), DEFAULT_INTERVAL, MIN_INTERVAL, MAX_INTERVAL)
    budget = _number(start.get("expiresIn"), timeout, 1, timeout)
    waited = 0.0
    while True:
        if cancelled.is_set():
            raise AwsError("sign-in cancelled", code="Cancelled")
        if waited >= budget:
            raise AwsError(
                f"the code {code} was not confirmed in time: run `rolecall login {session.name}` again",
                code="ExpiredTokenException",
            )
        pause = min(interval, budget - waited)  # never past the code's expiry
        sleep(pause)
        waited += pause
        if cancelled.is_set():
            raise AwsError("sign-in cancelled", code="Cancelled")
        try:
            response = clients.call(
                oidc,
                "create_token",
                "CreateToken",
                clientId=reg["clientId"],
                clientSecret=reg["clientSecret"],
                grantType=DEVICE_GRANT,
                deviceCode=start["deviceCode"],
            )
        except AwsError as exc:
            if exc.code == "AuthorizationPendingException":
                continue
            if exc.code == "SlowDownException":
                interval = min(MAX_INTERVAL, interval + 5)
                continue
            if exc.code == "ExpiredTokenException":
                raise AwsError(
                    f"the code {code} expired before it was confirmed: run `rolecall login {session.name}` again",
                    code=exc.code,
                ) from None
            if exc.code == "AccessDeniedException":
                raise AwsError(f"sign-in to {session.name} was denied", code=exc.code) from None
            raise
        return _token(session, reg, response, clock)


# --------------------------------------------------------------------------- refresh


def refresh(session: SsoSession, token: Token, clock: Clock) -> Token | None:
    """CreateToken with the refresh token (as botocore does); None when the portal refuses it."""
    oidc = clients.client("sso-oidc", session.region)
    try:
        response = clients.call(
            oidc,
            "create_token",
            "CreateToken",
            grantType="refresh_token",
            clientId=token.client_id,
            clientSecret=token.client_secret,
            refreshToken=token.refresh_token,
        )
    except AwsError as exc:
        if exc.code in ("NetworkError", "Timeout"):
            raise
        if exc.code == "InvalidClientException":
            _drop_registration(session, token.client_id)
        return None
    expires = clock.now().replace(microsecond=0) + timedelta(seconds=int(response["expiresIn"]))
    return token.with_access(response["accessToken"], expires, response.get("refreshToken"))


def valid_token(session: SsoSession, clock: Clock) -> Token:
    """A token with at least 15 minutes left (refreshed if need be), or one still valid when the
    refresh fails; otherwise NotSignedIn (exit 1). Never opens a browser."""
    token = read_token(session)
    if token is None:
        raise NotSignedIn(session, "not signed in")
    if token.remaining(clock.now()) >= REFRESH_WINDOW:
        return token
    with storage.locked(lock_path(session, "refresh")):
        token = read_token(session)  # another process may have refreshed it while we waited
        if token is None:
            raise NotSignedIn(session, "not signed in")
        now = clock.now()
        if token.remaining(now) >= REFRESH_WINDOW:
            return token
        if token.can_refresh(now):
            fresh = refresh(session, token, clock)
            if fresh is not None:
                write_token(session, fresh)
                return fresh
        if token.remaining(now) > timedelta(0):
            return token
        if token.refresh_token and token.registration_expires_at and token.registration_expires_at <= now:
            raise NotSignedIn(session, "the sign-in and its client registration have expired")
        raise NotSignedIn(session, f"the sign-in expired at {token.expires_at.strftime('%Y-%m-%d %H:%M:%S')} UTC")
