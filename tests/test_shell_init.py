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
