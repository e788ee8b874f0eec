"""The engine against a real local STS: cache, MFA sessions, chaining, refresh, audit."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest

from rolecall.core.domain.errors import MfaCodeRequired
from rolecall.core.engine import Engine
from rolecall.core.sources.index import load_catalog
from rolecall.core.store.cache import SessionCache
from rolecall.core.store.paths import audit_file, cache_dir
from tests.conftest import MFA_SERIAL, StsWindow


class CountingSource:
    """An MFA code source that records how often it was asked."""

    def __init__(self, code: str = "123456"):
        self.code = code
        self.asked: list[str] = []

    def __call__(self, profile) -> str:
        self.asked.append(profile.name)
        return self.code


def no_code(profile):
    raise MfaCodeRequired(profile.mfa_serial)


@pytest.fixture
def engine(sandbox, fake_clock):
    return Engine(load_catalog(use_index=False), clock=fake_clock, session_name="rolecall-alice")


def test_assume_returns_sts_credentials_and_caches_them(engine, sandbox):
    with StsWindow() as window:
        session = engine.assume("prod/ReadOnly", no_code)
    assert session.credentials.access_key_id.startswith("ASIA")
    assert session.credentials.session_token
    assert window.lasts(session, timedelta(hours=4))
    cached = SessionCache(cache_dir()).get("prod/ReadOnly")
    assert cached.credentials == session.credentials


def test_cached_session_is_served_without_calling_sts(engine, moto_sts, monkeypatch):
    first = engine.assume("prod/ReadOnly", no_code)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")  # nothing listens there
    again = Engine(engine.catalog, clock=engine.clock).assume("prod/ReadOnly", no_code)
    assert again.credentials == first.credentials


def test_session_with_under_five_minutes_left_is_refreshed(engine, fake_clock):
    first = engine.assume("prod/ReadOnly", no_code)
    fake_clock.advance(timedelta(hours=4) - timedelta(minutes=4))
    second = engine.assume("prod/ReadOnly", no_code)
    assert second.credentials.access_key_id != first.credentials.access_key_id


def test_second_role_with_same_mfa_serial_reuses_mfa_session(engine):
    source = CountingSource()
    prod = engine.assume("prod/Admin", source)
    staging = engine.assume("staging/Admin", source)
    assert source.asked == ["prod/Admin"]
    assert prod.role_arn.split(":")[4] == "222222222222"
    assert staging.role_arn.split(":")[4] == "333333333333"
    assert engine.mfa_session(MFA_SERIAL) is not None


def test_mfa_session_with_under_five_minutes_left_asks_again(engine, fake_clock):
    source = CountingSource()
    engine.assume("prod/Admin", source)
    fake_clock.advance(timedelta(hours=8) - timedelta(minutes=4))
    engine.assume("staging/Admin", source)
    assert source.asked == ["prod/Admin", "staging/Admin"]


def test_mfa_role_without_a_code_fails_at_once(engine):
    with pytest.raises(MfaCodeRequired):
        engine.assume("prod/Admin", no_code)
    assert engine.code_needed("prod/Admin") == MFA_SERIAL
    assert engine.code_needed("prod/ReadOnly") is None


def test_code_needed_is_none_once_the_mfa_session_is_open(engine):
    engine.assume("prod/Admin", CountingSource())
    assert engine.code_needed("staging/Admin") is None


def test_chained_role_assumes_its_parent_first_and_is_capped_at_one_hour(engine):
    with StsWindow() as window:
        session = engine.assume("shared/Deploy", no_code)
    assert engine.usable("shared/Hub") is not None
    assert window.lasts(session, timedelta(hours=1))  # asked for 4h: chaining caps at 1h
    identity = engine.whoami(session)
    assert identity["Arn"] == "arn:aws:sts::444444444444:assumed-role/Deploy/rolecall-alice"


def test_explicit_duration_overrides_the_profile(engine):
    with StsWindow() as window:
        session = engine.assume("prod/ReadOnly", no_code, duration=900)
    assert window.lasts(session, timedelta(minutes=15))


def test_force_refresh_gets_new_credentials(engine):
    first = engine.assume("prod/ReadOnly", no_code)
    second = engine.assume("prod/ReadOnly", no_code, refresh=True)
    assert first.credentials.access_key_id != second.credentials.access_key_id


def test_cache_dir_is_0700_and_files_0600(engine):
    engine.assume("prod/Admin", CountingSource())
    root = cache_dir()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (p for p in root.rglob("*") if p.is_dir()):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_audit_has_one_line_per_assume_and_no_secret(engine):
    session = engine.assume("shared/Deploy", no_code)
    engine.assume("shared/Deploy", no_code)  # cached: no new line
    lines = [json.loads(line) for line in audit_file().read_text().splitlines()]
    assert [line["profile"] for line in lines] == ["shared/Hub", "shared/Deploy"]
    deploy = lines[1]
    assert deploy["role_arn"] == "arn:aws:iam::444444444444:role/Deploy"
    assert deploy["source_identity"] == "alice"
    assert deploy["session_name"] == "rolecall-alice"
    assert deploy["expires"].endswith("Z") and deploy["time"].endswith("Z")
    text = audit_file().read_text()
    assert session.credentials.secret_access_key not in text
    assert session.credentials.session_token not in text
    assert stat.S_IMODE(os.stat(audit_file()).st_mode) == 0o600


def test_role_from_aws_config_with_credential_process_source(engine, sandbox, tmp_path):
    helper = tmp_path / "creds.py"
    helper.write_text(
        "import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': 'AKIAPROCESS0000000001',"
        " 'SecretAccessKey': 'processsecret'}))\n"
    )
    import sys

    sandbox.aws_config.write_text(
        f"[profile tooling]\ncredential_process = {sys.executable} {helper}\n\n"
        "[profile ops]\nrole_arn = arn:aws:iam::555555555555:role/Ops\nsource_profile = tooling\n"
    )
    engine = Engine(load_catalog(use_index=False), clock=engine.clock, session_name="rolecall-alice")
    session = engine.assume("ops", no_code)
    assert engine.whoami(session)["Account"] == "555555555555"


def test_session_name_is_sanitised_to_the_sts_alphabet():
    from rolecall.core.gateways.sts import session_name

    assert session_name("ålice smith!") == "rolecall-ålice-smith-"
    assert session_name("a" * 100) == "rolecall-" + "a" * 55
    assert session_name("j.doe@corp") == "rolecall-j.doe@corp"


def test_sts_goes_to_the_profiles_regional_endpoint_without_an_override(monkeypatch):
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.gateways.sts import StsGateway

    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    client = StsGateway()._client(Credentials("AKIAEXAMPLE", "secret"), "ap-southeast-2")
    assert client.meta.endpoint_url == "https://sts.ap-southeast-2.amazonaws.com"


def test_temporary_base_credentials_send_the_mfa_code_to_assume_role(sandbox, sts_proxy, monkeypatch, fake_clock):
    """GetSessionToken needs long-term keys; with temporary ones the code goes to AssumeRole."""
    sandbox.write_profiles(
        """\
        version: 1
        defaults: {mfa_serial: "arn:aws:iam::111111111111:mfa/alice"}
        accounts:
          - id: "222222222222"
            name: prod
            roles: [{role: Admin, mfa: true}]
        """
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIATEMPORARYBASE001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "temporary-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "temporary-token")
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    engine.assume("prod/Admin", lambda profile: "654321")
    assert sts_proxy.calls["GetSessionToken"] == 0
    [assume] = [r for r in sts_proxy.requests if r["Action"] == "AssumeRole"]
    assert (assume["SerialNumber"], assume["TokenCode"]) == ("arn:aws:iam::111111111111:mfa/alice", "654321")


def test_assume_role_sends_every_configured_parameter(sandbox, sts_proxy, fake_clock):
    engine = Engine(load_catalog(use_index=False), clock=fake_clock, session_name="rolecall-alice")
    engine.assume("shared/Deploy", no_code)
    deploy = next(r for r in sts_proxy.requests if r.get("RoleArn", "").endswith(":role/Deploy"))
    assert deploy["ExternalId"] == "deploy-2024"
    assert deploy["SourceIdentity"] == "alice"
    assert (deploy["Tags.member.1.Key"], deploy["Tags.member.1.Value"]) == ("team", "infra")
    assert deploy["DurationSeconds"] == "3600"  # asked for 4h; chained sessions are capped at 1h
    assert deploy["RoleSessionName"] == "rolecall-alice"
