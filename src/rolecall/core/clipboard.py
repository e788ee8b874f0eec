"""Putting text on the clipboard from the CLI: the system clipboard where there is one, else OSC 52.

The TUI uses Textual's own `copy_to_clipboard` (OSC 52) and calls `system_copy` as an extra.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys

from rolecall.core.errors import RolecallError


class ClipboardError(RolecallError):
    exit_code = 1


def system_copy(text: str) -> bool:
    """Copy with pyperclip; False where no system clipboard works (a server, no display)."""
    try:
        import pyperclip

        pyperclip.copy(text)
        return True
    except Exception:  # pyperclip raises its own error, or anything its back-end does
        return False


def system_paste() -> str | None:
    try:
        import pyperclip

        return pyperclip.paste()
    except Exception:
        return None


def osc52(text: str) -> str:
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\x07"
    if os.environ.get("TMUX"):
        sequence = f"\x1bPtmux;\x1b{sequence}\x1b\\"
    return sequence


def terminal_copy(text: str) -> bool:
    """Ask the terminal to set its clipboard (works over SSH and in tmux); False without a terminal."""
    try:
        with open("/dev/tty", "w", encoding="ascii") as tty:
            tty.write(osc52(text))
        return True
    except OSError:
        return False


def copy(text: str) -> str:
    """Copy `text`; returns how ("system clipboard" or "terminal (OSC 52)"); raises when neither works."""
    if system_copy(text):
        return "system clipboard"
    if terminal_copy(text):
        return "terminal clipboard (OSC 52)"
    raise ClipboardError(
        "no clipboard here: no system clipboard and no terminal for OSC 52",
        hint="use `rolecall export` instead",
    )


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clear_later(text: str, seconds: float) -> None:
    """In a detached process: after `seconds`, empty the clipboard if it still holds `text`."""
    if seconds <= 0:
        return
    subprocess.Popen(
        [sys.executable, "-m", "rolecall.core.clipboard", str(seconds), fingerprint(text)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def clear_if_unchanged(expected_fingerprint: str) -> bool:
    current = system_paste()
    if current is not None and fingerprint(current) == expected_fingerprint:
        return system_copy("")
    return False


if __name__ == "__main__":
    import time

    time.sleep(float(sys.argv[1]))
    clear_if_unchanged(sys.argv[2])
