"""Putting text on the clipboard from the CLI: the system clipboard where there is one, else OSC 52.

The TUI uses Textual's own `copy_to_clipboard` (OSC 52) and calls `system_copy` as an extra.
"""

from __future__ import annotations

import base64
import os
import sys
from collections.abc import Callable

from rolecall.core.domain.errors import RolecallError
from rolecall.core.gateways.runner import detached
from rolecall.core.store.layout import sha256_hex


class ClipboardError(RolecallError):
    exit_code = 1


# pyperclip back-ends that never put the text in a command line: they write it to the stdin of
# pbcopy, xclip, xsel, wl-copy or clip.exe, or hand it to an in-process API. Others (klipper runs
# `qdbus ... setClipboardContents <text>`, visible in `ps`) are refused.
SAFE_BACKENDS = frozenset(
    {
        "copy_osx_pbcopy",
        "copy_osx_pyobjc",
        "copy_xclip",
        "copy_xsel",
        "copy_wl",
        "copy_windows",
        "copy_wsl",
        "copy_qt",
    }
)


def _backend() -> tuple[Callable[[str], None], Callable[[], str]] | None:
    """pyperclip's (copy, paste) for this system when its copy keeps the text out of argv, else None."""
    try:
        import pyperclip

        copy, paste = pyperclip.determine_clipboard()
    except Exception:
        return None
    return (copy, paste) if getattr(copy, "__name__", "") in SAFE_BACKENDS else None


def system_copy(text: str) -> bool:
    """Copy through a system clipboard that takes the text on stdin; False where there is none
    (a server, no display, or only a back-end that would show the text in a command line)."""
    backend = _backend()
    if backend is None:
        return False
    try:
        backend[0](text)
        return True
    except Exception:
        return False


def system_paste() -> str | None:
    backend = _backend()
    if backend is None:
        return None
    try:
        return backend[1]()
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
    return sha256_hex(text.encode("utf-8"))


def clear_later(text: str, seconds: float) -> None:
    """In a detached process that outlives this one (the CLI or the app quitting): after `seconds`,
    empty the clipboard if it still holds `text`. Only a hash of the text reaches the process,
    through a pipe, never its command line."""
    if seconds <= 0:
        return
    detached("rolecall.core.gateways.clipboard", str(float(seconds)), feed=fingerprint(text).encode("ascii") + b"\n")


def clear_if_unchanged(expected_fingerprint: str) -> bool:
    current = system_paste()
    if current is not None and fingerprint(current) == expected_fingerprint:
        return system_copy("")
    return False


if __name__ == "__main__":
    import time

    expected = sys.stdin.readline().strip()
    time.sleep(float(sys.argv[1]))
    clear_if_unchanged(expected)
