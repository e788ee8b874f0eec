"""What the user is told of an error: one line for a failed job (`describe`), and what the
terminal shows when the app ends on an error nobody expected (a bug).

Textual ends the app on an exception its event loop catches and prints a traceback with every
frame's local variables, which can hold credentials. The app's `error_console` (the console
Textual prints those last words to) is this one: it turns that report into one line naming the
error's kind, or, with ROLECALL_DEBUG=1, the frames (file, line, function) and the error,
still without a single local variable.
"""

from __future__ import annotations

import io
import re
import sys
from typing import Any

from rich.console import Console

from rolecall.core.domain.errors import RolecallError
from rolecall.core.text.display import printable

# a frame's heading in Rich's traceback box: `│ /path/to/module.py:123 in function`, or
# `│ in function:123` when the file cannot be read
FRAME = re.compile(r"^│ (?:(\S+:\d+) in (\S+)|in (\S+:\d+))\s*│$")
# the traceback's last words: `ValueError: what it said` (or the bare kind)
ERROR = re.compile(r"([A-Za-z_][\w.]*)(?:: (.*))?")
DEBUG_HINT = "run `rolecall` with ROLECALL_DEBUG=1 for details"
REPORT_LIMIT = 1 << 20  # what is read of a report: a traceback is a few KiB


def describe(error: BaseException) -> str:
    """One line for a person: our own errors say what happened; anything else only its kind
    (its text or a traceback could hold credentials)."""
    if isinstance(error, RolecallError):
        return error.message
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}" + (f": {error.filename}" if error.filename else "")
    return f"unexpected error ({type(error).__name__}); {DEBUG_HINT}"


class ErrorConsole(Console):
    """A console for the app's last words: Textual's traceback becomes one line on stderr."""

    def __init__(self, *, debug: bool = False) -> None:
        super().__init__(markup=False, highlight=False, stderr=True)
        self.debug = debug

    def print(self, *objects: Any, **options: Any) -> None:
        written = io.StringIO()
        Console(file=written, width=200, color_system=None, markup=False, highlight=False).print(*objects, **options)
        report = written.getvalue()[:REPORT_LIMIT]
        if "Traceback" not in report:
            lines = report.rstrip("\n").splitlines()
        elif self.debug:
            kind, message = last_error(report)
            lines = frames(report) + [f"{kind}: {message}" if message else kind]
        else:
            lines = [f"rolecall: unexpected error ({last_error(report)[0]}); {DEBUG_HINT}"]
        sys.stderr.write("".join(printable(line) + "\n" for line in lines))
        sys.stderr.flush()


def last_error(report: str) -> tuple[str, str]:
    """The kind and message of the error a traceback ends with (its last line outside the box)."""
    for line in reversed(report.splitlines()):
        found = ERROR.fullmatch(line.strip())
        if found:
            return found.group(1), found.group(2) or ""
    return "an error", ""


def frames(report: str) -> list[str]:
    """The frames a traceback shows, as `  path:line in function`, oldest first."""
    found = (FRAME.match(line) for line in report.splitlines())
    return ["Traceback (most recent call last), local variables left out:"] + [
        f"  {where.group(1)} in {where.group(2)}" if where.group(1) else f"  in {where.group(3)}"
        for where in found
        if where
    ]
