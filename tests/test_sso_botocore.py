"""The sign-in is shared both ways with botocore (the AWS CLI v2 cache): botocore's own SSO
credential and token providers use the token rolecall wrote, and rolecall uses (and refreshes)
a token botocore's SSOTokenLoader saved. botocore runs in a fresh interpreter so that it
resolves ~/.aws/sso/cache under the sandbox's HOME."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import timedelta

from rolecall.core.domain.clock import SystemClock
from rolecall.core.sso import login as sso_login
from rolecall.core.sso.token import read_token
from tests.sso_fixtures import CONFIG, CORP, START_URL, rolecall_sso, sso_fixture  # noqa: F401

DEV = """
[profile dev]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = AdministratorAccess
region = eu-west-1
"""


def _botocore(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_botocore_sso_credentials_use_the_token_rolecall_wrote(sso, sandbox):
    sandbox.aws_config.write_text(CONFIG + DEV, encoding="utf-8")
    sso.auto_approve = True
    sso_login.login(CORP, SystemClock(), browser=False, sleep=lambda s: None)
    out = _botocore(
        "import botocore.session\n"
        "creds = botocore.session.Session(profile='dev').get_credentials().get_frozen_credentials()\n"
        "print(creds.access_key[:4], bool(creds.token))\n"
    )
    assert out == "ASIA True"
    assert sso.count("GetRoleCredentials") == 1


SAVE_LIKE_BOTOCORE = f"""
import datetime, os, sys
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.tokens import _sso_json_dumps
from botocore.utils import JSONFileCache, SSOTokenLoader
session = botocore.session.Session()
oidc = session.create_client("sso-oidc", config=Config(region_name="eu-west-1", signature_version=UNSIGNED))
reg = oidc.register_client(clientName="botocore", clientType="public")
start = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl="{START_URL}")
got = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                        grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=start["deviceCode"])
now = datetime.datetime.now(datetime.timezone.utc)
token = {{
    "startUrl": "{START_URL}", "region": "eu-west-1", "accessToken": got["accessToken"],
    "expiresAt": now + datetime.timedelta(seconds=int(sys.argv[1])), "clientId": reg["clientId"],
    "clientSecret": reg["clientSecret"],
    "registrationExpiresAt": datetime.datetime.fromtimestamp(reg["clientSecretExpiresAt"], datetime.timezone.utc),
    "refreshToken": got["refreshToken"],
}}
cache = JSONFileCache(os.path.expanduser("~/.aws/sso/cache"), dumps_func=_sso_json_dumps)
SSOTokenLoader(cache=cache).save_token("{START_URL}", token, session_name="corp")
"""


def test_rolecall_uses_a_token_botocore_saved(sso, sandbox):
    sso.auto_approve = True
    subprocess.run([sys.executable, "-c", SAVE_LIKE_BOTOCORE, "3600"], check=True, timeout=60)
    done = rolecall_sso("sync")
    assert done.returncode == 0, done.stderr
    assert "corp: 3 accounts, 6 roles" in done.stderr
    assert sso.count("StartDeviceAuthorization") == 1  # botocore's; rolecall did not sign in


def test_rolecall_refreshes_a_botocore_token_and_botocore_reads_the_result(sso, sandbox):
    sandbox.aws_config.write_text(CONFIG + DEV, encoding="utf-8")
    sso.auto_approve = True
    subprocess.run([sys.executable, "-c", SAVE_LIKE_BOTOCORE, "300"], check=True, timeout=60)
    saved = read_token(CORP)
    clock = SystemClock()
    assert saved.remaining(clock.now()) < timedelta(minutes=15)
    fresh = sso_login.valid_token(CORP, clock)
    assert fresh.access_token != saved.access_token and sso.refresh_reuse == 0
    out = _botocore(
        "import hashlib, botocore.session\n"
        "from botocore.tokens import SSOTokenProvider\n"
        "s = botocore.session.Session(profile='dev')\n"
        "token = SSOTokenProvider(s).load_token().get_frozen_token().token\n"
        "print(hashlib.sha256(token.encode()).hexdigest())\n"
    )
    assert out == hashlib.sha256(fresh.access_token.encode()).hexdigest()
    written = sandbox.home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")
    assert json.loads(written.read_text())["accessToken"] == fresh.access_token
