"""A program on a real pseudo-terminal, driven as a person at the keyboard would drive it."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import time
from collections.abc import Mapping, Sequence


class Terminal:
    """`argv` running on a fresh pty (its controlling terminal); read what it shows, type into it."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], *, cwd: str | None = None):
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes the program, with the pty as stdin, stdout, stderr and /dev/tty
            try:
                if cwd:
                    os.chdir(cwd)
                os.execvpe(argv[0], list(argv), {**env, "TERM": env.get("TERM", "xterm-256color")})
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.screen = b""
        self.status: int | None = None

    @property
    def text(self) -> str:
        return self.screen.decode("utf-8", "replace")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the program has closed the terminal
            return False
        self.screen += data
        return bool(data)

    def expect(self, pattern: str, timeout: float = 30) -> re.Match:
        """Wait until the screen shows `pattern` (a regex); fail with the screen's tail if it does not."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.text)
            if found:
                return found
            if time.monotonic() > deadline or not self._read(0.2):
                raise AssertionError(f"{pattern!r} never appeared; the terminal shows:\n{self.text[-2000:]}")

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
        raise AssertionError(f"still running after {timeout}s; the terminal shows:\n{self.text[-2000:]}")

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
