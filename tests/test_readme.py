"""README.md quotes only commands rolecall has: every `rolecall ...` in a code block parses.

Three kinds of quotes are checked against rolecall.cli.build_parser():
- console lines (`$ rolecall assume prod/Admin --mfa-code 123456`, also after `VAR=value` or before
  `| head`) and `credential_process = rolecall ...` lines are parsed as the CLI parses them;
- synopsis lines (`rolecall exec P [--force] [--region R] -- CMD ARGS...   description`) name a real
  sub-command, and every option they show is an option of that sub-command.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from rolecall.cli.parser import build_parser, split_command

README = Path(__file__).resolve().parent.parent / "README.md"


def code_lines() -> list[tuple[int, str]]:
    """(line number, text) of every line inside a fenced code block."""
    inside, found = False, []
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            inside = not inside
        elif inside:
            found.append((number, line))
    return found


def console_commands() -> list[tuple[int, list[str]]]:
    """argv (after `rolecall`) of each console line and credential_process value that runs rolecall."""
    commands = []
    for number, line in code_lines():
        if line.startswith("$ "):
            text = re.split(r"\s{2,}#", line[2:])[0]  # a trailing `   # comment`
        elif re.match(r"credential_process\s*=\s*rolecall ", line):
            text = line.split("=", 1)[1]
        else:
            continue
        words = shlex.split(text)
        if "rolecall" not in words:
            continue  # `aws ...`, or rolecall inside `$(...)`
        words = words[words.index("rolecall") + 1 :]
        if "|" in words:
            words = words[: words.index("|")]
        commands.append((number, words))
    return commands


def synopsis_lines() -> list[tuple[int, str]]:
    """Usage lines of the CLI summary: `rolecall COMMAND ...` with the description cut off."""
    return [(number, re.split(r"\s{3,}", line)[0]) for number, line in code_lines() if line.startswith("rolecall ")]


def sub_parsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_readme_quotes_commands_of_every_kind():
    names = {words[0] for _, words in console_commands() if words}
    assert {"check", "assume", "exec", "list", "sessions", "login", "process", "console"} <= names
    assert len(synopsis_lines()) >= 15


@pytest.mark.parametrize(("line", "argv"), console_commands(), ids=lambda value: str(value))
def test_each_quoted_console_command_parses(line, argv):
    own, command = split_command(argv)
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            args = build_parser().parse_args(own)
    except SystemExit:
        pytest.fail(f"README.md:{line}: `rolecall {' '.join(argv)}` does not parse: {errors.getvalue().strip()}")
    assert args.command is not None or not own, f"README.md:{line}"
    if command:
        assert args.command in ("exec", "demo"), f"README.md:{line}: only exec and demo take a command"


@pytest.mark.parametrize(("line", "usage"), synopsis_lines(), ids=lambda value: str(value))
def test_each_synopsis_line_names_a_real_command_and_its_options(line, usage):
    words = usage.split()[1:]
    if not words:
        return  # `rolecall` alone: the app
    parsers = sub_parsers()
    assert words[0] in parsers, f"README.md:{line}: {words[0]!r} is not a rolecall command"
    parser = parsers[words[0]]
    for word in words[1:]:  # a command with sub-commands (`sso populate`): that sub-command's options
        nested = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        if nested is None or word not in nested.choices:
            break
        parser = nested.choices[word]
    known = {option for action in parser._actions for option in action.option_strings}
    shown = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", usage))
    assert shown <= known, f"README.md:{line}: {sorted(shown - known)} are not options of `rolecall {words[0]}`"
