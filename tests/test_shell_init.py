"""`rolecall init` and `rolecall use` from outside the integration: what a user gets at the command line."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_init_prints_a_rolecall_function_prompt_and_completion(cli, shell):
    result = cli("init", shell)
    assert result.code == 0 and result.err == ""
    assert "rolecall" in result.out.splitlines()[0] and "init " + shell in result.out.splitlines()[0]
    assert "rolecall_prompt" in result.out and "__complete" in result.out


def test_init_bakes_in_the_refresh_lead(cli):
    assert "< 900 &&" in cli("init", "bash", env={"ROLECALL_REFRESH_BEFORE": "900"}).out


def test_an_unknown_shell_is_one_line(cli):
    result = cli("init", "tcsh")
    assert (result.code, result.out) == (2, "")
    assert result.err == "rolecall: unknown shell 'tcsh'; choose bash, zsh, fish or powershell\n"


def test_init_help_says_where_the_line_goes(cli):
    out = cli("init", "--help").out
    assert "~/.bashrc" in out and 'eval "$(rolecall init bash)"' in out and "rolecall init fish | source" in out


def test_use_without_the_integration_says_how_to_set_it_up(cli):
    result = cli("use", "prod/ReadOnly")
    assert result.code == 2 and result.out == ""
    assert result.err.splitlines() == [
        "rolecall: `rolecall use` changes the current shell, which a program cannot do by itself",
        '  hint: set up the shell integration first: eval "$(rolecall init bash)" (see rolecall init --help)',
    ]


def test_use_emits_no_secret_on_an_unknown_profile(cli):
    result = cli("use", "--emit", "bash", "nope/Admin")
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("rolecall: unknown profile 'nope/Admin'")


def test_use_on_a_full_disk_still_gives_the_shell_its_session_and_says_so(cli, sandbox, small_disk):
    disk = small_disk("64k")
    disk.fill()
    result = cli("use", "--emit", "bash", "prod/ReadOnly", env=disk.env)
    assert result.code == 0, result.err
    assert "export AWS_SECRET_ACCESS_KEY=" in result.out and "export ROLECALL_PROFILE=prod/ReadOnly" in result.out
    assert "the disk is full" in result.err and "Traceback" not in result.err


def test_use_emits_quoted_values_a_shell_reads_back(cli, sandbox):
    import shlex
    import subprocess

    out = cli("use", "--emit", "bash", "prod/ReadOnly", "--region", "us-east-2").out
    script = (
        "__rolecall_forget() { :; }\n" + out + 'printf "%s\\n" "$AWS_REGION" "$ROLECALL_PROFILE" "$__rolecall_vars"'
    )
    region, profile, names = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert (region, profile) == ("us-east-2", "prod/ReadOnly")
    assert shlex.split(names) == [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "ROLECALL_PROFILE",
        "ROLECALL_EXPIRES",
    ]
