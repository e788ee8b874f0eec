"""The one argparse parser, built from the command table, and the split of `exec`'s command."""

from __future__ import annotations

import argparse
import difflib
from importlib import import_module
from typing import Any

from rolecall import __version__
from rolecall.cli.table import COMMANDS, RUNS_A_COMMAND, Command
from rolecall.core.domain.durations import MFA_MAX, ROLE_MIN, format_duration

GLOBAL_VALUED = ("--profiles", "--theme")


def resolve(name: str) -> Any:
    """`module:function` under rolecall.cli -> the function."""
    module, function = name.split(":")
    return getattr(import_module(f"rolecall.cli.{module}"), function)


# Options several commands share, worded once.


def profile(p: argparse.ArgumentParser) -> None:
    p.add_argument("profile", metavar="PROFILE")


def sso_session(p: argparse.ArgumentParser, what: str = "the SSO session (default: the only one)") -> None:
    p.add_argument("session", nargs="?", metavar="SESSION", help=what)


def mfa_code(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mfa-code", metavar="CODE", help="six-digit MFA code, if one is needed")


def region(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", metavar="REGION", help="region for the credentials (default: the profile's)")


def duration(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--duration",
        metavar="D",
        help=f"session length, e.g. 1h, 90m ({format_duration(ROLE_MIN)}.."
        f"{format_duration(MFA_MAX)}; roles up to their maximum, chained roles 1h)",
    )


def force(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true", help="allow running inside another rolecall environment")


def json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def build_parser(command_name: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, with the options of each, or of `command_name` only (the
    one being run: building the others' options imports their modules)."""
    # No abbreviated options (argparse's default): every reader of argv (the app's shortcut, the
    # command word, exec's split) sees the words as written.
    parser = argparse.ArgumentParser(
        prog="rolecall",
        description="AWS role switching: a TUI with live session countdowns, and a fast CLI.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"rolecall {__version__}")
    parser.add_argument(
        "--profiles", metavar="PATH", help="profiles.yaml to use (default: $ROLECALL_PROFILES or the config dir)"
    )
    parser.add_argument(
        "--theme", metavar="NAME", help="TUI theme: a bundled name, or a file stem in <config>/rolecall/themes"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(
            command.name, help=command.help, description=command.help, usage=command.usage, allow_abbrev=False
        )
        p.set_defaults(handler=command.handler)
        if command.options and command_name in (None, command.name):
            resolve(command.options)(p)
    return parser


def command_word(argv: list[str]) -> str | None:
    """The word naming the command (the first that is not an option or a global option's
    value, before any `--`), or None."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in GLOBAL_VALUED:
            skip = True
        elif word == "--":
            return None
        elif not word.startswith("-"):
            return word
    return None


def unknown_command(argv: list[str]) -> str | None:
    """A one-line message with a suggestion when the command word is not a command."""
    word = command_word(argv)
    names = [command.name for command in COMMANDS]
    if word is None or word in names:
        return None
    close = difflib.get_close_matches(word.lower(), names, n=1)
    hint = f"; did you mean `rolecall {close[0]}`?" if close else "; run `rolecall --help` for the list"
    return f"unknown command {word!r}{hint}"


# Options that take a value: needed to find where `exec`'s command starts when `--` is left out.
_VALUED = {*GLOBAL_VALUED, "--mfa-code", "--region", "--duration", "--port"}


def split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """rolecall's own arguments, and the command `exec` (or `demo --cli`) is to run.

    The command is what follows the first `--`; for `exec` written without `--`, it starts at
    the word after the profile. So options may stand before or after the profile.
    """
    if "--" in argv:
        at = argv.index("--")
        return argv[:at], argv[at + 1 :]
    words: list[str] = []
    skip = False
    for at, word in enumerate(argv):
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _VALUED
        else:
            words.append(word)
            if words[:1] == ["exec"] and len(words) == 3:
                return argv[:at], argv[at:]
    return argv, []


def parse(argv: list[str]) -> argparse.Namespace:
    """The namespace for argv: `command`, `handler` (a function), `cmd` (what follows `--`)."""
    argv, command = split_command(argv)
    parser = build_parser(command_word(argv) or "ui")  # no command word: the app
    args = parser.parse_args(argv)
    args.cmd = command
    if command and args.command not in RUNS_A_COMMAND:
        parser.error(f"unexpected arguments after --: {' '.join(command)}")
    if args.command is None:
        args.command, args.handler = "ui", "app:cmd_ui"
    args.handler = resolve(args.handler)
    return args


__all__ = ["Command", "build_parser", "command_word", "parse", "split_command", "unknown_command"]
