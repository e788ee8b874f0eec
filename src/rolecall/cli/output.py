"""Everything the CLI writes to a terminal goes through here.

Messages (stderr) are sanitised in one place: text from servers, files and names may carry
escape sequences, and `say` makes every control character visible before it reaches the
terminal. Data (stdout) is written by `write_out`, which turns a closed pipe into exit 1 rather
than a traceback. This module is on the fast path: standard library only.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from rolecall.core.text.display import printable


def prepare_streams() -> None:
    """Text the output encoding cannot hold (PYTHONIOENCODING=ascii, a C locale) is written with
    backslash escapes instead of failing; called first by main(), so every command gets it."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            try:
                reconfigure(errors="backslashreplace")
            except (OSError, ValueError):
                pass


def say(message: str) -> None:
    """`rolecall: message` on stderr, one line per line of `message`, every control character
    made visible; a closed or broken stderr loses it, never the answer."""
    if sys.stderr is None:  # started with stderr closed: print(file=None) would write to stdout
        return
    lines = message.splitlines() or [""]
    text = "".join(f"rolecall: {printable(line)}\n" if line else "\n" for line in lines)
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def hint(message: str) -> None:
    """The indented second line of an error: `  hint: ...`."""
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(f"  hint: {printable(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def write_out(text: str | bytes) -> int:
    """Write data to stdout: 0 when it got there, 1 when stdout is closed or its reader gone."""
    try:
        if sys.stdout is None:
            raise BrokenPipeError
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        return 0
    except (OSError, ValueError, AttributeError):
        stdout_gone()
        say("cannot write to standard output (closed, or its reader has gone)")
        return 1


def stdout_gone() -> None:
    """Point fd 1 at /dev/null: Python flushes stdout again at exit, and that must not fail loudly
    (exit 120) after the reader has gone."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def print_json(data: object) -> int:
    """Indented for a person at a terminal; compact (and C-encoded, so fast) for a program."""
    import json

    return write_out(json.dumps(data, indent=2 if sys.stdout.isatty() else None) + "\n")


def print_table(rows: Sequence[Sequence[object]]) -> int:
    """Columns padded to their widest cell; cells are made printable here."""
    cells = [[printable(str(cell)) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells]
    return write_out("".join(line + "\n" for line in lines))
