"""IAM Identity Center against servers and files that misbehave (issue 21): listings that never end,
endpoints that would carry tokens in clear, hostile device-flow intervals, rejected registrations,
text full of terminal escapes, and cache files planted by someone else."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from rolecall.core.domain.errors import AwsError, ConfigError
from rolecall.core.sources.sso import load
from rolecall.core.sso import clients, discovery
from rolecall.core.sso import login as sso_login
from rolecall.core.sso.portal import PAGE, Portal, PortalError
from rolecall.core.sso.session import SsoSession
from rolecall.core.sso.token import NotSignedIn, read_token, token_path
from tests.sso_fixtures import (  # noqa: F401
    CONFIG,
    CORP,
    START_URL,
    Approver,
    rolecall_sso,
    sign_in,
    signin_url,
    sso_fixture,
    start_fake,
    unpaced_portal,
)

HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\r\x9bmoved"  # OSC 52 (clipboard), CSI clear, CR, C1 CSI


# ------------------------------------------------------------------ 3. pagination always ends


@pytest.mark.parametrize("operation", ["ListAccounts", "ListAccountRoles"])
def test_a_repeated_page_token_ends_the_sync_with_one_line_and_keeps_the_previous_result(
    sandbox, monkeypatch, fake_clock, operation
):
    sandbox.aws_config.write_text(CONFIG, encoding="utf-8")
    fake = start_fake(monkeypatch, sandbox, accounts=3)
    try:
        sign_in(fake, fake_clock)
        before = discovery.sync(CORP, fake_clock)
        fake.repeat_token = operation
        with pytest.raises(PortalError) as caught:
            discovery.sync(CORP, fake_clock)
        calls = fake.count(operation)
        done = rolecall_sso("sync", "corp")
    finally:
        fake.close()
    assert "repeated a page token" in str(caught.value) and operation in str(caught.value)
    assert calls <= 2 * len(before.accounts) + 2  # stopped at the repeat, not 1,246 calls later
    assert discovery.read(CORP) == before
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "repeated a page token" in done.stderr.splitlines()[0]
    assert "kept the previous discovery" in done.stderr


def test_accounts_waiting_for_their_roles_stay_under_two_pages_at_any_size(sandbox, monkeypatch, fake_clock):
    fake = start_fake(monkeypatch, sandbox, accounts=1500)
    try:
        sign_in(fake, fake_clock)
        portal = unpaced_portal(CORP)
        found = discovery.sync(CORP, fake_clock, portal=portal)
    finally:
        fake.close()
    assert len(found.accounts) == 1500 and found.role_count == 2550
    assert 0 < portal.most_waiting < 2 * PAGE  # the next page is asked for only when under a page waits


# ------------------------------------------------------------------ 4. no tokens in clear to another machine


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"AWS_ENDPOINT_URL_SSO_OIDC": "http://sso.example.com"}, "AWS_ENDPOINT_URL_SSO_OIDC"),
        ({"AWS_ENDPOINT_URL": "http://10.1.2.3:8080"}, "AWS_ENDPOINT_URL"),
        ({"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1.evil.example"}, "AWS_ENDPOINT_URL_SSO_OIDC"),
    ],
)
def test_an_sso_endpoint_over_http_to_another_machine_is_refused_in_one_line(sso, monkeypatch, variables, named):
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSO_OIDC")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        clients.client("sso-oidc", "eu-west-1")
    assert named in str(caught.value) and "https" in str(caught.value)
    done = rolecall_sso("login", "--no-browser")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert named in done.stderr.strip().splitlines()[-1] or named in done.stderr
    assert sso.count("RegisterClient") == 0  # nothing was sent


def test_the_portal_endpoint_is_checked_too(sso, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", "http://portal.example.com")
    with pytest.raises(ConfigError, match="AWS_ENDPOINT_URL_SSO "):
        clients.client("sso", "eu-west-1")


def test_loopback_http_and_https_endpoints_are_accepted(monkeypatch):
    for url in ("http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "https://sso.example.com"):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", url)
        assert clients.client("sso", "eu-west-1").meta.endpoint_url == url


# ------------------------------------------------------------------ 1. text from the portal


def test_a_refusal_message_full_of_escapes_reaches_the_error_made_visible(sso, fake_clock, monkeypatch):
    sign_in(sso, fake_clock)
    sso.accounts[0]["accountId"] = "1" + HOSTILE  # an account id the portal then refuses roles for
    with pytest.raises(AwsError) as caught:
        Portal(CORP, read_token(CORP)).roles(sso.accounts[0]["accountId"])
    text = str(caught.value)
    assert not set(text) & set("\x1b\x07\r\x9b")
    assert text.count("\\x1b]52") == 2  # in what was asked and in the portal's own message


# ------------------------------------------------------------------ 2, 7. the loopback listener and the state


def _redirect_port(page: str) -> int:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(signin_url(page)).query))
    return urllib.parse.urlsplit(query["redirect_uri"]).port


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _follow(page: str) -> None:
    threading.Thread(target=_get, args=(signin_url(page),), daemon=True).start()


def test_an_idle_connection_does_not_stall_thesign_in(sso, fake_clock):
    sso.auto_approve = True
    idle: list[socket.socket] = []

    def browser(page: str) -> bool:
        idle.append(socket.create_connection(("127.0.0.1", _redirect_port(page))))  # connects, never speaks
        _follow(page)
        return True

    try:
        token = sso_login.login(CORP, fake_clock, open_url=browser, timeout=sso_login.CONNECTION_TIMEOUT * 3)
    finally:
        for connection in idle:
            connection.close()
    assert read_token(CORP) == token and idle


def test_a_hostile_callback_with_the_wrong_state_is_ignored_and_not_reported(sso, fake_clock):
    sso.auto_approve = True
    said: list[str] = []
    forged: list[int] = []

    def browser(page: str) -> bool:
        port = _redirect_port(page)
        query = urllib.parse.urlencode({"error": "access_denied", "error_description": HOSTILE, "state": "guess"})
        forged.append(_get(f"http://127.0.0.1:{port}/oauth/callback?{query}"))
        _follow(page)
        return True

    token = sso_login.login(CORP, fake_clock, open_url=browser, notify=said.append)
    assert read_token(CORP) == token and forged == [400]
    assert not any("access_denied" in line or "moved" in line for line in said)


def test_the_state_alone_can_neither_abort_nor_finish_thesign_in(sso, fake_clock):
    # The worst case: another local user has learned the state. An error callback and a forged code
    # with that state arrive first; the real redirect still signs in, and the hostile text is inert.
    said: list[str] = []

    def browser(page: str) -> bool:
        port, state = _redirect_port(page), _state(page)
        for fields in ({"error": "access_denied", "error_description": HOSTILE}, {"code": "forged"}):
            _get(f"http://127.0.0.1:{port}/oauth/callback?{urllib.parse.urlencode({**fields, 'state': state})}")
        sso.auto_approve = True
        _follow(page)
        return True

    token = sso_login.login(CORP, fake_clock, open_url=browser, notify=said.append)
    assert read_token(CORP) == token
    shown = "\n".join(said)
    assert "the sign-in page answered without a code: access_denied \\x1b]52;c;" in shown
    assert "could not be redeemed" in shown
    assert not set(shown) & set("\x1b\x07\r\x9b")


def _state(page: str) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(signin_url(page)).query))["state"]


def test_the_browser_is_given_a_private_local_page_not_the_state(sso, fake_clock):
    sso.auto_approve = True
    opened: list[tuple[str, int]] = []

    def browser(page: str) -> bool:
        path = urllib.request.url2pathname(urllib.parse.urlsplit(page).path)
        opened.append((page, stat.S_IMODE(os.stat(path).st_mode)))
        _follow(page)
        return True

    sso_login.login(CORP, fake_clock, open_url=browser)
    [(page, mode)] = opened
    assert page.startswith("file://") and "state" not in page and "127.0.0.1" not in page
    assert mode == 0o600
    assert not os.path.exists(urllib.request.url2pathname(urllib.parse.urlsplit(page).path))  # gone after


def test_cancel_ends_a_sign_in_held_by_an_idle_connection_within_a_second(sso, fake_clock):
    cancelled, waiting = threading.Event(), threading.Event()
    idle: list[socket.socket] = []
    failure: list[BaseException] = []

    def browser(page: str) -> bool:
        idle.append(socket.create_connection(("127.0.0.1", _redirect_port(page))))
        waiting.set()
        return True  # the user never finishes in the browser

    def sign_in() -> None:
        try:
            sso_login.login(CORP, fake_clock, open_url=browser, cancelled=cancelled)
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=sign_in, daemon=True)
    worker.start()
    assert waiting.wait(30)
    cancelled.set()
    started = time.monotonic()
    worker.join(5)
    took = time.monotonic() - started
    for connection in idle:
        connection.close()
    assert not worker.is_alive() and took < 1.0
    assert [str(e) for e in failure] == ["sign-in cancelled"]


# ------------------------------------------------------------------ 5. the device flow's numbers


@pytest.mark.parametrize(("interval", "first_sleep"), [(-1, 5.0), (None, 5.0), (0, 1.0), (10**9, 60.0), (7, 7.0)])
def test_a_hostile_interval_is_clamped(sso, fake_clock, interval, first_sleep):
    sso.device_interval, sso.auto_approve = interval, True
    slept: list[float] = []
    token = sso_login.login(CORP, fake_clock, browser=False, sleep=slept.append)
    assert slept == [first_sleep] and read_token(CORP) == token


def test_an_answer_botocore_cannot_parse_is_one_line(sso, fake_clock):
    sso.device_interval = "soon"  # not an integer: botocore's parser gives up
    with pytest.raises(AwsError, match=r"^StartDeviceAuthorization: IAM Identity Center's answer could not be read"):
        sso_login.login(CORP, fake_clock, browser=False, sleep=lambda s: None)
    done = rolecall_sso("login", "--no-browser")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "could not be read" in done.stderr


def test_polling_never_sleeps_past_the_codes_expiry(sso, fake_clock):
    sso.device_answer = {"interval": 100000, "expiresIn": 90}
    slept: list[float] = []
    with pytest.raises(AwsError, match=r"was not confirmed in time|expired before it was confirmed"):
        sso_login.login(CORP, fake_clock, browser=False, sleep=slept.append)
    assert sum(slept) <= 90 and max(slept) <= 60


def test_a_hostile_user_code_and_verification_url_are_shown_inert(sso, fake_clock):
    sso.device_answer = {"userCode": "AB" + HOSTILE, "verificationUriComplete": "https://x.example/" + HOSTILE}
    said, prompted = [], []
    with Approver(sso):
        sso_login.login(
            CORP,
            fake_clock,
            browser=False,
            sleep=lambda s: None,
            notify=said.append,
            prompt=lambda *what: prompted.append(what),
        )
    shown = "\n".join([*said, *(part for pair in prompted for part in pair)])
    assert "AB\\x1b]52;c;" in shown and "https://x.example/\\x1b]52" in shown
    assert not set(shown) & set("\x1b\x07\r\x9b")
    with Approver(sso):
        done = rolecall_sso("login", "--no-browser")
    assert done.returncode == 0, done.stderr
    assert "\\x1b]52" in done.stderr and not set(done.stderr) & set("\x1b\x07\r\x9b")


# ------------------------------------------------------------------ 6. registrations and trusted files


def test_a_registration_is_not_reused_for_another_start_url_region_or_scopes(sso, fake_clock):
    sso.auto_approve = True
    for session in (
        CORP,
        SsoSession("corp", "https://other.awsapps.com/start", "eu-west-1"),
        SsoSession("corp", START_URL, "eu-west-2"),
        SsoSession("corp", START_URL, "eu-west-1", ("sso:account:access", "codewhisperer:completions")),
        CORP,
    ):
        sso_login.login(session, fake_clock, browser=False, sleep=lambda s: None)
    assert sso.count("RegisterClient") == 4  # the last sign-in reused the first registration


def test_a_registration_the_service_refuses_is_replaced(sso, fake_clock):
    sso.auto_approve = True
    sso_login.login(CORP, fake_clock, browser=False, sleep=lambda s: None)
    sso.forget_clients()  # as after the service dropped it: InvalidClientException from now on
    token = sso_login.login(CORP, fake_clock, browser=False, sleep=lambda s: None)
    assert sso.count("RegisterClient") == 2 and read_token(CORP) == token
    sso_login.login(CORP, fake_clock, browser=False, sleep=lambda s: None)
    assert sso.count("RegisterClient") == 2


def test_a_registration_refused_at_refresh_is_replaced_at_the_next_browsersign_in(sso, fake_clock):
    sso.auto_approve = True
    sso_login.login(CORP, fake_clock, open_url=_browse)
    sso.forget_clients()
    fake_clock.advance(timedelta(hours=8))  # the token needs a refresh, which the service refuses
    with pytest.raises(NotSignedIn):
        sso_login.valid_token(CORP, fake_clock)
    token = sso_login.login(CORP, fake_clock, open_url=_browse, timeout=30)  # the old client would never redirect
    assert sso.count("RegisterClient") == 2 and read_token(CORP) == token


def _browse(page: str) -> bool:
    _follow(page)
    return True


def _signed_in_and_synced(fake, clock) -> None:
    sign_in(fake, clock)
    discovery.sync(CORP, clock)


def test_a_token_file_others_can_write_is_not_used(sso, fake_clock):
    _signed_in_and_synced(sso, fake_clock)
    token_path(CORP).chmod(0o622)
    with pytest.raises(NotSignedIn, match="only you can write"):
        read_token(CORP)
    done = rolecall_sso("sync", "corp")
    assert done.returncode == 1 and "only you can write" in done.stderr and "Traceback" not in done.stderr


def test_a_token_file_that_is_a_symbolic_link_is_not_followed(sso, fake_clock, tmp_path):
    _signed_in_and_synced(sso, fake_clock)
    elsewhere = tmp_path / "planted.json"
    elsewhere.write_bytes(token_path(CORP).read_bytes())
    token_path(CORP).unlink()
    token_path(CORP).symlink_to(elsewhere)
    with pytest.raises(NotSignedIn, match="not a regular file of yours"):
        read_token(CORP)


@pytest.mark.skipif(os.geteuid() != 0, reason="planting a file as another user needs root")
def test_a_discovery_file_planted_by_another_user_is_set_aside(sso, fake_clock):
    _signed_in_and_synced(sso, fake_clock)
    path = discovery.path(CORP)
    data = json.loads(path.read_text())
    data["accounts"][0]["id"] = "666666666666"
    path.write_text(json.dumps(data))
    os.chown(path, 65534, 65534)
    assert discovery.read(CORP) is None
    assert not path.exists()
    profiles, _ = load([CORP])
    assert not any(p.account_id == "666666666666" for p in profiles)


def test_a_discovery_file_others_can_write_is_set_aside(sso, fake_clock):
    _signed_in_and_synced(sso, fake_clock)
    discovery.path(CORP).chmod(0o666)
    assert discovery.read(CORP) is None and not discovery.path(CORP).exists()


def test_a_429_carries_the_portals_retry_after_to_the_retry(sandbox, monkeypatch, fake_clock):
    fake = start_fake(monkeypatch, sandbox, accounts=3, rate_limit=1)  # a bucket of one call a second
    try:
        sign_in(fake, fake_clock)
        portal = Portal(CORP, read_token(CORP), max_retries=0)
        portal.roles(fake.accounts[0]["accountId"])
        with pytest.raises(clients.Throttled) as caught:
            portal.roles(fake.accounts[1]["accountId"])
        retried = Portal(CORP, read_token(CORP)).roles(fake.accounts[1]["accountId"])  # waits, then succeeds
    finally:
        fake.close()
    assert 0 < caught.value.retry_after <= 1.0  # x-amz-retry-after, in milliseconds, read as seconds
    assert retried == ("AdministratorAccess", "ReadOnly")
