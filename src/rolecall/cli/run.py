"""Commands that run something with a profile's credentials: exec and shell."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rolecall.cli import parser as opts
from rolecall.cli.common import engine_for, session_for
from rolecall.cli.output import say

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials


def opt_exec(p: argparse.ArgumentParser) -> None:
    opt_shell(p)


def opt_shell(p: argparse.ArgumentParser) -> None:
    opts.profile(p)
    opts.mfa_code(p)
    opts.force(p)
    opts.region(p)
    opts.duration(p)
    p.add_argument(
        "--server",
        action="store_true",
        help="serve refreshing credentials on a loopback endpoint instead of setting keys",
    )
    p.add_argument("--port", metavar="PORT", type=_port, default=0, help="the endpoint's port (default: any free one)")


def _port(text: str) -> int:
    import argparse

    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def _role_env(args: argparse.Namespace) -> dict[str, str]:
    from rolecall.core.text.environ import check_not_nested, role_environ

    check_not_nested(os.environ, args.force)
    return role_environ(os.environ, session_for(args))


def cmd_exec(args: argparse.Namespace) -> int:
    from rolecall.core.domain.errors import ConfigError
    from rolecall.core.gateways import spawn

    if not args.cmd:
        raise ConfigError("no command given: rolecall exec PROFILE -- COMMAND [ARGS...]")
    if args.server:
        return _served(args, list(args.cmd), os.environ)
    spawn.replace_process(list(args.cmd), _role_env(args))
    return 0


def _served(args: argparse.Namespace, argv: list[str], environ: Mapping[str, str]) -> int:
    """Run argv as our child with a credential server for it; its exit status is ours. A signal
    sent to us reaches the child; one still running 5 s later is killed."""
    from rolecall.core.gateways import mfa, spawn
    from rolecall.core.shell.server import CredentialServer
    from rolecall.core.store import settings
    from rolecall.core.text.environ import check_not_nested

    check_not_nested(os.environ, args.force)
    engine = engine_for(args)
    first = [session_for(args, engine)]  # --mfa-code and --duration serve the first fetch

    def fetch(refresh: bool) -> Credentials:
        if first:
            return first.pop().credentials
        return engine.assume(
            args.profile, mfa.default_source(None), refresh=refresh, duration=_duration(args)
        ).credentials

    region = args.region or engine.profile(args.profile).region
    server = CredentialServer(
        fetch,
        clock=engine.clock,
        lead=settings.get("refresh_before"),
        port=args.port,
        warn=lambda line: say(f"{args.profile}: {line}"),
    )
    with server:
        return spawn.run(argv, server.environ(environ, args.profile, region), kill_after=5.0)


def _duration(args: argparse.Namespace) -> int | None:
    from rolecall.core.domain.durations import parse_duration

    return parse_duration(args.duration) if args.duration else None


def cmd_shell(args: argparse.Namespace) -> int:
    from urllib.parse import quote

    from rolecall.core.gateways import spawn
    from rolecall.core.store import paths

    workdir = paths.cache_dir() / "shell" / quote(args.profile, safe="")
    if args.server:
        argv, env = spawn.shell_argv(os.environ, args.profile, workdir)
        say(f"shell with {args.profile} credentials from a local credential server; exit to leave")
        return _served(args, argv, env)
    env = _role_env(args)
    argv, env = spawn.shell_argv(env, args.profile, workdir)
    say(f"shell with {args.profile} credentials; exit to leave")
    spawn.replace_process(argv, env)
    return 0
