"""The CLI end to end, in fresh interpreters, against the local STS; `aws` itself as a client."""

from __future__ import annotations

import json
import shutil
import sys
from urllib.parse import parse_qs, urlparse

import pytest

from rolecall.core.text import formats
from tests.exports import read_back


def test_list_json_has_the_documented_fields(cli):
    result = cli("list", "--json")
    assert result.code == 0, result.err
    rows = {row["name"]: row for row in result.json()}
    assert rows["prod/Admin"] == {
        "name": "prod/Admin",
        "account": "prod",
        "account_id": "222222222222",
        "role": "Admin",
        "role_arn": "arn:aws:iam::222222222222:role/Admin",
        "region": "eu-west-1",
        "mfa": True,
        "source": "profiles.yaml",
        "kind": "role",
        "tags": {"env": "prod"},
        "session_expires": None,
    }


def test_assume_then_list_and_sessions_show_the_session(cli):
    assumed = cli("assume", "prod/ReadOnly")
    assert assumed.code == 0, assumed.err
    assert assumed.out.startswith("prod/ReadOnly: session until ")
    assert "3:59:" in assumed.out
    listed = {row["name"]: row for row in cli("list", "--json").json()}
    assert listed["prod/ReadOnly"]["session_expires"].endswith("Z")
    table = cli("list").out
    assert "3:59:" in table.splitlines()[2]  # header, prod/Admin, prod/ReadOnly
    sessions = cli("sessions", "--json").json()
    assert [(s["kind"], s["name"]) for s in sessions] == [("role", "prod/ReadOnly")]
    assert 14000 < sessions[0]["seconds_left"] <= 14400
    cleared = cli("sessions", "--clear")
    assert (cleared.code, "forgot 1 cached session" in cleared.err) == (0, True)
    assert cli("sessions", "--json").json() == []


def test_process_prints_credential_process_json(cli):
    result = cli("process", "prod/ReadOnly")
    assert result.code == 0, result.err
    data = result.json()
    assert data["Version"] == 1
    assert data["AccessKeyId"].startswith("ASIA")
    assert data["SecretAccessKey"] and data["SessionToken"]
    assert data["Expiration"].endswith("Z")


def test_aws_cli_uses_rolecall_process_as_credential_process(cli, sandbox):
    sandbox.aws_config.write_text(
        "[profile via-rolecall]\n"
        f"credential_process = {sys.executable} -m rolecall process prod/ReadOnly\n"
        "region = eu-west-1\n"
    )
    import os
    import subprocess

    env = {**os.environ, "AWS_PROFILE": "via-rolecall"}
    done = subprocess.run(
        ["aws", "sts", "get-caller-identity", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    identity = json.loads(done.stdout)
    assert identity["Account"] == "222222222222"
    assert identity["Arn"] == "arn:aws:sts::222222222222:assumed-role/ReadOnly/rolecall-alice"


def test_exec_runs_aws_with_the_role_credentials(cli):
    result = cli("exec", "shared/Deploy", "--", "aws", "sts", "get-caller-identity", "--output", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"] == "arn:aws:sts::444444444444:assumed-role/Deploy/rolecall-alice"


def test_exec_passes_the_exit_code_through_and_sets_the_environment(cli, sandbox):
    script = (
        "import os,sys,json;"
        "print(json.dumps({k: os.environ.get(k) for k in ('AWS_PROFILE','AWS_REGION','AWS_DEFAULT_REGION',"
        "'ROLECALL_PROFILE','AWS_CREDENTIAL_EXPIRATION','AWS_SECURITY_TOKEN')}));"
        "sys.exit(7)"
    )
    result = cli(
        "exec",
        "prod/ReadOnly",
        "--",
        sys.executable,
        "-c",
        script,
        env={"AWS_PROFILE": "someone-else", "AWS_SECURITY_TOKEN": "old"},
    )
    assert result.code == 7
    seen = json.loads(result.out)
    assert seen["AWS_PROFILE"] is None and seen["AWS_SECURITY_TOKEN"] is None
    assert (seen["AWS_REGION"], seen["AWS_DEFAULT_REGION"]) == ("eu-west-1", "eu-west-1")
    assert seen["ROLECALL_PROFILE"] == "prod/ReadOnly"
    assert seen["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")


def test_exec_refuses_to_nest_unless_forced(cli):
    nested = cli("exec", "prod/ReadOnly", "--", "true", env={"ROLECALL_PROFILE": "prod/Admin"})
    assert nested.code == 2
    assert "already inside a rolecall environment for prod/Admin" in nested.err
    forced = cli("exec", "--force", "prod/ReadOnly", "--", "true", env={"ROLECALL_PROFILE": "prod/Admin"})
    assert forced.code == 0, forced.err


def test_exec_of_a_missing_command_is_one_line(cli):
    result = cli("exec", "prod/ReadOnly", "--", "no-such-command-anywhere")
    assert (result.code, result.err.strip()) == (2, "rolecall: cannot run no-such-command-anywhere: command not found")


def test_shell_runs_the_users_shell_with_the_profile(cli, sandbox):
    result = cli("shell", "prod/ReadOnly", env={"SHELL": "/bin/sh"}, input='echo "in:$ROLECALL_PROFILE"; exit 4\n')
    assert result.code == 4
    assert "in:prod/ReadOnly" in result.out


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_export_formats_carry_the_same_credentials(cli, fmt, tmp_path):
    reference = cli("process", "prod/ReadOnly").json()
    result = cli("export", "prod/ReadOnly", "--format", fmt)
    assert result.code == 0, result.err
    expected = {
        "AWS_ACCESS_KEY_ID": reference["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": reference["SecretAccessKey"],
        "AWS_SESSION_TOKEN": reference["SessionToken"],
        "AWS_REGION": "eu-west-1",
    }
    if fmt == "powershell":  # no PowerShell here: AWS's values need no escaping, so each line is exact
        assert {f"$Env:{name} = '{value}'" for name, value in expected.items()} <= set(result.out.splitlines())
        return
    for seen in read_back(fmt, result.out, tmp_path, "prod/ReadOnly"):
        assert {name: seen.get(name) for name in expected} == expected
        assert "AWS_PROFILE" not in seen or fmt == "dotenv"  # env and fish unset it; a .env file only adds


def test_export_env_really_works_in_a_posix_shell(cli):
    import subprocess

    exported = cli("export", "prod/ReadOnly").out
    done = subprocess.run(
        ["sh", "-c", exported + 'printf "%s|%s" "$AWS_ACCESS_KEY_ID" "${AWS_PROFILE-unset}"'],
        capture_output=True,
        text=True,
        env={"AWS_PROFILE": "x", "PATH": "/usr/bin:/bin"},
    )
    key = cli("process", "prod/ReadOnly").json()["AccessKeyId"]
    assert done.stdout == f"{key}|unset"


def test_mfa_role_with_no_code_and_no_terminal_fails_at_once(cli):
    result = cli("process", "prod/Admin", timeout=30)
    assert result.code == 2
    assert "an MFA code is needed for arn:aws:iam::111111111111:mfa/alice" in result.err
    assert "Traceback" not in result.err


def test_mfa_code_opens_one_session_for_both_accounts(cli):
    assert cli("assume", "prod/Admin", "--mfa-code", "123456").code == 0
    staging = cli("assume", "staging/Admin")  # no code: the MFA session serves it
    assert staging.code == 0, staging.err
    kinds = sorted(s["kind"] for s in cli("sessions", "--json").json())
    assert kinds == ["mfa", "role", "role"]


def test_mfa_process_supplies_the_code(cli, sandbox, sts_proxy):
    sandbox.write_profiles(
        f"""\
        version: 1
        defaults:
          source_profile: corp
          mfa_serial: arn:aws:iam::111111111111:mfa/alice
          mfa_process: "{sys.executable} -c 'print(654321)'"
        accounts:
          - id: "222222222222"
            name: prod
            roles:
              - role: Admin
                mfa: true
        """
    )
    result = cli("assume", "prod/Admin")
    assert result.code == 0, result.err
    sent = [
        (form["Action"], form["SerialNumber"], form["TokenCode"]) for form in sts_proxy.requests if "TokenCode" in form
    ]
    assert sent == [("GetSessionToken", "arn:aws:iam::111111111111:mfa/alice", "654321")]


def test_bad_mfa_code_shape_is_refused_before_aws(cli):
    result = cli("assume", "prod/Admin", "--mfa-code", "12ab")
    assert (result.code, result.err.splitlines()[0]) == (2, "rolecall: an MFA code is six digits")


def test_unknown_profile_is_exit_2_with_a_suggestion(cli):
    result = cli("process", "prod/admin")
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines[0] == "rolecall: unknown profile 'prod/admin'"
    assert lines[1].startswith("  hint: did you mean prod/Admin")


def test_aws_refusal_is_exit_1_in_one_line(cli, sandbox):
    sandbox.aws_credentials.write_text("[corp]\naws_access_key_id = AKIA\naws_secret_access_key = x\n")
    result = cli("assume", "prod/ReadOnly", env={"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"})
    assert result.code == 1
    assert result.err.startswith("rolecall: cannot reach STS at http://127.0.0.1:9")
    assert len(result.err.strip().splitlines()) == 1


def test_whoami_reports_the_assumed_role(cli):
    result = cli("whoami", "prod/ReadOnly")
    assert result.code == 0, result.err
    assert result.json()["Arn"] == "arn:aws:sts::222222222222:assumed-role/ReadOnly/rolecall-alice"


def test_console_print_builds_a_federation_sign_in_url(cli, federation):
    result = cli("console", "prod/ReadOnly", "--print")
    assert result.code == 0, result.err
    url = urlparse(result.out.strip())
    query = parse_qs(url.query)
    assert query["Action"] == ["login"] and query["SigninToken"] == ["demo-sign-in-token"]
    assert query["Destination"][0].startswith("https://eu-west-1.console.aws.amazon.com/")
    request = federation[-1]
    assert request["Action"] == ["getSigninToken"]
    assert json.loads(request["Session"][0])["sessionId"].startswith("ASIA")


def test_copy_without_any_clipboard_says_so(cli):
    result = cli("copy", "prod/ReadOnly", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert result.code == 1
    assert "no clipboard here" in result.err


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_shell_shows_the_profile_in_its_prompt(cli):
    result = cli("shell", "prod/ReadOnly", env={"SHELL": shutil.which("bash")}, input='echo "prompt=$PS1"\nexit 0\n')
    assert result.code == 0, result.err
    assert "prompt=(rolecall:prod/ReadOnly) " in result.out


def test_duration_out_of_range_is_a_config_error(cli):
    result = cli("assume", "prod/ReadOnly", "--duration", "13h")
    assert (result.code, result.err.strip()) == (2, "rolecall: duration 13h is outside 15m..12h")
