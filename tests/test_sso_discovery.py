"""Discovery against the local fake: every account and role, through 429 storms and at 1,000
accounts; the cached result (no secrets) becomes profiles; a failed sync keeps the previous one."""

from __future__ import annotations

import json

from rolecall.core.sources.sso import IdentityCenter, load
from rolecall.core.sso import discovery
from rolecall.core.sso import login as sso_login
from rolecall.core.sso.session import SsoSession
from rolecall.core.sso.token import read_token
from tests.sso_fixtures import CORP, rolecall_sso, sign_in, sso_fixture, start_fake, unpaced_portal  # noqa: F401


def test_a_thousand_accounts_are_all_discovered(sandbox, monkeypatch, fake_clock):
    fake = start_fake(monkeypatch, sandbox, accounts=1000)
    try:
        sign_in(fake, fake_clock)
        seen = []
        found = discovery.sync(
            CORP, fake_clock, progress=lambda *counts: seen.append(counts), portal=unpaced_portal(CORP)
        )
    finally:
        fake.close()
    assert len(found.accounts) == 1000 and found.role_count == 1700
    assert {a.account_id for a in found.accounts} == {a["accountId"] for a in fake.accounts}
    assert fake.count("ListAccounts") == 10  # pages of 100
    assert seen[-1] == (1000, 1000, 1700)
    profiles, problems = load([CORP])
    assert not problems and len(profiles) == 1700
    assert len({p.name for p in profiles}) == 1700


def test_a_429_storm_loses_no_account(sandbox, monkeypatch, fake_clock):
    fake = start_fake(monkeypatch, sandbox, accounts=30, rate_limit=8)  # well under the 20/s discovery starts at
    try:
        sign_in(fake, fake_clock)
        found = discovery.sync(CORP, fake_clock)
    finally:
        fake.close()
    assert fake.throttled > 0  # the portal did say 429
    assert len(found.accounts) == 30 and found.role_count == 51


def test_discovered_roles_are_profiles_named_account_slash_role(sso, fake_clock):
    sign_in(sso, fake_clock)
    discovery.sync(CORP, fake_clock)
    cached = json.loads(discovery.path(CORP).read_text())
    token = read_token(CORP)
    assert token.access_token not in json.dumps(cached) and token.refresh_token not in json.dumps(cached)
    assert cached["fetched_at"] == fake_clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    profiles, _ = load([CORP])
    by_name = {p.name: p for p in profiles}
    admin = by_name["account-0001/AdministratorAccess"]
    assert admin.role_arn == "arn:aws:iam::100000000001:role/AdministratorAccess"
    assert admin.source == "sso:corp" and admin.kind == "sso" and admin.region == "eu-west-1"
    assert admin.settings.session == "corp" and admin.settings.account_id == "100000000001"
    creds = IdentityCenter().credentials(admin, fake_clock, None, 3600)
    assert creds.access_key_id.startswith("ASIA") and creds.session_token
    assert sso.count("GetRoleCredentials") == 1


def test_discovery_settings_rename_tag_include_and_exclude(sso, fake_clock):
    sign_in(sso, fake_clock)
    discovery.sync(CORP, fake_clock)
    settings = {
        "region": "us-east-2",
        "tags": {"via": "sso"},
        "account_names": {"100000000000": "prod"},
        "include": ["prod", "account-00*"],
        "exclude": ["*/AdministratorAccess", "100000000002"],
    }
    profiles, problems = load([CORP], settings)
    assert not problems
    assert sorted(p.name for p in profiles) == ["account-0001/ReadOnly", "prod/ReadOnly"]
    assert all(p.region == "us-east-2" and p.tags == {"via": "sso"} for p in profiles)
    _, problems = load([CORP], {"include": "prod", "colour": "red"}, origin="/p.yaml:7")
    assert [str(p) for p in problems] == [
        "/p.yaml:7: sso discovery: unknown setting 'colour'",
        "/p.yaml:7: sso discovery: include must be a list of account ids or globs",
    ]


def test_two_sessions_with_the_same_names_keep_both(sso, fake_clock):
    other = SsoSession("lab", "https://lab.awsapps.com/start", "eu-west-1")
    sign_in(sso, fake_clock)
    discovery.sync(CORP, fake_clock)
    sso.auto_approve = True
    sso_login.login(other, fake_clock, browser=False, sleep=lambda s: None)
    discovery.sync(other, fake_clock)
    profiles, _ = load([CORP, other])
    names = {p.name: p.source for p in profiles}
    assert names["account-0000/ReadOnly"] == "sso:corp"
    assert names["lab/account-0000/ReadOnly"] == "sso:lab"
    assert len(names) == 12


def test_failed_sync_keeps_the_previous_result(sso, fake_clock):
    sign_in(sso, fake_clock)
    assert rolecall_sso("sync").returncode == 0
    before = discovery.path(CORP).read_bytes()
    sso.revoke()
    done = rolecall_sso("sync", "corp")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == (
        "rolecall: SSO session corp: the portal no longer accepts the sign-in (revoked or expired); "
        "run `rolecall login corp`"
    )
    assert lines[1].startswith("  hint: kept the previous discovery (3 accounts, from ")
    assert discovery.path(CORP).read_bytes() == before
    assert len(load([CORP])[0]) == 6


def test_a_session_never_synced_gives_no_profiles(sso):
    assert load([CORP]) == ([], [])
