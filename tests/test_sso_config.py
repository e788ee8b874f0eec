"""SSO configuration and bad input: ~/.aws/config sessions and SSO profiles, profiles.yaml `sso:`
entries, and damaged or foreign token files. Each problem is one line with its place."""

from __future__ import annotations

import json

import pytest

from rolecall.core.domain.errors import Problem
from rolecall.core.domain.profiles import Profile
from rolecall.core.sources.sso import profile_from_config
from rolecall.core.sso.login import valid_token
from rolecall.core.sso.session import sessions_from_config, sessions_from_yaml
from rolecall.core.sso.token import NotSignedIn, Token, token_path
from tests.sso_fixtures import CONFIG, CORP, START_URL, rolecall_sso, sso_fixture  # noqa: F401

MORE = """
[sso-session nourl]
sso_region = eu-west-1

[sso-session noregion]
sso_start_url = https://x.awsapps.com/start

[sso-session plain]
sso_start_url = http://x.awsapps.com/start
sso_region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = ReadOnly
region = us-west-2

[profile old]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 100000000002
sso_role_name = Admin

[profile ghost]
sso_session = missing
sso_account_id = 100000000001
sso_role_name = ReadOnly
"""


def test_sessions_and_their_problems_from_the_aws_config(sandbox):
    sandbox.aws_config.write_text(CONFIG + MORE, encoding="utf-8")
    path = sandbox.aws_config
    sessions, problems = sessions_from_config(path)
    assert [(s.name, s.legacy) for s in sessions] == [("corp", False), ("old", True)]
    assert sessions[0].scopes == ("sso:account:access",) and sessions[0].origin == f"{path}:1"
    assert sessions[1].cache_key == "https://old.awsapps.com/start"
    assert [str(p) for p in problems] == [
        f"{path}:6: sso-session nourl: sso_start_url is missing",
        f"{path}:9: sso-session noregion: sso_region is missing",
        f"{path}:12: sso-session plain: sso_start_url 'http://x.awsapps.com/start' is not an https:// URL",
    ]


def test_aws_config_sso_profiles_become_sso_kind_profiles(sandbox):
    sandbox.aws_config.write_text(CONFIG + MORE, encoding="utf-8")
    sessions, _ = sessions_from_config(sandbox.aws_config)
    dev = profile_from_config(
        "dev",
        {"sso_session": "corp", "sso_account_id": "100000000001", "sso_role_name": "ReadOnly", "region": "us-west-2"},
        sessions,
        "cfg:16",
    )
    assert isinstance(dev, Profile)
    assert (dev.kind, dev.role_arn, dev.region, dev.origin) == (
        "sso",
        "arn:aws:iam::100000000001:role/ReadOnly",
        "us-west-2",
        "cfg:16",
    )
    assert dev.settings.session == "corp" and dev.settings.start_url == START_URL
    old = profile_from_config(
        "old",
        {
            "sso_start_url": "https://old.awsapps.com/start",
            "sso_region": "us-east-1",
            "sso_account_id": "100000000002",
            "sso_role_name": "Admin",
        },
        sessions,
    )
    assert isinstance(old, Profile) and old.settings.legacy is True
    ghost = profile_from_config(
        "ghost",
        {"sso_session": "missing", "sso_account_id": "100000000001", "sso_role_name": "ReadOnly"},
        sessions,
        "cfg:28",
    )
    assert ghost == Problem("cfg", 28, "profile ghost: sso_session 'missing' names no [sso-session] section")
    bad_id = profile_from_config("x", {"sso_session": "corp", "sso_account_id": "12", "sso_role_name": "R"}, sessions)
    assert isinstance(bad_id, Problem) and "sso_account_id '12' is not a 12-digit account id" in bad_id.message


def test_profiles_yaml_sso_entries():
    sessions, problems = sessions_from_yaml(
        [
            {"name": "lab", "start_url": "https://lab.awsapps.com/start", "region": "eu-west-1", "scopes": ["a", "b"]},
            {"name": "web", "start_url": "http://lab", "region": "eu-west-1"},
            {"start_url": "https://x"},
        ],
        "p.yaml",
        [3, 7, 10],
    )
    assert [(s.name, s.scopes, s.origin) for s in sessions] == [("lab", ("a", "b"), "p.yaml:3")]
    assert [str(p) for p in problems] == [
        "p.yaml:7: sso web: start_url 'http://lab' is not an https:// URL",
        "p.yaml:10: sso: each entry needs a name",
    ]


def test_login_to_a_broken_or_unknown_session_is_one_line_exit_2(sso, sandbox):
    sandbox.aws_config.write_text(CONFIG + MORE, encoding="utf-8")
    done = rolecall_sso("login", "noregion")
    assert done.returncode == 2
    assert done.stderr.strip() == f"rolecall: {sandbox.aws_config}:9: sso-session noregion: sso_region is missing"
    done = rolecall_sso("login", "nosuch")
    assert (done.returncode, done.stderr.strip()) == (2, "rolecall: unknown SSO session 'nosuch' (known: corp, old)")
    done = rolecall_sso("sync")
    assert (done.returncode, done.stderr.strip()) == (2, "rolecall: more than one SSO session: name one of corp, old")
    sandbox.write_profiles(
        "version: 1\naccounts: []\nsso:\n  - name: lab\n    start_url: ftp://lab\n    region: eu-west-1\n"
    )
    done = rolecall_sso("login", "lab")
    assert done.returncode == 2
    assert (
        done.stderr.strip() == f"rolecall: {sandbox.profiles}:4: sso lab: start_url 'ftp://lab' is not an https:// URL"
    )
    assert sum(sso.counts.values()) == 0


@pytest.mark.parametrize(
    "content, why",
    [
        (
            b"{not json",
            "the token file {path} is damaged (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
        ),
        (b'{"startUrl": "x"}', "the token file {path} is damaged (no accessToken)"),
        (
            b'{"accessToken": "a", "expiresAt": "soon"}',
            "the token file {path} is damaged (Invalid isoformat string: 'soon')",
        ),
        (
            json.dumps(
                {"startUrl": "https://other.awsapps.com/start", "accessToken": "a", "expiresAt": "2030-01-01T00:00:00Z"}
            ).encode(),
            "the token file {path} is for another start URL (https://other.awsapps.com/start)",
        ),
    ],
)
def test_a_damaged_or_foreign_token_file_is_one_line_and_kept(sandbox, fake_clock, content, why):
    path = token_path(CORP)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(NotSignedIn) as caught:
        valid_token(CORP, fake_clock)
    assert str(caught.value) == f"SSO session corp: {why.format(path=path)}; run `rolecall login corp`"
    assert path.read_bytes() == content


def test_token_repr_masks_every_secret(fake_clock):
    token = Token(
        START_URL,
        "eu-west-1",
        "access-" + "a" * 30,
        fake_clock.now(),
        "client-id",
        "secret-" + "s" * 30,
        fake_clock.now(),
        "refresh-" + "r" * 30,
    )
    shown = repr(token)
    assert "a" * 20 not in shown and "s" * 20 not in shown and "r" * 20 not in shown
    assert "client-id" in shown and "****aaaa" in shown


def test_a_legacy_session_keys_its_token_by_start_url_and_an_expired_registration_is_replaced(sso, fake_clock):
    import hashlib

    from rolecall.core.sso.login import login
    from rolecall.core.sso.session import SsoSession

    legacy = SsoSession("old", "https://old.awsapps.com/start", "eu-west-1", legacy=True)
    sso.auto_approve = True
    token = login(legacy, fake_clock, browser=False, sleep=lambda s: None)
    assert token_path(legacy).name == hashlib.sha1(b"https://old.awsapps.com/start").hexdigest() + ".json"
    assert json.loads(token_path(legacy).read_text())["startUrl"] == "https://old.awsapps.com/start"
    login(legacy, fake_clock, browser=False, sleep=lambda s: None)
    assert sso.count("RegisterClient") == 1  # reused while valid
    fake_clock.set(token.registration_expires_at)
    login(legacy, fake_clock, browser=False, sleep=lambda s: None)
    assert sso.count("RegisterClient") == 2  # expired: registered again, the sign-in still works
