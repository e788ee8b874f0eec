"""Web identity, SAML and federated users as a user sets them up: profiles.yaml or ~/.aws/config,
then the ordinary commands, with the aws CLI as the client."""

from __future__ import annotations

import base64
import json
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from tests.test_saml import saml_response

IDENTITY = ["--", "aws", "sts", "get-caller-identity", "--output", "json"]


def jwt(expires: datetime) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part({'sub': 'ci', 'exp': int(expires.timestamp())})}.c2lnbmF0dXJl"


@pytest.fixture
def token_file(sandbox):
    path = sandbox.root / "token.jwt"
    path.write_text(jwt(datetime.now(UTC) + timedelta(hours=1)))
    return path


# A federated user of the corp account, beside one role.
CONTRACTOR = """\
accounts:
  - id: "111111111111"
    name: corp
    federated_users:
      - name: contractor
        policy_arns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    roles: [{role: ReadOnly}]
"""


def with_accounts(sandbox, extra: str) -> None:
    sandbox.write_profiles(
        textwrap.dedent("""\
        version: 1
        defaults: {region: eu-west-1, source_profile: corp}
        """)
        + textwrap.dedent(extra)
    )


def test_web_identity_role_in_profiles_yaml(cli, sandbox, token_file):
    with_accounts(
        sandbox,
        f"""\
        accounts:
          - id: "222222222222"
            name: ci
            roles:
              - role: Deploy
                web_identity_token_file: {token_file}
        """,
    )
    assert cli("list", "--json").json()[0]["kind"] == "web_identity"
    result = cli("exec", "ci/Deploy", *IDENTITY)
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"].startswith("arn:aws:sts::222222222222:assumed-role/Deploy/")


def test_web_identity_profile_in_the_aws_config(cli, sandbox, token_file):
    sandbox.aws_config.write_text(
        f"[profile ci]\nrole_arn = arn:aws:iam::333333333333:role/CI\nweb_identity_token_file = {token_file}\n"
        "role_session_name = pipeline\nregion = eu-west-1\n"
    )
    result = cli("exec", "ci", *IDENTITY)
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"] == "arn:aws:sts::333333333333:assumed-role/CI/pipeline"


def test_an_expired_web_identity_token_is_one_line(cli, sandbox, token_file):
    token_file.write_text(jwt(datetime.now(UTC) - timedelta(minutes=5)))
    sandbox.aws_config.write_text(
        f"[profile ci]\nrole_arn = arn:aws:iam::333333333333:role/CI\nweb_identity_token_file = {token_file}\n"
    )
    result = cli("process", "ci")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) <= 2 and "expired at" in result.err


def test_saml_source_synced_then_used_like_any_profile(cli, sandbox):
    assertion = sandbox.root / "assertion.b64"
    assertion.write_text(
        saml_response(
            ["arn:aws:iam::222222222222:role/Admin,arn:aws:iam::222222222222:saml-provider/okta"],
            datetime.now(UTC) + timedelta(minutes=5),
        )
    )
    with_accounts(
        sandbox,
        f"""\
        saml:
          - name: okta
            assertion_process: cat {assertion}
            region: eu-west-1
        accounts:
          - id: "222222222222"
            name: prod
            roles: [{{role: ReadOnly}}]
        """,
    )
    assert "prod/Admin" not in {row["name"] for row in cli("list", "--json").json()}  # not discovered yet
    synced = cli("sync", "okta")
    assert synced.code == 0, synced.err
    assert "okta: 1 role offered (prod/Admin)" in synced.err
    row = next(row for row in cli("list", "--json").json() if row["name"] == "prod/Admin")
    assert (row["kind"], row["source"]) == ("saml", "saml:okta")
    result = cli("exec", "prod/Admin", *IDENTITY)
    assert result.code == 0, result.err
    assert json.loads(result.out)["Account"] == "222222222222"


def test_federated_user_works_in_exec_and_in_the_console(cli, sandbox, federation):
    with_accounts(sandbox, CONTRACTOR)
    row = next(row for row in cli("list", "--json").json() if row["name"] == "corp/contractor")
    assert row["kind"] == "federation"
    result = cli("exec", "corp/contractor", *IDENTITY)
    assert result.code == 0, result.err
    assert json.loads(result.out)["Arn"]  # moto names every federated caller user/moto; AWS says federated-user
    console = cli("console", "corp/contractor", "--print")
    assert console.code == 0, console.err
    assert "SigninToken=demo-sign-in-token" in console.out
    assert json.loads(federation[-1]["Session"][0])["sessionToken"]


def test_bad_settings_of_each_source_are_path_line(cli, sandbox):
    with_accounts(
        sandbox,
        """\
        saml:
          - name: okta
        accounts:
          - id: "111111111111"
            name: corp
            federated_users:
              - name: contractor
                duration: 40h
            roles:
              - role: CI
                web_identity_token_file: /tmp/t
                web_identity_token_process: print-token
        """,
    )
    result = cli("check")
    assert result.code == 2
    lines = result.out.splitlines()
    where = str(sandbox.profiles)
    assert any(line.startswith(f"{where}:4: ") and "assertion_process" in line for line in lines), result.out
    assert any(line.startswith(f"{where}:") and "40h" in line for line in lines), result.out
    assert any(line.startswith(f"{where}:12: ") and "not both" in line for line in lines), result.out


def test_a_federated_user_may_ask_for_36_hours_a_role_may_not(cli, sandbox):
    with_accounts(sandbox, CONTRACTOR)
    assert cli("assume", "corp/contractor", "--duration", "36h").code == 0
    role = cli("assume", "corp/ReadOnly", "--duration", "36h")
    assert role.code == 2 and "outside 15m..12h" in role.err
