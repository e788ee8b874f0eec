"""Signing in to IAM Identity Center and keeping the token fresh.

`login` runs the authorization code flow with PKCE (a loopback listener on 127.0.0.1, the browser
opened with Python's webbrowser so $BROWSER is honoured) or, without a browser, the device code flow.
`valid_token` is what non-interactive commands use: it refreshes a token with under 15 minutes left
(refresh token + live client registration, as botocore's SSOTokenProvider does) and otherwise fails
with "run `rolecall login NAME`"; it never opens a browser. A file lock per session makes concurrent
processes share one sign-in and one refresh.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from rolecall.core import paths, storage
from rolecall.core.clock import Clock
from rolecall.core.errors import AwsError
from rolecall.core.sso import clients
from rolecall.core.sso.session import SsoSession
from rolecall.core.sso.token import (
    REFRESH_WINDOW,
    NotSignedIn,
    Token,
    parse_time,
    read_token,
    write_token,
)

CLIENT_NAME = "rolecall"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REDIRECT_PATH = "/oauth/callback"
LOGIN_TIMEOUT = 600.0  # seconds a sign-in may wait for the user
REGISTRATION_MARGIN = timedelta(hours=1)

CLOSE_PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>rolecall</title></head>"
    b"<body style='font-family:sans-serif'><h3>rolecall: %s</h3><p>You can close this tab.</p></body></html>"
)


def _digest(session: SsoSession) -> str:
    return hashlib.sha1(session.cache_key.encode("utf-8")).hexdigest()


def state_dir() -> Path:
    return paths.cache_dir() / "sso"


def lock_path(session: SsoSession, purpose: str) -> Path:
    """One lock for sign-ins and another for refreshes, so a refresh never waits on a person at a browser."""
    return state_dir() / f"{_digest(session)}.{purpose}.lock"


# --------------------------------------------------------------------------- client registration


def _registration_path(session: SsoSession, flow: str) -> Path:
    return state_dir() / f"{_digest(session)}.{flow}.registration.json"


def registration(session: SsoSession, flow: str, clock: Clock, oidc: Any) -> dict[str, Any]:
    """A client registration for `flow` ("pkce" or "device"), reused while it has an hour left."""
    path = _registration_path(session, flow)
    stored = storage.read_json(path)
    if stored and stored.get("scopes") == list(session.scopes) and stored.get("region") == session.region:
        try:
            if parse_time(stored["expiresAt"]) - clock.now() > REGISTRATION_MARGIN:
                return stored
        except (KeyError, TypeError, ValueError):
            pass
    params: dict[str, Any] = {"clientName": CLIENT_NAME, "clientType": "public", "scopes": list(session.scopes)}
    if flow == "pkce":
        params.update(grantTypes=["authorization_code", "refresh_token"],
                      redirectUris=[f"http://127.0.0.1{REDIRECT_PATH}"], issuerUrl=session.start_url)
    else:
        params.update(grantTypes=[DEVICE_GRANT, "refresh_token"])
    response = clients.call(oidc, "register_client", "RegisterClient", **params)
    expires = datetime.fromtimestamp(response["clientSecretExpiresAt"], UTC)
    stored = {
        "clientId": response["clientId"],
        "clientSecret": response["clientSecret"],
        "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scopes": list(session.scopes),
        "region": session.region,
    }
    storage.write_json(path, stored)
    return stored


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
    sleep: Callable[[float], None] = time.sleep,
    open_url: Callable[[str], bool] | None = None,
    cancelled: threading.Event | None = None,
    prompt: Callable[[str, str | None], None] | None = None,
) -> Token:
    """Sign in and write the token to the AWS CLI cache. Another process already signing in for the
    same session is waited for, and its token used: one browser, one sign-in.

    `notify(text)` gets lines for a terminal; `prompt(url, user_code)` gets the same as data for a UI
    (the authorize URL and None, or the verification URL and the user code). Setting `cancelled`
    stops the wait (the app's Esc); Ctrl+C does too."""
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
            token = _device(session, clock, oidc, notify, timeout, sleep, cancelled, prompt)
        write_token(session, token)
        return token


def _peek(session: SsoSession) -> Token | None:
    try:
        return read_token(session)
    except NotSignedIn:
        return None


def _pkce(session: SsoSession, clock: Clock, oidc: Any, notify: Callable[[str], None], timeout: float,
          open_url: Callable[[str], bool] | None, cancelled: threading.Event | None,
          prompt: Callable[[str, str | None], None] | None) -> Token:
    reg = registration(session, "pkce", clock, oidc)
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(32)
    answer: dict[str, str] = {}
    arrived = threading.Event()

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path != REDIRECT_PATH or query.get("state") != state:
                self._page(400, b"this is not the sign-in rolecall is waiting for")
                return
            if "code" in query:
                answer["code"] = query["code"]
                self._page(200, b"signed in")
            else:
                answer["error"] = query.get("error_description") or query.get("error") or "no code"
                self._page(200, b"sign-in was not completed")
            arrived.set()

        def _page(self, status: int, text: bytes) -> None:
            body = CLOSE_PAGE % text
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # the query holds the code: never log it
            pass

    try:
        listener = HTTPServer(("127.0.0.1", 0), Callback)
    except OSError as exc:
        raise AwsError(f"cannot listen on 127.0.0.1 for the sign-in redirect: {exc.strerror or exc}",
                       code="LoopbackUnavailable") from None
    redirect_uri = f"http://127.0.0.1:{listener.server_address[1]}{REDIRECT_PATH}"
    url = oidc.meta.endpoint_url.rstrip("/") + "/authorize?" + urlencode({
        "response_type": "code",
        "client_id": reg["clientId"],
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": "S256",
        "scopes": " ".join(session.scopes),
        "code_challenge": challenge,
    })
    serving = threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    try:
        import webbrowser

        notify(f"opening the sign-in page in your browser; if it does not open, visit:\n{url}")
        if prompt:
            prompt(url, None)
        try:
            (open_url or webbrowser.open)(url)
        except (webbrowser.Error, OSError) as exc:
            notify(f"could not open a browser ({exc}): visit the URL above")
        deadline = time.monotonic() + timeout
        while not arrived.wait(0.1):
            if cancelled is not None and cancelled.is_set():
                raise AwsError("sign-in cancelled", code="Cancelled")
            if time.monotonic() > deadline:
                raise AwsError(f"sign-in was not completed within {int(timeout)} s", code="Timeout")
    finally:
        listener.shutdown()
        listener.server_close()
    if "error" in answer:
        raise AwsError(f"sign-in to {session.name} was refused: {answer['error']}", code="AccessDenied")
    response = clients.call(oidc, "create_token", "CreateToken", clientId=reg["clientId"],
                            clientSecret=reg["clientSecret"], grantType="authorization_code",
                            code=answer["code"], redirectUri=redirect_uri, codeVerifier=verifier)
    return _token(session, reg, response, clock)


def _device(session: SsoSession, clock: Clock, oidc: Any, notify: Callable[[str], None], timeout: float,
            sleep: Callable[[float], None], cancelled: threading.Event | None,
            prompt: Callable[[str, str | None], None] | None) -> Token:
    reg = registration(session, "device", clock, oidc)
    start = clients.call(oidc, "start_device_authorization", "StartDeviceAuthorization",
                         clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=session.start_url)
    page = start.get("verificationUriComplete") or start["verificationUri"]
    notify(f"to sign in to {session.name}, open {page}\nand confirm the code {start['userCode']}")
    if prompt:
        prompt(page, start["userCode"])
    interval = float(start.get("interval") or 5)
    budget = min(float(start.get("expiresIn") or timeout), timeout)
    waited = 0.0
    while True:
        if cancelled is not None and cancelled.is_set():
            raise AwsError("sign-in cancelled", code="Cancelled")
        if waited >= budget:
            raise AwsError(f"the code {start['userCode']} was not confirmed in time: run `rolecall login {session.name}` again",
                           code="ExpiredTokenException")
        sleep(interval)
        waited += interval
        try:
            response = clients.call(oidc, "create_token", "CreateToken", clientId=reg["clientId"],
                                    clientSecret=reg["clientSecret"], grantType=DEVICE_GRANT,
                                    deviceCode=start["deviceCode"])
        except AwsError as exc:
            if exc.code == "AuthorizationPendingException":
                continue
            if exc.code == "SlowDownException":
                interval += 5
                continue
            if exc.code == "ExpiredTokenException":
                raise AwsError(f"the code {start['userCode']} expired before it was confirmed: "
                               f"run `rolecall login {session.name}` again", code=exc.code) from None
            if exc.code == "AccessDeniedException":
                raise AwsError(f"sign-in to {session.name} was denied", code=exc.code) from None
            raise
        return _token(session, reg, response, clock)


# --------------------------------------------------------------------------- refresh


def refresh(session: SsoSession, token: Token, clock: Clock) -> Token | None:
    """CreateToken with the refresh token (as botocore does); None when the portal refuses it."""
    oidc = clients.client("sso-oidc", session.region)
    try:
        response = clients.call(oidc, "create_token", "CreateToken", grantType="refresh_token",
                                clientId=token.client_id, clientSecret=token.client_secret,
                                refreshToken=token.refresh_token)
    except AwsError as exc:
        if exc.code in ("NetworkError", "Timeout"):
            raise
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
