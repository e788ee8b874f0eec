"""The command line. Each sub-command imports what it needs inside its handler, so the paths a
cached session can serve (process, export, exec, list, ...) never load botocore or textual."""

from __future__ import annotations

import os
import sys

from rolecall import __version__


def _engine(args):
    """The engine over the user's profiles. Problems in other profiles are not mentioned here:
    commands that succeed are quiet (`process` runs on every SDK call); `list` and `check` tell."""
    from rolecall.core.engine import Engine

    return Engine.open(args.profiles, warn=_say)


def _say(message: str) -> None:
    from rolecall.core.quick import say

    say(f"rolecall: {message}")


def _code_source(args):
    from rolecall.core import mfa

    return mfa.default_source(getattr(args, "mfa_code", None))


def _session(args, engine=None):
    engine = engine or _engine(args)
    duration = None
    if getattr(args, "duration", None):
        from rolecall.core.durations import parse_duration
        from rolecall.core.errors import ConfigError

        try:
            duration = parse_duration(args.duration)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    session = engine.assume(args.profile, _code_source(args), refresh=getattr(args, "refresh", False), duration=duration)
    region = getattr(args, "region", None)
    if region:
        from dataclasses import replace

        from rolecall.core.regions import check_region

        session = replace(session, region=check_region(region))
    return session


# --------------------------------------------------------------------------- commands


def cmd_list(args) -> int:
    from rolecall.core.credentials import iso
    from rolecall.core.display import printable

    engine = _engine(args)
    for problem in engine.unreadable():
        _say(printable(str(problem)))
    if engine.unreadable():
        return 2
    problems = engine.problems()
    if problems:
        _say(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in your profiles (those are skipped): "
             "run `rolecall check`")
    now = engine.now()
    live = {session.profile: session for session in engine.live_sessions()}  # one directory read, not one per profile
    rows = [(p, live.get(p.name)) for p in engine.catalog.profiles.values()]
    if args.json:
        out = [
            {
                "name": p.name,
                "account": p.account_name,
                "account_id": p.account_id,
                "role": p.role_name,
                "role_arn": p.role_arn,
                "region": p.region,
                "mfa": p.needs_mfa,
                "source": p.source,
                "kind": p.kind,
                "tags": p.tags,
                "session_expires": iso(s.expiration) if s and s.expiration else None,
            }
            for p, s in rows
        ]
        _print_json(out)
        return 0
    if not rows:
        _say("no profiles: create profiles.yaml (see profiles.example.yaml) or add profiles to ~/.aws/config")
        return 0

    table = [("PROFILE", "ACCOUNT", "ROLE", "REGION", "MFA", "SESSION")] + [
        (printable(p.name), printable(_account_label(p)), printable(p.role_name or p.kind), p.region or "-",
         "yes" if p.needs_mfa else "-", _left(s.expiration if s else None, now))
        for p, s in rows
    ]
    _print_table(table)
    return 0


def _account_label(profile) -> str:
    """`name (id)`, the id once when the account has no name of its own, `-` when unknown."""
    name, number = profile.account_name, profile.account_id
    if name and number and name != number:
        return f"{name} ({number})"
    return name or number or "-"


def _left(expires, now) -> str:
    """Time left as the CLI's tables show it: H:MM:SS, `expired`, or `-` for no session."""
    from rolecall.core.credentials import format_remaining

    if expires is None:
        return "-"
    return "expired" if expires <= now else format_remaining(expires - now)


def _print_json(data) -> None:
    """Indented for a person at a terminal; compact (and C-encoded, so fast) for a program."""
    import json

    print(json.dumps(data, indent=2 if sys.stdout.isatty() else None))


def _print_table(rows) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def cmd_assume(args) -> int:
    from rolecall.core.credentials import format_remaining, iso

    engine = _engine(args)
    session = _session(args, engine)
    left = format_remaining(session.remaining(engine.now()))
    print(f"{session.profile}: session until {iso(session.expiration)} ({left} left)")
    return 0


def cmd_process(args) -> int:
    import json

    from rolecall.core.formats import process_json

    print(json.dumps(process_json(_session(args).credentials.to_dict())))
    return 0


def cmd_export(args) -> int:
    from rolecall.core.formats import render

    sys.stdout.write(render(args.format, _session(args)))
    return 0


def cmd_copy(args) -> int:
    from rolecall.core import clipboard
    from rolecall.core.formats import render

    delay = _clear_delay(args)  # a bad value is reported before anything is assumed or copied
    text = render(args.format, _session(args))
    how = clipboard.copy(text)
    note = ""
    if how == "system clipboard" and delay > 0:
        clipboard.clear_later(text, delay)
        note = f"; cleared in {delay:g}s if still there"
    _say(f"copied {args.profile} credentials ({args.format} format) to the {how}{note}")
    return 0


def _command(args) -> list[str]:
    return list(args.cmd)


# Options of `exec` and of the global parser that take a value: needed to find where the command starts.
_VALUED = {"--profiles", "--theme", "--mfa-code", "--region", "--duration"}


def split_command(argv: list[str]) -> tuple[list[str], list[str]]:
    """rolecall's own arguments, and the command `exec` (or `demo --cli`) is to run.

    The command is what follows the first `--`; for `exec` written without `--`, it starts at
    the word after the profile. So options may stand before or after the profile.
    """
    if "--" in argv:
        at = argv.index("--")
        return argv[:at], argv[at + 1:]
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


def _clear_delay(args) -> float:
    """--clear-after, else $ROLECALL_CLIPBOARD_CLEAR, else clipboard_clear_seconds in settings.yaml, else 60."""
    from rolecall.core import settings

    delay: float = settings.get("clipboard_clear_seconds", args.clear_after)
    return delay


def _role_env(args):
    from rolecall.core.environ import check_not_nested, role_environ

    check_not_nested(os.environ, args.force)
    return role_environ(os.environ, _session(args))


def cmd_exec(args) -> int:
    from rolecall.core import spawn
    from rolecall.core.errors import ConfigError

    command = _command(args)
    if not command:
        raise ConfigError("no command given: rolecall exec PROFILE -- COMMAND [ARGS...]")
    spawn.replace_process(command, _role_env(args))
    return 0


def cmd_shell(args) -> int:
    from urllib.parse import quote

    from rolecall.core import paths, spawn

    env = _role_env(args)
    workdir = paths.cache_dir() / "shell" / quote(args.profile, safe="")
    argv, env = spawn.shell_argv(env, args.profile, workdir)
    _say(f"shell with {args.profile} credentials; exit to leave")
    spawn.replace_process(argv, env)
    return 0


def cmd_sessions(args) -> int:
    from rolecall.core.credentials import iso

    engine = _engine(args)
    if args.clear:
        removed = engine.forget_all()
        _say(f"forgot {removed} cached session{'s' if removed != 1 else ''}")
        return 0
    now = engine.now()
    rows = [("role", s.profile, s.role_arn, s.expiration) for s in engine.live_sessions()]
    rows += [("mfa", m.serial, None, m.expiration) for m in engine.mfa_sessions()]
    if args.json:
        out = [
            {
                "kind": kind,
                "name": name,
                "role_arn": arn,
                "expires": iso(expires) if expires else None,
                "seconds_left": max(0, int((expires - now).total_seconds())) if expires else None,
            }
            for kind, name, arn, expires in rows
        ]
        _print_json(out)
        return 0
    if not rows:
        _say("no cached sessions")
        return 0
    from rolecall.core.display import printable

    _print_table([("KIND", "NAME", "EXPIRES", "LEFT")]
                 + [(k, printable(n), iso(e) if e else "-", _left(e, now)) for k, n, _, e in rows])
    return 0


def cmd_whoami(args) -> int:

    engine = _engine(args)
    _print_json(engine.whoami(_session(args, engine)))
    return 0


def cmd_console(args) -> int:
    from rolecall.core.console import signin_url

    url = signin_url(_session(args))
    if args.print:
        print(url)
        return 0
    import webbrowser

    if not webbrowser.open(url):
        print(url)
        _say("no browser to open: the sign-in URL is above (valid 15 minutes)")
    else:
        _say(f"opened the AWS console for {args.profile}")
    return 0


def cmd_check(args) -> int:
    from rolecall.core import paths
    from rolecall.core.engine import Engine

    catalog = Engine.open(args.profiles, use_index=False).catalog
    for problem in catalog.problems:
        print(problem)
    count = len(catalog.profiles)
    source = paths.profiles_file(args.profiles)
    if catalog.problems:
        _say(f"{len(catalog.problems)} problem(s); {count} profile(s) usable")
        return 2
    if not count:
        _say(f"no profiles found (looked in {source} and {paths.aws_config_file()})")
        return 2
    print(f"ok: {count} profile{'s' if count != 1 else ''}")
    return 0


def cmd_ui(args) -> int:
    from rolecall.tui.run import run_app

    return run_app(profiles=args.profiles, theme=getattr(args, "theme", None))


def cmd_demo(args) -> int:
    from rolecall.demo import run_demo

    return run_demo(cli=args.cli, theme=getattr(args, "theme", None), command=_command(args) or None)


# --------------------------------------------------------------------------- parser


def build_parser():
    import argparse

    from rolecall.core.formats import FORMATS

    parser = argparse.ArgumentParser(
        prog="rolecall",
        description="AWS role switching: a TUI with live session countdowns, and a fast CLI.",
    )
    parser.add_argument("--version", action="version", version=f"rolecall {__version__}")
    parser.add_argument("--profiles", metavar="PATH", help="profiles.yaml to use (default: $ROLECALL_PROFILES or the config dir)")
    parser.add_argument("--theme", metavar="NAME", help="TUI theme: a bundled name, or a file stem in <config>/rolecall/themes")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name, handler, help_text, profile=False, mfa=False):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        if profile:
            p.add_argument("profile", metavar="PROFILE")
        if mfa:
            p.add_argument("--mfa-code", metavar="CODE", help="six-digit MFA code, if one is needed")
        return p

    def region(p) -> None:
        p.add_argument("--region", metavar="REGION", help="region for the credentials' environment (default: the profile's)")

    def duration(p) -> None:
        p.add_argument("--duration", metavar="D", help="session length, e.g. 1h, 90m (15m..12h)")

    command("ui", cmd_ui, "open the TUI (the default)")
    p = command("list", cmd_list, "profiles with account, role, region and session left")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = command("assume", cmd_assume, "assume a profile and cache its session", profile=True, mfa=True)
    duration(p)
    p.add_argument("--refresh", action="store_true", help="assume again even if a cached session is valid")
    for name, handler, text in (
        ("exec", cmd_exec, "run a command with a profile's credentials (rolecall exec PROFILE -- COMMAND ...)"),
        ("shell", cmd_shell, "open $SHELL with a profile's credentials"),
    ):
        p = command(name, handler, text, profile=True, mfa=True)
        p.add_argument("--force", action="store_true", help="allow running inside another rolecall environment")
        region(p)
        duration(p)
    p = command("export", cmd_export, "print a profile's credentials for a shell or a file", profile=True, mfa=True)
    p.add_argument("--format", "-f", choices=FORMATS, default="env")
    region(p)
    p = command("process", cmd_process, "credential_process output (JSON, Version 1)", profile=True, mfa=True)
    region(p)
    p = command("copy", cmd_copy, "copy a profile's credentials to the clipboard", profile=True, mfa=True)
    p.add_argument("--format", "-f", choices=FORMATS, default="env")
    region(p)
    p.add_argument(
        "--clear-after", type=float, metavar="SECONDS",
        help="empty the clipboard after this long if it still holds the credentials "
             "(0: never; default $ROLECALL_CLIPBOARD_CLEAR, else clipboard_clear_seconds in settings, else 60)",
    )
    p = command("sessions", cmd_sessions, "cached sessions with time left")
    p.add_argument("--json", action="store_true")
    p.add_argument("--clear", action="store_true", help="forget every cached session")
    command("whoami", cmd_whoami, "GetCallerIdentity with a profile's credentials", profile=True, mfa=True)
    p = command("console", cmd_console, "open the AWS console signed in as a profile", profile=True, mfa=True)
    p.add_argument("--print", action="store_true", help="print the sign-in URL instead of opening a browser")
    region(p)
    duration(p)
    command("check", cmd_check, "validate profiles.yaml and ~/.aws/config")
    from rolecall.cli_request import add_command as add_request
    from rolecall.cli_sso import add_commands as add_sso

    add_sso(sub)
    add_request(sub, _session)
    p = command("demo", cmd_demo, "try rolecall against a local fake STS (needs the demo extra)")
    p.add_argument("--cli", action="store_true",
                   help="open a shell set up for the demo instead of the TUI (rolecall demo --cli -- COMMAND ...: "
                        "run one command in it)")
    return parser


def main(argv: list[str] | None = None) -> int:
    from rolecall.core.quick import say, serve

    argv = sys.argv[1:] if argv is None else argv
    served = serve(argv)  # `process`/`export` from a cached session: no argparse, no engine
    if served is not None:
        return served
    parser = build_parser()
    argv, command = split_command(argv)
    args = parser.parse_args(argv)
    args.cmd = command
    if command and args.command not in ("exec", "demo"):
        parser.error(f"unexpected arguments after --: {' '.join(command)}")
    if args.command is None:
        args.command = "ui"
        args.handler = cmd_ui
    from rolecall.core.errors import RolecallError

    try:
        return args.handler(args)
    except RolecallError as exc:
        _say(exc.message)
        if exc.hint:
            say(f"  hint: {exc.hint}")
        return exc.exit_code
    except KeyboardInterrupt:
        say("")
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # the last line of defence: one line, never a traceback
        from rolecall.core import settings

        if settings.from_env("debug"):
            raise
        _say(f"unexpected error ({type(exc).__name__}); set ROLECALL_DEBUG=1 for details")
        return 1
