"""Kind "web_identity": AssumeRoleWithWebIdentity against the local STS, with real token files and commands."""

from __future__ import annotations

import base64
import json
import sys
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolecall.core.domain.errors import ConfigError
from rolecall.core.domain.profiles import Catalog, Profile
from rolecall.core.engine import Engine
from rolecall.core.gateways.runner import command_output
from rolecall.core.sources.web_identity import (
    WebIdentitySettings,
    expiry,
    validate_web_identity,
    web_identity_settings,
)
from tests.conftest import StsWindow, aws_identity

ROLE = "arn:aws:iam::555555555555:role/ci-deploy"


def jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2lnbmF0dXJl"


def profile(**settings: str) -> Profile:
    return Profile(
        name="ci/deploy",
        role_arn=ROLE,
        account_id="555555555555",
        account_name="ci",
        role_name="ci-deploy",
        region="eu-west-1",
        role_session_name="github-actions",
        kind="web_identity",
        settings=WebIdentitySettings(
            settings.get("web_identity_token_file"), settings.get("web_identity_token_process")
        ),
    )


def no_code(profile):
    raise AssertionError("a web identity role never asks for an MFA code")


@pytest.fixture
def engine_for(sandbox, fake_clock):
    def make(p: Profile) -> Engine:
        return Engine(Catalog(profiles={p.name: p}), clock=fake_clock, audit_path=None)

    return make


def test_token_file_gets_role_credentials_the_aws_cli_accepts(engine_for, sandbox, fake_clock):
    token = sandbox.root / "token"
    token.write_text(
        jwt({"sub": "repo:acme/app", "exp": int((fake_clock.now() + timedelta(hours=1)).timestamp())}) + "\n"
    )
    engine = engine_for(profile(web_identity_token_file=str(token)))

    with StsWindow() as window:
        session = engine.assume("ci/deploy", no_code)

    assert session.credentials.session_token
    assert window.lasts(session, timedelta(hours=1))
    assert engine.whoami(session)["Arn"].startswith("arn:aws:sts::555555555555:assumed-role/ci-deploy/github-actions")
    assert aws_identity(session)["Account"] == "555555555555"


def test_second_call_is_served_from_the_cache_without_reading_the_token(engine_for, sandbox):
    token = sandbox.root / "token"
    token.write_text("opaque-oauth-access-token")
    engine = engine_for(profile(web_identity_token_file=str(token)))
    first = engine.assume("ci/deploy", no_code)
    token.unlink()
    assert engine.assume("ci/deploy", no_code).credentials == first.credentials


def test_token_process_output_is_the_token(engine_for):
    command = f"{sys.executable} -c \"print('opaque-token-from-a-helper')\""
    session = engine_for(profile(web_identity_token_process=command)).assume("ci/deploy", no_code)
    assert session.credentials.access_key_id.startswith("ASIA")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda root: None, "does not exist"),
        (lambda root: (root / "token").write_text("  \n"), "is empty"),
        (lambda root: (root / "token").mkdir(), "cannot read the web identity token file"),
        (lambda root: (root / "token").write_bytes(b"\xff\xfe"), "not UTF-8 text"),
    ],
    ids=["missing", "empty", "a-directory", "binary"],
)
def test_unusable_token_file_is_one_line(engine_for, sandbox, setup, message):
    setup(sandbox.root)
    engine = engine_for(profile(web_identity_token_file=str(sandbox.root / "token")))
    with pytest.raises(ConfigError) as caught:
        engine.assume("ci/deploy", no_code)
    assert message in caught.value.message
    assert "\n" not in caught.value.message


def test_expired_jwt_is_refused_before_aws_is_asked(engine_for, sandbox, fake_clock, monkeypatch):
    token = sandbox.root / "token"
    token.write_text(jwt({"exp": int((fake_clock.now() - timedelta(minutes=10)).timestamp())}))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")  # nothing listens: AWS must not be asked
    with pytest.raises(ConfigError) as caught:
        engine_for(profile(web_identity_token_file=str(token))).assume("ci/deploy", no_code)
    assert caught.value.message == f"the web identity token file {token} expired at " + (
        (fake_clock.now() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ") + " (10m ago)"
    )
    assert token.read_text() not in str(caught.value) + (caught.value.hint or "")


def test_failing_token_process_is_one_line(engine_for):
    command = f'{sys.executable} -c "import sys; sys.exit(3)"'
    with pytest.raises(ConfigError) as caught:
        engine_for(profile(web_identity_token_process=command)).assume("ci/deploy", no_code)
    assert caught.value.message == f"ci/deploy: web_identity_token_process {sys.executable} exited 3"


def test_token_process_failure_gives_its_last_error_line_and_a_stuck_one_times_out():
    command = f"{sys.executable} -c \"import sys; sys.exit('token issuer unreachable')\""
    with pytest.raises(ConfigError) as caught:
        command_output("ci/deploy: web_identity_token_process", command, 30)
    assert caught.value.message.endswith("exited 1: token issuer unreachable")
    with pytest.raises(ConfigError) as caught:
        command_output("ci/deploy: web_identity_token_process", "sleep 30", 0.3)
    assert caught.value.message == "ci/deploy: web_identity_token_process sleep gave no answer within 0.3 seconds"


def test_a_token_process_printing_without_end_is_killed_at_the_cap(tmp_path):
    flood = tmp_path / "flood.py"
    flood.write_text("import sys\nwhile True:\n    sys.stderr.write('y' * 65536)\n")
    with pytest.raises(ConfigError) as caught:
        command_output("ci/deploy: web_identity_token_process", f"{sys.executable} {flood}", 30)
    assert caught.value.message == (
        f"ci/deploy: web_identity_token_process {sys.executable} printed more than 1024 KiB: stopped it"
    )


def test_validation_names_each_problem_with_its_line():
    problems = validate_web_identity(
        {"web_identity_token_file": "/t", "web_identity_token_process": "get-token", "mfa_serial": "arn:x"}, "p.yaml", 7
    )
    assert [str(p) for p in problems] == [
        "p.yaml:7: set web_identity_token_file or web_identity_token_process, not both",
        "p.yaml:7: mfa_serial does not apply to a web identity role (the token is the proof)",
    ]
    assert [str(p) for p in validate_web_identity({}, "p.yaml", 3)] == [
        "p.yaml:3: needs web_identity_token_file or web_identity_token_process"
    ]
    assert validate_web_identity({"web_identity_token_file": "/var/run/token"}, "p.yaml", 1) == []


def test_aws_config_section_with_a_token_file_reads_as_web_identity_settings(sandbox):
    from botocore import configloader

    sandbox.aws_config.write_text(
        "[profile ci]\nrole_arn = arn:aws:iam::555555555555:role/ci-deploy\n"
        "web_identity_token_file = /var/run/secrets/token\nrole_session_name = ci\n"
        "[profile keys]\nregion = eu-west-1\n"
    )
    sections = configloader.load_config(str(sandbox.aws_config))["profiles"]
    assert web_identity_settings(sections["ci"]) == WebIdentitySettings(token_file="/var/run/secrets/token")
    assert web_identity_settings(sections["keys"]) is None


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.fixed_dictionaries(
            {"exp": st.one_of(st.integers(), st.floats(), st.text(max_size=20), st.none(), st.booleans())}
        ).map(jwt),
    )
)
def test_expiry_of_any_token_is_a_time_or_none(token):
    found = expiry(token)
    assert found is None or found.tzinfo is not None
