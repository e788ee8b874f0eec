"""IAM Identity Center against servers and files that misbehave (issue 21): listings that never end,
endpoints that would carry tokens in clear, hostile device-flow intervals, rejected registrations,
text full of terminal escapes, and cache files planted by someone else."""

from __future__ import annotations

import pytest

from rolecall.core.errors import AwsError, ConfigError
from rolecall.core.sso import clients, discovery
from rolecall.core.sso import login as sso_login
from rolecall.core.sso.portal import PAGE, Portal, PortalError
from rolecall.core.sso.token import read_token
from tests.sso_fixtures import CONFIG, CORP, rolecall_sso, sso_fixture, start_fake  # noqa: F401

HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\r\x9bmoved"  # OSC 52 (clipboard), CSI clear, CR, C1 CSI


def _sign_in(fake, clock) -> None:
    fake.auto_approve = True
    sso_login.login(CORP, clock, browser=False, sleep=lambda s: None)


# ------------------------------------------------------------------ 3. pagination always ends


@pytest.mark.parametrize("operation", ["ListAccounts", "ListAccountRoles"])
def test_a_repeated_page_token_ends_the_sync_with_one_line_and_keeps_the_previous_result(
        sandbox, monkeypatch, fake_clock, operation):
    sandbox.aws_config.write_text(CONFIG, encoding="utf-8")
    fake = start_fake(monkeypatch, sandbox, accounts=3)
    try:
        _sign_in(fake, fake_clock)
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
        _sign_in(fake, fake_clock)
        portal = Portal(CORP, read_token(CORP))
        found = discovery.sync(CORP, fake_clock, portal=portal)
    finally:
        fake.close()
    assert len(found.accounts) == 1500 and found.role_count == 2550
    assert 0 < portal.most_waiting < 2 * PAGE  # the next page is asked for only when under a page waits


# ------------------------------------------------------------------ 4. no tokens in clear to another machine


@pytest.mark.parametrize(("variables", "named"), [
    ({"AWS_ENDPOINT_URL_SSO_OIDC": "http://sso.example.com"}, "AWS_ENDPOINT_URL_SSO_OIDC"),
    ({"AWS_ENDPOINT_URL": "http://10.1.2.3:8080"}, "AWS_ENDPOINT_URL"),
    ({"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1.evil.example"}, "AWS_ENDPOINT_URL_SSO_OIDC"),
])
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
    _sign_in(sso, fake_clock)
    sso.accounts[0]["accountId"] = "1" + HOSTILE  # an account id the portal then refuses roles for
    with pytest.raises(AwsError) as caught:
        Portal(CORP, read_token(CORP)).roles(sso.accounts[0]["accountId"])
    text = str(caught.value)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text and "\x9b" not in text
    assert "\\x1b]52" in text
