"""The CLI's options where a user puts them: before or after the profile, `--` only where a command runs,
`--region` checked and exported."""

from __future__ import annotations

import json
import sys

import pytest

SHOW_ENV = "import json, os; print(json.dumps({k: os.environ.get(k) for k in ('ROLECALL_PROFILE', 'AWS_REGION')}))"


@pytest.mark.parametrize(
    "words",
    [
        ["exec", "prod/ReadOnly", "--force", "--"],
        ["exec", "--force", "prod/ReadOnly", "--"],
        ["exec", "prod/ReadOnly", "--region", "us-east-2", "--force", "--"],
        ["exec", "--force", "prod/ReadOnly"],  # no `--`: the command starts after the profile
    ],
)
def test_exec_options_may_stand_before_or_after_the_profile(cli, words):
    result = cli(*words, sys.executable, "-c", SHOW_ENV, env={"ROLECALL_PROFILE": "prod/Admin"})
    assert result.code == 0, result.err
    seen = json.loads(result.out)
    assert seen["ROLECALL_PROFILE"] == "prod/ReadOnly"
    assert seen["AWS_REGION"] == ("us-east-2" if "--region" in words else "eu-west-1")


def test_options_after_the_profile_for_assume(cli):
    result = cli("assume", "prod/Admin", "--mfa-code", "123456", "--duration", "30m")
    assert result.code == 0, result.err
    assert result.out.startswith("prod/Admin: session until ")
    assert "(0:29:5" in result.out or "(0:30:00" in result.out


def test_region_option_sets_the_exported_region(cli):
    result = cli("export", "prod/ReadOnly", "--region", "ap-south-1")
    assert result.code == 0, result.err
    assert "export AWS_REGION=ap-south-1" in result.out
    bad = cli("export", "prod/ReadOnly", "--region", "eu-west-1; rm -rf ~")
    assert (bad.code, bad.err.strip()) == (
        2,
        "rolecall: 'eu-west-1; rm -rf ~' is not an AWS region name (like eu-west-1)",
    )


def test_words_after_double_dash_are_refused_where_no_command_runs(cli):
    result = cli("list", "--", "oops")
    assert result.code == 2
    assert "unexpected arguments after --: oops" in result.err
