"""Run a user's command (a token or assertion helper) and take what it prints, with a time limit."""

from __future__ import annotations

import shlex
import subprocess

from rolecall.core.errors import ConfigError


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
    try:
        done = subprocess.run(
            argv, capture_output=True, stdin=subprocess.DEVNULL, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{what} {argv[0]} gave no answer within {timeout:g} seconds") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {argv[0]} failed to run: {exc.strerror if isinstance(exc, OSError) else exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        raise ConfigError(f"{what} {argv[0]} exited {done.returncode}: {last}".rstrip(": "))
    text = done.stdout.strip()
    if not text:
        raise ConfigError(f"{what} {argv[0]} printed nothing")
    return text
