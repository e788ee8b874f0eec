"""A user with only `[sso-session corp]` in ~/.aws/config: sign in, see every account and role,
use any of them everywhere, and the cached role stays on the quick path."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.sso_fixtures import CORP, rolecall_sso, sso_fixture  # noqa: F401


def test_sign_in_lists_every_discovered_role_next_to_the_others(sso, cli, sandbox):
    sso.auto_approve = True
    signed = rolecall_sso("login", "--no-browser")
    assert signed.returncode == 0, signed.stderr
    assert "corp: 3 accounts, 6 roles" in signed.stderr
    rows = {row["name"]: row for row in cli("list", "--json").json()}
    assert {"prod/Admin", "corp"} <= set(rows)  # profiles.yaml and static keys are still there
    sso_rows = [row for row in rows.values() if row["source"] == "sso:corp"]
    assert len(sso_rows) == 6 and all(row["kind"] == "sso" for row in sso_rows)


def test_a_discovered_role_works_under_exec_and_stays_on_the_quick_path(sso, cli, sandbox):
    sso.auto_approve = True
    assert rolecall_sso("login", "--no-browser").returncode == 0
    name = "account-0001/ReadOnly"
    result = cli("exec", name, "--region", "eu-west-1", "--", "aws", "sts", "get-caller-identity", "--output", "json")
    assert result.code == 0, result.err
    first = cli("process", name).json()
    runner = (
        "import sys, json\n"
        "from rolecall.cli import main\n"
        f"code = main(['process', {name!r}])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'textual', 'yaml'))\n"
        "print(json.dumps({'code': code, 'heavy': heavy}), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True, timeout=60, check=False)
    assert json.loads(done.stderr.strip().splitlines()[-1]) == {"code": 0, "heavy": []}
    assert json.loads(done.stdout) == first
    assert sso.count("GetRoleCredentials") == 1  # exec got it; process twice came from the cache


def test_without_a_sign_in_non_interactive_commands_fail_at_once(sso, cli, sandbox):
    sso.auto_approve = True
    assert rolecall_sso("login", "--no-browser").returncode == 0
    assert rolecall_sso("logout").returncode == 0
    result = cli("process", "account-0001/ReadOnly")
    assert result.code == 1
    assert "rolecall login corp" in result.err
    assert sso.count("StartDeviceAuthorization") == 1  # no new sign-in was started
