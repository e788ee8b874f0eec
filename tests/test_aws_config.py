"""Every kind of ~/.aws/config profile, as a real team's file has them: usable, or named with its line."""

from __future__ import annotations

import json
import sys
import textwrap

from tests.conftest import BASE_SECRET

IDENTITY = ["aws", "sts", "get-caller-identity", "--output", "json"]


def write_config(sandbox, text: str) -> None:
    sandbox.aws_config.write_text(textwrap.dedent(text))


def listed(cli) -> dict[str, dict]:
    result = cli("list", "--json")
    assert result.code == 0, result.err
    return {row["name"]: row for row in result.json()}


def test_static_keys_give_a_session_token_never_the_keys_themselves(cli, sandbox):
    result = cli("exec", "corp", "--region", "us-east-1", "--", *IDENTITY)
    assert result.code == 0, result.err
    assert json.loads(result.out)["Account"]
    exported = cli("export", "corp", "--format", "json").json()
    assert exported["SecretAccessKey"] != BASE_SECRET and exported["SessionToken"]  # GetSessionToken's, not the keys
    assert listed(cli)["corp"]["kind"] == "static"


def test_static_keys_with_an_mfa_device_open_the_shared_mfa_session(cli, sandbox):
    write_config(
        sandbox,
        """\
        [profile corp]
        mfa_serial = arn:aws:iam::111111111111:mfa/alice
        """,
    )
    assert cli("process", "corp").code == 2  # a code is needed and there is no terminal
    assert cli("assume", "corp", "--mfa-code", "123456").code == 0
    # The MFA session that code opened also serves roles with the same device: no second code.
    admin = cli("assume", "prod/Admin")
    assert admin.code == 0, admin.err
    kinds = {row["kind"] for row in cli("sessions", "--json").json()}
    assert kinds == {"role", "mfa"}


def counting_process(tmp_path, answer: dict, leave_a_child: bool = False):
    """A credential_process script printing `answer`, and the file that counts its runs."""
    counter = tmp_path / "runs"
    script = tmp_path / "creds.py"
    child = 'subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])' if leave_a_child else ""
    script.write_text(
        textwrap.dedent(f"""\
        import json, pathlib, subprocess, sys
        runs = pathlib.Path({str(counter)!r})
        runs.write_text(str(int(runs.read_text() or 0) + 1) if runs.exists() else "1")
        {child}
        print(json.dumps({answer!r}))
        """)
    )
    return f"{sys.executable} {script}", counter


def test_credential_process_profile_is_run_cached_and_its_expiry_honoured(cli, sandbox, tmp_path):
    # The child it leaves behind keeps stdout open: that must not keep rolecall waiting.
    command, runs = counting_process(
        tmp_path,
        {
            "Version": 1,
            "AccessKeyId": "ASIAPROCESS",
            "SecretAccessKey": "s3cret-from-process",
            "SessionToken": "token-from-process",
            "Expiration": "2999-01-01T00:00:00Z",
        },
        leave_a_child=True,
    )
    write_config(sandbox, f"[profile tool]\ncredential_process = {command}\nregion = eu-central-1\n")
    for _ in range(2):
        result = cli("export", "tool", timeout=20)
        assert result.code == 0, result.err
        assert "export AWS_ACCESS_KEY_ID=ASIAPROCESS" in result.out
        assert "export AWS_REGION=eu-central-1" in result.out
    assert runs.read_text() == "1"  # the second answer came from the cache
    assert listed(cli)["tool"]["kind"] == "process"


def test_credential_process_without_expiry_is_run_every_time(cli, sandbox, tmp_path):
    command, runs = counting_process(
        tmp_path, {"Version": 1, "AccessKeyId": "AKIALONGLIVED", "SecretAccessKey": "x" * 40}
    )
    write_config(sandbox, f"[profile tool]\ncredential_process = {command}\n")
    for _ in range(2):
        assert cli("process", "tool").code == 0
    assert runs.read_text() == "2"
    assert "tool" not in {row["name"] for row in cli("sessions", "--json").json()}


def test_role_with_a_quoted_name_with_spaces_and_an_account_label_given_once(cli, sandbox):
    write_config(
        sandbox,
        """\
        [profile "team admin"]
        role_arn = arn:aws:iam::210987654321:role/TeamAdmin
        source_profile = corp
        [profile ops]
        role_arn = arn:aws:iam::222222222222:role/Ops
        source_profile = corp
        """,
    )
    rows = listed(cli)
    assert rows["team admin"]["role_arn"] == "arn:aws:iam::210987654321:role/TeamAdmin"
    assert rows["ops"]["account"] == "prod"  # the name profiles.yaml gives that account id
    table = cli("list").out
    line = next(line for line in table.splitlines() if line.startswith("team admin"))
    assert line.count("210987654321") == 1
    assert cli("process", "team admin").code == 0


def test_sections_the_aws_cli_ignores_are_named_with_their_line(cli, sandbox):
    write_config(
        sandbox,
        """\
        [default]
        region = eu-west-1
        [security-auditor]
        role_arn = arn:aws:iam::222222222222:role/Auditor
        [profile team admin]
        role_arn = arn:aws:iam::222222222222:role/TeamAdmin
        [plugins]
        cli_legacy_plugin_path = /tmp
        """,
    )
    result = cli("check")
    assert result.code == 2
    config = sandbox.aws_config
    assert (
        f"{config}:3: [security-auditor] is ignored by the AWS CLI: profiles in the config file are written "
        "[profile security-auditor]" in result.out
    )
    assert (
        f"{config}:5: [profile team admin] is ignored by the AWS CLI: a name with spaces must be quoted, "
        '[profile "team admin"]' in result.out
    )
    assert "plugins" not in result.out and "default" not in result.out


def test_sso_profiles_are_listed_with_their_kind_and_no_wrong_hint(cli, sandbox):
    write_config(
        sandbox,
        """\
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = eu-west-1
        [profile dev-admin]
        sso_session = corp
        sso_account_id = 333333333333
        sso_role_name = AdministratorAccess
        """,
    )
    row = listed(cli)["dev-admin"]
    assert (row["kind"], row["account"], row["role"]) == ("sso", "staging", "AdministratorAccess")
    result = cli("process", "dev-admin")
    assert result.code == 1
    assert "rolecall login corp" in result.err
    assert "aws_access_key_id" not in result.err


def test_a_config_file_the_parser_rejects_is_path_line_and_exit_2_everywhere(cli, sandbox):
    write_config(
        sandbox,
        """\
        [profile ops]
        region = eu-west-1
        [profile ops]
        region = eu-west-2
        """,
    )
    checked = cli("check")
    assert checked.code == 2
    assert f"{sandbox.aws_config}:3: cannot parse: While reading from" not in checked.out
    assert f"{sandbox.aws_config}:3: cannot parse: section 'profile ops' already exists" in checked.out
    listing = cli("list")
    assert listing.code == 2 and f"{sandbox.aws_config}:3:" in listing.err


def test_a_bad_region_in_the_config_is_named(cli, sandbox):
    write_config(
        sandbox,
        """\
        [profile ops]
        role_arn = arn:aws:iam::222222222222:role/Ops
        source_profile = corp
        region = $(reboot)
        """,
    )
    result = cli("check")
    assert result.code == 2
    assert f"{sandbox.aws_config}:4: profile ops: region '$(reboot)' is not a region name" in result.out


def test_a_credential_process_that_calls_itself_fails_at_once_naming_the_loop(cli, sandbox):
    write_config(sandbox, f"[profile loop]\ncredential_process = {sys.executable} -m rolecall process loop\n")
    result = cli("process", "loop", timeout=20)
    assert result.code == 2
    assert result.err.count("\n") == 1, result.err
    assert "credential_process loop: loop -> loop (a credential_process asks rolecall for loop again)" in result.err


def test_a_credential_process_loop_through_two_profiles_is_named_whole(cli, sandbox):
    write_config(
        sandbox,
        f"""\
        [profile a]
        credential_process = {sys.executable} -m rolecall process b
        [profile b]
        credential_process = {sys.executable} -m rolecall process a
        """,
    )
    result = cli("export", "a", timeout=30)
    assert result.code == 2
    assert "credential_process loop: a -> b -> a" in result.err


def test_a_credential_process_printing_without_end_is_stopped_at_the_cap(cli, sandbox, tmp_path):
    script = tmp_path / "flood.py"
    script.write_text("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n")
    write_config(sandbox, f"[profile flood]\ncredential_process = {sys.executable} {script}\n")
    result = cli("process", "flood", timeout=30)
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        f"rolecall: credential_process of flood {sys.executable} printed more than 1024 KiB: stopped it"
    ]


def test_a_profile_with_only_settings_is_a_note_for_check_and_one_line_for_assume(cli, sandbox):
    write_config(
        sandbox,
        """\
        [profile base]
        region = eu-west-1
        output = json
        [profile ops]
        role_arn = arn:aws:iam::222222222222:role/Ops
        source_profile = corp
        """,
    )
    checked = cli("check")
    assert checked.code == 0, checked.out + checked.err
    assert checked.out.startswith("ok: ")
    assert f"note: {sandbox.aws_config}:1: profile base has no credentials (it sets only output, region)" in checked.err
    assumed = cli("assume", "base")
    assert assumed.code == 2
    assert assumed.err.strip().splitlines() == [
        "rolecall: profile base has no credentials (it sets only output, region): give it role_arn with "
        "source_profile, sso_session, credential_process or login_session, or keys in ~/.aws/credentials"
    ]
