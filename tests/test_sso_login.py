"""Signing in to IAM Identity Center against the local fake: PKCE with a stand-in browser, the device
code flow, refresh, single flight across processes, logout, and the failures a user can meet."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import sys
import threading
import urllib.request
from datetime import timedelta

import pytest

from rolecall.core.domain.errors import AwsError
from rolecall.core.sso import login as sso_login
from rolecall.core.sso.token import NotSignedIn, read_token, token_path, write_token
from tests.sso_fixtures import (  # noqa: F401
    CORP,
    SIGNIN_URL,
    START_URL,
    Approver,
    rolecall_sso,
    signin_url,
    spawn,
    sso_fixture,
)


def _follow(page: str) -> None:
    """What a browser does with the page rolecall opens (the fake portal then redirects back)."""
    urllib.request.urlopen(signin_url(page), timeout=60).read()


AWS_CLI_FIELDS = {
    "startUrl",
    "region",
    "accessToken",
    "expiresAt",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "refreshToken",
}
UTC_SECOND = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _browser(tmp_path, monkeypatch, sandbox):
    """A stand-in $BROWSER: fetches the URL it is given and follows the redirect, as a browser would."""
    page = tmp_path / "page.html"
    script = tmp_path / "browser.py"
    script.write_text(
        SIGNIN_URL
        + "body = urllib.request.urlopen(signin_url(sys.argv[1]), timeout=60).read()\n"
        + f"open({str(page)!r}, 'wb').write(body)\n",
        encoding="utf-8",
    )
    command = f"{sys.executable} {script} %s"
    monkeypatch.setenv("BROWSER", command)
    sandbox.env["BROWSER"] = command
    return page


def test_pkce_login_follows_the_browser_redirect_and_writes_the_aws_cli_token(sso, tmp_path, monkeypatch, sandbox):
    page = _browser(tmp_path, monkeypatch, sandbox)
    sso.auto_approve = True
    done = rolecall_sso("login")
    assert done.returncode == 0, done.stderr
    assert "opening the sign-in page in your browser" in done.stderr
    assert "signed in to corp until" in done.stderr
    assert "corp: 3 accounts, 6 roles" in done.stderr
    assert b"You can close this tab" in page.read_bytes()
    assert sso.count("Authorize") == 1 and sso.count("StartDeviceAuthorization") == 0
    path = token_path(CORP)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert set(data) == AWS_CLI_FIELDS
    assert data["startUrl"] == START_URL and data["region"] == "eu-west-1"
    assert UTC_SECOND.match(data["expiresAt"]) and UTC_SECOND.match(data["registrationExpiresAt"])
    assert data["accessToken"] not in done.stderr + done.stdout


def test_a_callback_with_the_wrong_state_is_turned_away(sso, tmp_path, monkeypatch, sandbox):
    seen = tmp_path / "forged.txt"
    script = tmp_path / "forging-browser.py"
    script.write_text(
        SIGNIN_URL + "import urllib.error\n"
        "url = signin_url(sys.argv[1])\n"
        "query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))\n"
        "try:\n"
        "    urllib.request.urlopen(query['redirect_uri'] + '?code=forged&state=forged', timeout=10)\n"
        "except urllib.error.HTTPError as exc:\n"
        f"    open({str(seen)!r}, 'w').write(str(exc.code))\n"
        "urllib.request.urlopen(url, timeout=60).read()\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("BROWSER", f"{sys.executable} {script} %s")
    sso.auto_approve = True
    done = rolecall_sso("login")
    assert done.returncode == 0, done.stderr
    assert seen.read_text() == "400"  # the forged callback was refused; the real one signed in
    assert sso.count("CreateToken") == 1


def test_second_login_reuses_the_client_registration(sso, tmp_path, monkeypatch, sandbox):
    _browser(tmp_path, monkeypatch, sandbox)
    sso.auto_approve = True
    assert rolecall_sso("login").returncode == 0
    assert rolecall_sso("login", "corp").returncode == 0
    assert sso.count("RegisterClient") == 1
    assert sso.count("CreateToken") == 2


def test_pkce_login_the_user_denies_is_shown_and_the_wait_ends_at_the_timeout(sso, fake_clock):
    # A denial arrives with the state only, which a local user may know: it cannot end the sign-in,
    # it is shown, and the timeout (or Ctrl+C, Esc) ends it with what the page said.
    said = []
    with Approver(sso, deny=True), pytest.raises(AwsError) as caught:
        sso_login.login(
            CORP,
            fake_clock,
            notify=said.append,
            timeout=8,
            open_url=lambda page: threading.Thread(target=_follow, args=(page,), daemon=True).start(),
        )
    assert caught.value.code == "Timeout"
    assert str(caught.value) == (
        "sign-in was not completed within 8 s (the sign-in page said: access_denied the user denied the sign-in)"
    )
    assert said[-1] == (
        "the sign-in page answered without a code: access_denied the user denied the sign-in; "
        "still waiting (Ctrl+C to stop)"
    )
    assert not token_path(CORP).exists()


def test_ctrl_c_while_waiting_for_the_browser_is_clean(sso, tmp_path, monkeypatch, sandbox):
    idle = tmp_path / "idle-browser.py"
    idle.write_text("", encoding="utf-8")  # a browser that opens the page and leaves it unanswered
    monkeypatch.setenv("BROWSER", f"{sys.executable} {idle} %s")
    proc = spawn("login")
    seen = ""
    while "opening the sign-in page" not in seen:
        line = proc.stderr.readline()
        assert line, "login ended before waiting for the browser"
        seen += line
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert not token_path(CORP).exists()


def test_device_flow_prints_url_and_user_code_and_signs_in(sso):
    with Approver(sso):
        done = rolecall_sso("login", "--no-browser")
    assert done.returncode == 0, done.stderr
    code = re.search(r"confirm the code ([A-Z]{4}-[A-Z]{4})", done.stderr)
    assert code, done.stderr
    assert f"open {sso.url}/device?user_code={code.group(1)}" in done.stderr
    assert "corp: 3 accounts, 6 roles" in done.stderr
    assert set(json.loads(token_path(CORP).read_text())) == AWS_CLI_FIELDS


def test_device_flow_honours_slow_down_and_interval(sso, fake_clock):
    sso.device_interval = 10
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        if len(slept) == 3:
            sso.approve()

    shown = []
    token = sso_login.login(CORP, fake_clock, browser=False, sleep=sleep, prompt=lambda *what: shown.append(what))
    [code] = sso.user_codes  # the one sign-in the fake saw
    assert shown == [(f"{sso.url}/device?user_code={code}", code)]
    # pending at the first poll, SlowDown at the second (+5 s), approved at the third
    assert slept == [10, 10, 15]
    assert read_token(CORP) == token


def test_device_flow_denied_and_expired_are_one_line_each(sso, fake_clock):
    with pytest.raises(AwsError) as denied:
        sso_login.login(CORP, fake_clock, browser=False, sleep=lambda s: sso.deny())
    assert str(denied.value) == "sign-in to corp was denied" and denied.value.exit_code == 1
    sso.device_ttl = 0
    done = rolecall_sso("login", "--device-code")
    assert done.returncode == 1
    assert re.fullmatch(
        r"rolecall: the code [A-Z]{4}-[A-Z]{4} expired before it was confirmed: "
        r"run `rolecall login corp` again",
        done.stderr.splitlines()[-1],
    )


def _signed_in(fake, clock) -> None:
    fake.auto_approve = True
    sso_login.login(CORP, clock, browser=False, sleep=lambda s: None)
    fake.auto_approve = False


def test_token_with_under_15_minutes_left_is_refreshed_and_rewritten(sso, fake_clock):
    _signed_in(sso, fake_clock)
    first = read_token(CORP)
    fake_clock.advance(first.remaining(fake_clock.now()) - timedelta(minutes=14))
    fresh = sso_login.valid_token(CORP, fake_clock)
    assert fresh.access_token != first.access_token and fresh.refresh_token != first.refresh_token
    assert fresh.remaining(fake_clock.now()) == timedelta(seconds=sso.token_ttl)
    assert read_token(CORP) == fresh
    assert sso.refresh_reuse == 0
    # 16 minutes left: used as it is
    fake_clock.advance(fresh.remaining(fake_clock.now()) - timedelta(minutes=16))
    assert sso_login.valid_token(CORP, fake_clock) == fresh


def test_expired_registration_means_sign_in_again_never_a_browser(sso, fake_clock):
    _signed_in(sso, fake_clock)
    token = read_token(CORP)
    fake_clock.set(token.registration_expires_at + timedelta(days=1))
    with pytest.raises(NotSignedIn) as caught:
        sso_login.valid_token(CORP, fake_clock)
    assert str(caught.value) == (
        "SSO session corp: the sign-in and its client registration have expired; run `rolecall login corp`"
    )
    assert caught.value.exit_code == 1
    assert sso.count("Authorize") == 0 and sso.count("StartDeviceAuthorization") == 1


def test_without_a_token_non_interactive_use_fails_at_once(sso, fake_clock):
    with pytest.raises(NotSignedIn) as caught:
        sso_login.valid_token(CORP, fake_clock)
    assert str(caught.value) == "SSO session corp: not signed in; run `rolecall login corp`"
    assert sum(sso.counts.values()) == 0


REFRESH_PROBE = """
import hashlib, sys
from rolecall.core.domain.clock import SystemClock
from rolecall.core.sso.login import valid_token
from rolecall.core.sso.session import SsoSession
CORP = SsoSession("corp", "https://corp.awsapps.com/start", "eu-west-1")
print(hashlib.sha256(valid_token(CORP, SystemClock()).access_token.encode()).hexdigest())
"""


def test_concurrent_processes_share_one_refresh(sso, fake_clock):
    import subprocess

    _signed_in(sso, fake_clock)
    token = read_token(CORP)
    # make it due for refresh in real time, as the processes below use the system clock
    from rolecall.core.domain.clock import SystemClock

    write_token(CORP, token.with_access(token.access_token, SystemClock().now() + timedelta(minutes=5), None))
    before = sso.count("CreateToken")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", REFRESH_PROBE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert len({out for out, _ in outs}) == 1
    assert sso.count("CreateToken") == before + 1
    assert sso.refresh_reuse == 0


def test_a_refresh_does_not_wait_for_a_sign_in_in_progress(sso, fake_clock):
    import threading

    _signed_in(sso, fake_clock)
    token = read_token(CORP)
    release, waiting = threading.Event(), threading.Event()

    def person_at_the_browser(seconds):
        waiting.set()
        release.wait(30)
        sso.approve()

    signing_in = threading.Thread(
        target=sso_login.login, args=(CORP, fake_clock), kwargs={"browser": False, "sleep": person_at_the_browser}
    )
    signing_in.start()
    try:
        assert waiting.wait(30)
        fake_clock.advance(token.remaining(fake_clock.now()) - timedelta(minutes=10))
        fresh = sso_login.valid_token(CORP, fake_clock)  # returns while the sign-in still waits
        assert fresh.access_token != token.access_token and signing_in.is_alive()
    finally:
        release.set()
        signing_in.join(30)


def test_concurrent_logins_share_one_sign_in(sso):
    with Approver(sso):
        procs = [spawn("login", "--no-browser") for _ in range(3)]
        outs = [p.communicate(timeout=90) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert sso.count("StartDeviceAuthorization") == 1
    assert sum("signed in by another rolecall process" in err for _, err in outs) == 2


def test_logout_signs_out_at_the_portal_removes_the_token_and_forgets_role_sessions(sso, fake_clock):
    from rolecall.core.domain.credentials import Session
    from rolecall.core.sources.sso import IdentityCenter, load
    from rolecall.core.store import paths
    from rolecall.core.store.cache import SessionCache

    _signed_in(sso, fake_clock)
    from rolecall.core.sso import discovery

    discovery.sync(CORP, fake_clock)
    profile = load([CORP])[0][0]
    creds = IdentityCenter().credentials(profile, fake_clock, None, 3600)
    cache = SessionCache(paths.cache_dir())
    cache.put(Session(profile.name, profile.role_arn, creds, assumed_at=fake_clock.now()))
    old = read_token(CORP)
    done = rolecall_sso("logout")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "rolecall: signed out of corp; forgot 1 cached role session"
    assert sso.count("Logout") == 1 and old.access_token in sso.revoked
    assert not token_path(CORP).exists() and cache.get(profile.name) is None
    assert rolecall_sso("logout").stderr.strip() == "rolecall: was not signed in to corp; forgot 0 cached role sessions"
