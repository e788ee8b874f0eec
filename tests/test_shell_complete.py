"""Completion: the hidden `rolecall __complete` and Tab in real bash, zsh and fish."""

from __future__ import annotations

import pytest

from tests.shells import Shell

# An ~/.aws/config profile whose name holds a colon, where bash splits words.
AWS_CONFIG = """\
[profile team:data]
role_arn = arn:aws:iam::555555555555:role/Analyst
source_profile = corp
"""


def lines(result) -> list[str]:
    assert result.code == 0, result.err
    assert result.err == ""
    return result.out.splitlines()


def test_commands_options_and_profiles_come_from_the_parser_and_the_index(cli):
    assert {"assume", "exec", "init", "use", "sessions"} <= set(lines(cli("__complete", "zsh", "rolecall", "")))
    assert lines(cli("__complete", "fish", "rolecall", "se")) == ["sessions"]
    assert lines(cli("__complete", "zsh", "rolecall", "use", "prod/")) == ["prod/Admin", "prod/ReadOnly"]
    assert lines(cli("__complete", "zsh", "rolecall", "exec", "--", "")) == []
    assert lines(cli("__complete", "zsh", "rolecall", "exec", "--re")) == ["--region"]
    assert "--emit" not in lines(cli("__complete", "zsh", "rolecall", "use", "--"))
    assert lines(cli("__complete", "zsh", "rolecall", "export", "prod/Admin", "--format", "j")) == ["json"]
    assert lines(cli("__complete", "zsh", "rolecall", "init", "")) == ["bash", "fish", "powershell", "zsh"]
    assert lines(cli("__complete", "zsh", "rolecall", "use", "prod/Admin", "")) == []


def test_a_new_profile_is_completed_at_once_and_a_broken_index_is_rebuilt(cli, sandbox):
    assert lines(cli("__complete", "zsh", "rolecall", "use", "team")) == []
    sandbox.aws_config.write_text(AWS_CONFIG)
    assert lines(cli("__complete", "zsh", "rolecall", "use", "team")) == ["team:data"]
    for stale in sandbox.cache.glob("*.json"):
        stale.write_text("{not json")
    assert lines(cli("__complete", "zsh", "rolecall", "use", "team")) == ["team:data"]


def test_bash_gets_words_cut_where_bash_splits_them(cli, sandbox):
    sandbox.aws_config.write_text(AWS_CONFIG)
    assert lines(cli("__complete", "bash", "rolecall use team:d")) == ["data"]
    assert lines(cli("__complete", "bash", "rolecall use tea")) == ["team:data"]
    assert lines(cli("__complete", "bash", "rolecall --pro")) == ["--profiles"]


def test_a_bad_request_is_one_line(cli):
    result = cli("__complete", "tcsh")
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("rolecall: usage: rolecall __complete")


@pytest.mark.parametrize("name", ["bash", "zsh", "fish"])
def test_tab_completes_the_function_in_each_shell(name, sandbox, tmp_path):
    sandbox.aws_config.write_text(AWS_CONFIG)
    sh = Shell(name, sandbox, tmp_path)
    try:
        sh.term.type("rolecall sess\t")
        sh.term.expect(r"rolecall sessions ?")
        sh.term.type("\x15")  # Ctrl+U: clear the line
        sh.term.type("rolecall use prod/R\t")
        sh.term.expect(r"rolecall use prod/ReadOnly")
        sh.term.type("\x15")
        sh.term.type("rolecall use team:\t")
        sh.term.expect(r"rolecall use team:data")
        sh.term.type("\x15")
        sh.term.type("rolecall use prod/\t\t")
        sh.term.expect(r"prod/Admin\s+prod/ReadOnly")
        sh.term.type("\x15\n")
    finally:
        sh.close()
