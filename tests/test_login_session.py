"""`login_session` profiles: the session `aws login` (AWS CLI 2.32+) keeps in ~/.aws/login/cache."""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from tests.signin_fake import FakeSignIn, new_key_pem

SESSION = "arn:aws:iam::123456789012:user/alice"


def cache_path(sandbox):
    return sandbox.home / ".aws" / "login" / "cache" / f"{hashlib.sha256(SESSION.encode()).hexdigest()}.json"


def write_cache(sandbox, expires: datetime, pem: str, refresh_token: str = "refresh-1"):
    """The file as `aws login` writes it."""
    path = cache_path(sandbox)
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    path.parent.parent.chmod(0o700)
    data = {
        "accessToken": {
            "accessKeyId": "ASIALOGINCACHED",
            "secretAccessKey": "cached-secret",
            "sessionToken": "cached-token",
            "accountId": "123456789012",
            "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "tokenType": "aws_sigv4",
        "refreshToken": refresh_token,
        "idToken": "eyJ.id.token",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "dpopKey": pem,
        "signInRegion": "eu-west-1",
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    return path


@pytest.fixture
def login_profile(sandbox):
    sandbox.aws_config.write_text(
        textwrap.dedent(f"""\
        [profile me]
        login_session = {SESSION}
        region = eu-west-1
        """)
    )
    return sandbox


@pytest.fixture
def signin():
    key, pem = new_key_pem()
    fake = FakeSignIn(key, "refresh-1")
    fake.pem = pem
    yield fake
    fake.close()


def test_a_live_aws_login_session_is_listed_and_handed_out_as_the_aws_cli_cached_it(cli, login_profile, signin):
    write_cache(login_profile, datetime.now(UTC) + timedelta(hours=1), signin.pem)
    rows = {row["name"]: row for row in cli("list", "--json").json()}
    assert (rows["me"]["kind"], rows["me"]["account_id"], rows["me"]["role"]) == (
        "login_session",
        "123456789012",
        "aws login",
    )
    exported = cli("export", "me", "--format", "json")
    assert exported.code == 0, exported.err
    assert exported.json()["AccessKeyId"] == "ASIALOGINCACHED"
    assert signin.requests == []  # nothing to refresh


def test_an_expired_session_is_refreshed_against_the_sign_in_service_with_the_cached_key(cli, login_profile, signin):
    path = write_cache(login_profile, datetime(2025, 1, 1, tzinfo=UTC), signin.pem)
    result = cli("export", "me", "--format", "json", env={"AWS_ENDPOINT_URL_SIGNIN": signin.url})
    assert result.code == 0, result.err
    assert result.json()["AccessKeyId"] == "ASIAREFRESHED"
    assert [r["body"]["grantType"] for r in signin.requests] == ["refresh_token"]
    saved = json.loads(path.read_text())
    assert saved["refreshToken"] == "refresh-2" and saved["accessToken"]["accessKeyId"] == "ASIAREFRESHED"
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_session_past_its_refresh_says_in_one_line_to_run_aws_login(cli, login_profile, signin):
    write_cache(login_profile, datetime(2025, 1, 1, tzinfo=UTC), signin.pem)
    signin.expired = True
    result = cli("process", "me", env={"AWS_ENDPOINT_URL_SIGNIN": signin.url})
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "me: the aws login session" in result.err and "run `aws login` to sign in again" in result.err


def test_no_cached_session_says_in_one_line_to_run_aws_login(cli, login_profile):
    result = cli("process", "me")
    assert result.code == 2
    assert result.err.strip() == (
        f"rolecall: me: the aws login session {SESSION} is not in "
        f"{login_profile.home}/.aws/login/cache or cannot be read: run `aws login` to sign in again"
    )


def test_a_cache_file_others_can_write_is_refused(cli, login_profile, signin):
    path = write_cache(login_profile, datetime.now(UTC) + timedelta(hours=1), signin.pem)
    path.chmod(0o666)
    result = cli("process", "me")
    assert result.code == 2
    assert f"{path} is not a private file of this user" in result.err
    assert "ASIALOGINCACHED" not in result.out + result.err


def test_a_login_session_that_is_not_an_arn_is_named_by_check(cli, sandbox):
    sandbox.aws_config.write_text("[profile me]\nlogin_session = alice\n")
    result = cli("check")
    assert result.code == 2
    assert f"{sandbox.aws_config}:2: profile me: login_session 'alice' is not an ARN" in result.out


def test_without_the_crt_an_expired_session_names_the_extra_to_install(login_profile, signin):
    import subprocess
    import sys

    write_cache(login_profile, datetime(2025, 1, 1, tzinfo=UTC), signin.pem)
    runner = (
        "import sys; sys.modules['awscrt'] = None\n"  # as on an install without the crt extra
        "from rolecall.cli import main; sys.exit(main(['process', 'me']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", runner],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "AWS_ENDPOINT_URL_SIGNIN": signin.url},
    )
    assert done.returncode == 2
    assert "refreshing it needs the AWS CRT: pip install 'rolecall[crt]', or run `aws login` again" in done.stderr
    assert signin.requests == []
