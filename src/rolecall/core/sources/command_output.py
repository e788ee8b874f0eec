"""Run a user's command (a token or assertion helper) and take what it prints, with a time limit."""

from __future__ import annotations

import shlex
import subprocess

from rolecall.core.errors import ConfigError
from rolecall.core.sources.keys import run_process


def command_output(what: str, command: str, timeout: float) -> str:
    """The stripped stdout of `command`; one ConfigError line if it cannot run, times out, fails or prints nothing.

    stdin is empty and stderr is captured (the app owns the terminal: nothing may read its keys or
    write over its screen); stderr's last line is the reason given when the command fails. A helper
    that must talk to the user opens a browser or /dev/tty, as browser-based SAML helpers do.
    """
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"{what} {command!r} cannot be split into arguments: {exc}") from None
    if not argv:
        raise ConfigError(f"{what} is empty")
    status, out, err = run_process(argv, timeout, stdin=subprocess.DEVNULL)
    if status is None:
        raise ConfigError(f"{what} {argv[0]} gave no answer within {timeout:g} seconds")
    if status != 0:
        last = (err.strip().splitlines() or [""])[-1]
        raise ConfigError(f"{what} {argv[0]} exited {status}: {last}".rstrip(": "))
    text = out.strip()
    if not text:
        raise ConfigError(f"{what} {argv[0]} printed nothing")
    return text
