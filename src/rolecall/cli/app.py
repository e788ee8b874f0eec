"""The app and the demo."""

from __future__ import annotations

import argparse


def cmd_ui(args: argparse.Namespace) -> int:
    from rolecall.tui.run import run_app

    return run_app(profiles=args.profiles, theme=getattr(args, "theme", None))


def opt_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cli", action="store_true",
                   help="open a shell set up for the demo instead of the TUI (rolecall demo --cli -- COMMAND ...: "
                        "run one command in it)")


def cmd_demo(args: argparse.Namespace) -> int:
    from rolecall.demo import run_demo

    return run_demo(cli=args.cli, theme=getattr(args, "theme", None), command=list(args.cmd) or None)
