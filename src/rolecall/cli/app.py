"""The app and the demo."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

APP_OPTIONS = ("--profiles", "--theme")  # the global options that take a value (cli/parser.py's GLOBAL_VALUED)


def app_arguments(argv: list[str]) -> Any:
    """`rolecall [--profiles P] [--theme T] [ui]` as the parser would read it, without argparse
    (building the full parser imports every command's module: ~40 ms before the app's first
    frame): a namespace like the parser's, or None for anything else, which the parser reads."""
    values: dict[str, str | None] = {"profiles": None, "theme": None}
    words = list(argv)
    while words and words[0] != "ui":
        option, has_value, value = words.pop(0).partition("=")
        if option not in APP_OPTIONS:
            return None
        if not has_value:
            if not words or words[0].startswith("-"):
                return None  # argparse says what is missing
            value = words.pop(0)
        values[option.removeprefix("--")] = value
    if words[1:]:  # `ui` takes no arguments: argparse says so
        return None
    return SimpleNamespace(command="ui", handler=cmd_ui, cmd=[], **values)


def cmd_ui(args: argparse.Namespace | SimpleNamespace) -> int:
    from rolecall.tui.run import run_app

    return run_app(profiles=args.profiles, theme=getattr(args, "theme", None))


def opt_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cli",
        action="store_true",
        help="open a shell set up for the demo instead of the TUI (rolecall demo --cli -- COMMAND ...: "
        "run one command in it)",
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from rolecall import collector
    from rolecall.cli.sso import Progress
    from rolecall.demo import SSO_SESSION, run_demo

    collector.resume()  # the demo's servers answer for as long as it runs
    command = list(args.cmd) or None
    progress = Progress(SSO_SESSION)  # a shell or a command waits for the discovery: its count on a terminal

    def discovering(done: int, known: int, roles: int) -> None:
        progress(done, known, roles)
        if done == known:
            progress.end()

    try:
        return run_demo(
            cli=args.cli,
            theme=getattr(args, "theme", None),
            command=command,
            progress=discovering if args.cli or command else None,
        )
    finally:
        progress.end()  # a discovery that failed: its error goes on a line of its own
