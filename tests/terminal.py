"""A program on a real pseudo-terminal, driven as a person at the keyboard would drive it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping, Sequence

import pyte

SYNC_QUERY = b"\x1b[?2026$p"  # DECRQM: does the terminal draw a frame at once (synchronized output)?
SYNC_ANSWER = b"\x1b[?2026;2$y"  # yes, as kitty, iTerm2, WezTerm and Windows Terminal answer
SYNC_END = b"\x1b[?2026l"  # a frame ends


class Terminal:
    """`argv` running on a fresh pty (its controlling terminal); read what it shows, type into it.
    With `synchronized`, the terminal says it supports synchronized output, as modern terminals
    do, so an app that asks marks where each frame ends (see `frames`)."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        size: tuple[int, int] = (120, 40),
        synchronized: bool = False,
    ):
        columns, lines = size
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes the program, with the pty as stdin, stdout, stderr and /dev/tty
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
                os.execvpe(argv[0], list(argv), {**env, "TERM": env.get("TERM", "xterm-256color")})
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = b""
        self.screen = pyte.Screen(columns, lines)
        self._stream = pyte.ByteStream(self.screen)
        self.status: int | None = None
        self.synchronized = synchronized
        self.size = size

    @property
    def text(self) -> str:
        """Everything the program wrote, escape sequences and all."""
        return self.output.decode("utf-8", "replace")

    @property
    def display(self) -> str:
        """What the screen shows now, as a person sees it (a full-screen app redraws in place)."""
        return "\n".join(line.rstrip() for line in self.screen.display)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the program has closed the terminal
            return False
        if self.synchronized and SYNC_QUERY in self.output[-len(SYNC_QUERY) :] + data:
            os.write(self.fd, SYNC_ANSWER)
        self.output += data
        self._stream.feed(data)
        return bool(data)

    def frames(self) -> list[str]:
        """What the screen showed at the end of each frame written so far (synchronized only)."""
        screen = pyte.Screen(*self.size)
        stream = pyte.ByteStream(screen)
        shown = []
        for piece in self.output.split(SYNC_END)[:-1]:
            stream.feed(piece + SYNC_END)
            shown.append("\n".join(line.rstrip() for line in screen.display))
        return shown

    def expect(self, pattern: str, timeout: float = 30) -> re.Match:
        """Wait until the screen shows `pattern` (a regex); fail with the screen if it does not."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.display)
            if found:
                return found
            if time.monotonic() > deadline or not self._read(0.2):
                raise AssertionError(f"{pattern!r} never appeared; the terminal shows:\n{self.display}")

    def settle(self, quiet: float = 0.03, timeout: float = 10) -> None:
        """Read until nothing more comes for `quiet` seconds: a frame written in several pieces
        has ended (a program that keeps writing fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        while select.select([self.fd], [], [], quiet)[0]:
            if time.monotonic() > deadline:
                raise AssertionError(f"still writing after {timeout}s; the terminal shows:\n{self.display}")
            if not self._read(0):
                return

    def expect_gone(self, pattern: str, timeout: float = 30) -> None:
        """Wait until the screen no longer shows `pattern`."""
        deadline = time.monotonic() + timeout
        while re.search(pattern, self.display):
            if time.monotonic() > deadline or not self._read(0.2):
                raise AssertionError(f"{pattern!r} stayed; the terminal shows:\n{self.display}")

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode("utf-8"))

    def wait(self, timeout: float = 30) -> int:
        """The exit code, reading the terminal until the program ends."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                while self._read(0.05):
                    pass
                os.close(self.fd)
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            self._read(0.05)
        self.kill()
        raise AssertionError(f"still running after {timeout}s; the terminal shows:\n{self.display}")

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
