"""Commands that run something with a profile's credentials: exec and shell."""

from __future__ import annotations

import argparse
import os

from rolecall.cli import parser as opts
from rolecall.cli.common import session_for
from rolecall.cli.output import say


def opt_exec(p: argparse.ArgumentParser) -> None:
    opt_shell(p)


def opt_shell(p: argparse.ArgumentParser) -> None:
    opts.profile(p)
    opts.mfa_code(p)
    opts.force(p)
    opts.region(p)
    opts.duration(p)


def _role_env(args: argparse.Namespace) -> dict[str, str]:
    from rolecall.core.environ import check_not_nested, role_environ

    check_not_nested(os.environ, args.force)
    return role_environ(os.environ, session_for(args))


def cmd_exec(args: argparse.Namespace) -> int:
    from rolecall.core import spawn
    from rolecall.core.errors import ConfigError

    if not args.cmd:
        raise ConfigError("no command given: rolecall exec PROFILE -- COMMAND [ARGS...]")
    spawn.replace_process(list(args.cmd), _role_env(args))
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    from urllib.parse import quote

    from rolecall.core import paths, spawn

    env = _role_env(args)
    workdir = paths.cache_dir() / "shell" / quote(args.profile, safe="")
    argv, env = spawn.shell_argv(env, args.profile, workdir)
    say(f"shell with {args.profile} credentials; exit to leave")
    spawn.replace_process(argv, env)
    return 0
