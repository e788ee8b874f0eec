"""The shell integration's commands: `init` (the code to eval), `use` (a session for the shell
function to evaluate) and the hidden `__complete`, answered before argparse is imported."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from rolecall.cli.output import say, write_out

if TYPE_CHECKING:
    import argparse

    from rolecall.core.domain.credentials import Session
    from rolecall.core.domain.profiles import Profile

INIT_EPILOG = """\
Put one line at the end of your shell's start-up file:
  bash        ~/.bashrc                    eval "$(rolecall init bash)"
  zsh         ~/.zshrc (after compinit)    eval "$(rolecall init zsh)"
  fish        ~/.config/fish/config.fish   rolecall init fish | source
  PowerShell  $PROFILE                     rolecall init powershell | Out-String | Invoke-Expression
Then `rolecall use PROFILE` gives the current shell a profile's credentials, `rolecall use --unset`
takes them away, `rolecall_prompt` prints the profile and the time left, and Tab completes."""


def opt_init(p: argparse.ArgumentParser) -> None:
    import argparse

    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = INIT_EPILOG
    p.add_argument("shell", metavar="SHELL", help="bash, zsh, fish or powershell")


def cmd_init(args: argparse.Namespace) -> int:
    from rolecall.core.shell import tab
    from rolecall.core.shell.scripts import init_script
    from rolecall.core.store import settings

    return write_out(init_script(args.shell, int(settings.get("refresh_before")), tab.command()))


def opt_use(p: argparse.ArgumentParser) -> None:
    import argparse

    from rolecall.cli import parser as opts
    from rolecall.core.shell import SHELLS

    p.add_argument("profile", metavar="PROFILE", nargs="?")
    opts.region(p)
    opts.mfa_code(p)
    p.add_argument("--unset", action="store_true", help="remove what `rolecall use` set")
    p.add_argument("--emit", choices=SHELLS, help=argparse.SUPPRESS)
    p.add_argument("--quietly", action="store_true", help=argparse.SUPPRESS)


def cmd_use(args: argparse.Namespace) -> int:
    from rolecall.core.domain.errors import ConfigError

    if not args.emit:
        raise ConfigError(
            "`rolecall use` changes the current shell, which a program cannot do by itself",
            hint='set up the shell integration first: eval "$(rolecall init bash)" (see rolecall init --help)',
        )
    if args.unset:
        raise ConfigError("`rolecall use --unset` takes no profile")
    if not args.profile:
        raise ConfigError("which profile? rolecall use PROFILE [--region R] [--mfa-code C], or rolecall use --unset")
    from rolecall.core.shell.use import script, without_use

    shown = os.environ.get("ROLECALL_EXPIRES", "")
    environ = without_use(os.environ)
    os.environ.clear()
    os.environ.update(environ)
    session = _session(args, int(shown) if shown.isdigit() else None)
    code = write_out(script(args.emit, session, args.region))
    if code == 0 and not args.quietly and session.expiration is not None:
        from datetime import UTC, datetime

        from rolecall.core.domain.credentials import format_remaining, iso

        left = format_remaining(session.expiration - datetime.now(UTC))
        say(f"{session.profile}: this shell has its session until {iso(session.expiration)} ({left} left)")
    return code


def _session(args: argparse.Namespace, shown: int | None) -> Session:
    """The cached session when more than the refresh lead is left, else a new one. With --quietly
    (the prompt hook, whose shell holds credentials expiring at `shown`), the cached one only when
    another shell has refreshed it since, and nobody is asked: a profile that needs a person is one
    line and exit 1."""
    from datetime import timedelta

    from rolecall.cli.common import engine_for
    from rolecall.core.domain.errors import MfaCodeRequired, RolecallError
    from rolecall.core.gateways import mfa
    from rolecall.core.store import settings

    engine = engine_for(args)
    found = engine.usable(args.profile)
    if found is not None:
        left = found.remaining(engine.now())
        if args.quietly and found.expiration is not None and shown is not None:
            if found.expiration.timestamp() > shown + 60:
                return _with_region(found, args)
        elif left is None or left >= timedelta(seconds=settings.get("refresh_before")):
            return _with_region(found, args)
    code_source = _nobody if args.quietly else mfa.default_source(args.mfa_code)
    try:
        return _with_region(engine.assume(args.profile, code_source, refresh=True), args)
    except MfaCodeRequired:
        if not args.quietly:
            raise
        raise RolecallError(
            f"{args.profile} expires soon and needs an MFA code: run `rolecall use {args.profile}`"
        ) from None


def _nobody(profile: Profile) -> str:
    from rolecall.core.domain.errors import MfaCodeRequired

    raise MfaCodeRequired(profile.mfa_serial or "", "no one to ask for an MFA code")


def _with_region(session: Session, args: argparse.Namespace) -> Session:
    if not args.region:
        return session
    from dataclasses import replace

    from rolecall.core.domain.regions import check_region

    return replace(session, region=check_region(args.region))


# -- completion: `rolecall __complete SHELL ...`, answered before argparse is imported


def complete(argv: list[str]) -> int:
    """Print the completions of the word being typed, one a line. bash passes the line up to the
    cursor; the other shells pass the words, the last being the one typed. The init scripts run
    this when core/shell/tab.py found the cache stale; it rebuilds what tab.py reads."""
    from rolecall.core.shell import tab as found

    try:
        if argv[:1] == ["bash"] and len(argv) == 2:
            words, raw = found.split_line(argv[1])
            answer = found.for_bash(found.candidates(words, _spec(), _names), raw)
        elif argv[:1] in (["zsh"], ["fish"], ["powershell"]) and len(argv) >= 2:
            answer = found.candidates(argv[1:], _spec(), _names)
        else:
            say("usage: rolecall __complete bash LINE | rolecall __complete zsh|fish|powershell WORDS...")
            return 2
    except Exception:  # a Tab must never print a traceback into the command line
        return 1
    return write_out("".join(f"{word}\n" for word in answer if "\n" not in word))


def _spec() -> dict[str, Any]:
    from rolecall.cli import table
    from rolecall.core.shell.complete import load_spec

    return load_spec(table.__file__, completion_spec)


def _names(profiles: str | None) -> list[str]:
    from rolecall.core.shell.complete import profile_names

    return profile_names(profiles, _rebuilt)


def _rebuilt(profiles: str | None) -> list[str]:
    from rolecall.core.sources.index import load_catalog

    return list(load_catalog(profiles).profiles)


def completion_spec() -> dict[str, Any]:
    """Every command's options (those with help), which take a value and its choices, and which
    take a profile, read from the real parser: the completion can never disagree with it."""
    import argparse

    from rolecall.cli.parser import build_parser
    from rolecall.core.shell import SHELLS

    def describe(parser: argparse.ArgumentParser) -> tuple[list[str], dict[str, list[str]]]:
        options: list[str] = []
        valued: dict[str, list[str]] = {}
        for action in parser._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            long = [o for o in action.option_strings if o.startswith("--")] or action.option_strings
            options += long
            if action.nargs != 0:
                for option in action.option_strings:
                    valued[option] = [str(c) for c in action.choices] if action.choices else []
        return options, valued

    parser = build_parser()
    spec: dict[str, Any] = {"commands": {}}
    spec["global"], spec["global_valued"] = describe(parser)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        options, valued = describe(command)
        positional = [a for a in command._actions if not a.option_strings]
        entry: dict[str, Any] = {
            "options": options,
            "valued": valued,
            "profile": any(a.dest == "profile" for a in positional),
        }
        if name == "init":
            entry["choices"] = list(SHELLS)
        spec["commands"][name] = entry
    return spec


__all__ = ["cmd_init", "cmd_use", "complete", "completion_spec", "opt_init", "opt_use"]
