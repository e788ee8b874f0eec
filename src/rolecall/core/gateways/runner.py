"""Running a user's helper command (credential_process, mfa_process, token and assertion helpers):
with a time limit, a cap on what it may print, and a marker that stops a process calling itself.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO

from rolecall.core.domain.errors import ConfigError

MAX_OUTPUT = 1 << 20  # what a helper may print on stdout or stderr: credentials and tokens are a few KiB
# The profiles whose credential_process is running, outermost first, separated by "\x1f" (a
# character no profile name holds): a rolecall started by one of them refuses to run the same
# profile's process again.
CHAIN_VAR = "ROLECALL_PROCESS_CHAIN"
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Finished:
    """What a command did: its exit status (None when it ran past its time), stdout and stderr."""

    status: int | None
    out: str
    err: str

    def last_error_line(self) -> str:
        return (self.err.strip().splitlines() or [""])[-1]


def split(what: str, command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"{what} {command!r} cannot be split into arguments: {exc}") from None
    if not argv:
        raise ConfigError(f"{what} is empty")
    return argv


def run(
    what: str, argv: list[str], timeout: float, *, stdin: int | None = None, env: dict[str, str] | None = None
) -> Finished:
    """Run argv; a ConfigError line if it cannot start or prints more than MAX_OUTPUT (it is killed).

    Output is read until the process exits, then only briefly: a child it left behind that keeps
    stdout open must not keep us waiting. The terminal stays the user's, so a process may prompt
    on /dev/tty; `stdin` (default: ours) may be subprocess.DEVNULL.
    """
    try:
        child = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    except OSError as exc:
        raise ConfigError(f"cannot run {what} {argv[0]}: {exc.strerror or exc}") from None
    chunks: dict[int, list[bytes]] = {1: [], 2: []}
    too_much = threading.Event()

    def drain(stream: IO[bytes], into: list[bytes]) -> None:
        size = 0
        for block in iter(lambda: os.read(stream.fileno(), 65536), b""):
            size += len(block)
            if size > MAX_OUTPUT:
                too_much.set()
                child.kill()
                return
            into.append(block)

    readers = [
        threading.Thread(target=drain, args=(stream, chunks[n]), daemon=True)
        for n, stream in ((1, child.stdout), (2, child.stderr))
    ]
    for reader in readers:
        reader.start()
    try:
        status: int | None = child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        status = None
    for reader in readers:
        reader.join(1.0)
    if too_much.is_set():
        raise ConfigError(f"{what} {argv[0]} printed more than {MAX_OUTPUT // 1024} KiB: stopped it")
    out, err = (b"".join(chunks[n]).decode("utf-8", "replace") for n in (1, 2))
    return Finished(status, out, err)


def detached(module: str, *args: str, feed: bytes | None = None) -> None:
    """Run `python -m module args` in a session of its own, so it outlives this process (the CLI or
    the app quitting); `feed` reaches it through a pipe, never its command line."""
    child = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdin=subprocess.DEVNULL if feed is None else subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
    if feed is not None and child.stdin is not None:
        with child.stdin:
            child.stdin.write(feed)


def command_output(what: str, command: str, timeout: float) -> str:
    """The stripped stdout of `command`; one ConfigError line if it cannot run, times out, fails or prints nothing.

    stdin is empty and stderr is captured (the app owns the terminal: nothing may read its keys or
    write over its screen); stderr's last line is the reason given when the command fails. A helper
    that must talk to the user opens a browser or /dev/tty, as browser-based SAML helpers do.
    """
    argv = split(what, command)
    done = run(what, argv, timeout, stdin=subprocess.DEVNULL)
    if done.status is None:
        raise ConfigError(f"{what} {argv[0]} gave no answer within {timeout:g} seconds")
    if done.status != 0:
        raise ConfigError(f"{what} {argv[0]} exited {done.status}: {done.last_error_line()}".rstrip(": "))
    text = done.out.strip()
    if not text:
        raise ConfigError(f"{what} {argv[0]} printed nothing")
    return text


# The profiles this thread is getting credentials for, outermost first (the engine sets it).
_getting: ContextVar[tuple[str, ...]] = ContextVar("rolecall_getting", default=())


def _inherited_chain() -> list[str]:
    return [name for name in os.environ.get(CHAIN_VAR, "").split(_SEPARATOR) if name]


@contextlib.contextmanager
def getting(profile: str) -> Iterator[None]:
    """Mark `profile` as being got while the block runs; a ConfigError naming the loop when a
    credential_process started on the way to it asks rolecall for it again."""
    chain = [*_inherited_chain(), *_getting.get()]
    if profile in chain:
        loop = " -> ".join([*chain[chain.index(profile) :], profile])
        raise ConfigError(f"credential_process loop: {loop} (a credential_process asks rolecall for {profile} again)")
    token = _getting.set((*_getting.get(), profile))
    try:
        yield
    finally:
        _getting.reset(token)


def helper_env() -> dict[str, str]:
    """The environment of a credential_process: ours, with the chain of profiles being got on the way to it."""
    chain = [*_inherited_chain(), *_getting.get()]
    return {**os.environ, CHAIN_VAR: _SEPARATOR.join(chain)}
