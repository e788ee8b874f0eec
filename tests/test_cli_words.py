"""The CLI's words: a mistyped command or profile gets a suggestion, usage lines tell the truth,
and no text from a file or a server reaches the terminal with its control characters."""

from __future__ import annotations

import pytest

HOSTILE = "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\x9b31m\rX"


def test_a_mistyped_command_is_one_line_with_a_suggestion(cli):
    result = cli("lsit")
    assert result.code == 2
    assert result.err == "rolecall: unknown command 'lsit'; did you mean `rolecall list`?\n"


def test_a_word_that_is_no_command_and_near_none_points_at_help(cli):
    result = cli("--profiles", "x.yaml", "xyzzy")
    assert result.code == 2
    assert "unknown command 'xyzzy'; run `rolecall --help`" in result.err


def test_profile_suggestions_ignore_case(cli):
    result = cli("assume", "PROD/readonly")
    assert result.code == 2
    assert "hint: did you mean prod/ReadOnly" in result.err


def test_exec_usage_shows_where_the_command_goes(cli):
    result = cli("exec", "--help")
    assert result.code == 0
    assert "usage: rolecall exec [options] PROFILE -- COMMAND [ARGS...]" in result.out


def test_duration_help_names_the_real_limits(cli):
    result = cli("assume", "--help")
    assert "15m..36h" in " ".join(result.out.split())


@pytest.mark.parametrize("where", ["check", "hint"])
def test_names_from_files_reach_the_terminal_without_control_characters(cli, sandbox, where):
    if where == "check":
        sandbox.aws_config.write_text(
            f"[profile bad{HOSTILE.replace(chr(13), '')}]\nrole_arn = not-an-arn\nsource_profile = corp\n"
        )
        result = cli("check")
    else:
        sandbox.aws_config.write_text(
            "[profile deploy\x1b]52;c;\x07]\nrole_arn = arn:aws:iam::222222222222:role/Ops\nsource_profile = corp\n"
        )
        result = cli("assume", "deploy")
    seen = result.out + result.err
    assert "\x1b" not in seen and "\x07" not in seen and "\x9b" not in seen and "\r" not in seen
    assert "\\x1b]52;c;" in seen  # shown, made visible (in the problem, or in the suggestion)
