"""Keystroke to screen, as a person at a terminal sees it: the app runs on a real pseudo-terminal
and a filter is typed one key at a time; for each key, the time from writing it to the last byte
of the frame that shows the filtered list (the frame whose status line says "N of M" for what is
typed so far, read to its end), and to the last byte before the screen settles. Also the first
paint: from starting the program to the end of the first frame that shows the profiles.

Usage: python benchmarks/keystroke.py PROFILES.yaml   rolecall, filtering PROFILES.yaml
       python benchmarks/keystroke.py --echo          the baseline: a Textual app with one Input
                                                      and a label echoing it, timed the same way
Prints one JSON object on the last line of stdout. Run with HOME etc. of a demo environment.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import statistics
import struct
import sys
import termios
import time

FRAME_GAP = 0.008  # a frame is written at once (its bytes come within a ms or two); frames are >= 16 ms apart
QUIET = 0.05  # no more frames: the screen has settled
TYPED = "prod-0040 admin" + "\x7f" * 5 + "dev"


def statuses(profiles: str) -> list[str]:
    """What the status line says after each key of TYPED (as the app words it)."""
    from rolecall.core.domain.search import SearchIndex
    from rolecall.core.sources.index import load_catalog

    catalog = load_catalog(profiles)
    index = SearchIndex(list(catalog.profiles.values()))
    said, typed = [], ""
    for key in TYPED:
        typed = typed[:-1] if key == "\x7f" else typed + key
        count = len(index.rank(typed))
        said.append(f"{count} of {len(catalog.profiles)}" if count else f"no matches for {typed.strip()!r}")
    return said


def read_until(fd: int, marker: bytes, limit: float = 30) -> tuple[float, float] | None:
    """Read until `marker` has come, then on until the output is quiet. When the frame that
    carried `marker` ended, and when the last byte came (a later frame may follow: Textual repaints
    a scrollbar one frame after the layout that changed it)."""
    seen, frame_end, last, deadline = b"", None, None, time.perf_counter() + limit
    while time.perf_counter() < deadline:
        found = frame_end is not None or marker in seen
        gap = QUIET if found else limit
        ready, _, _ = select.select([fd], [], [], gap)
        now = time.perf_counter()
        if found and frame_end is None and (not ready or now - last > FRAME_GAP):
            frame_end = last
        if not ready:
            return (frame_end, last) if found else None
        try:
            data = os.read(fd, 65536)
        except OSError:
            return None
        if not data:
            return None
        last = time.perf_counter()
        if not found:
            seen += data
    return None


def drain(fd: int, seconds: float) -> None:
    """Read whatever comes for `seconds` (the filter's cursor blinks: output never stops for long)."""
    deadline = time.perf_counter() + seconds
    while (left := deadline - time.perf_counter()) > 0:
        if select.select([fd], [], [], left)[0]:
            try:
                if not os.read(fd, 65536):
                    return
            except OSError:
                return


def echo_app() -> None:
    """The baseline: the least a Textual app can do to answer a key (its label repeats the input)."""
    from textual.app import App
    from textual.widgets import Input, Label

    class Echo(App):
        def compose(self):
            yield Input(id="typed")
            yield Label("ready", id="echo")

        def on_input_changed(self, event: Input.Changed) -> None:
            self.query_one("#echo", Label).update(f"typed {event.value}.")

    Echo().run()


def timed(command: list[str], ready: bytes, first: bytes, keys: list[tuple[str, str]]) -> dict:
    """Start `command` on a pty, wait for `ready` on screen and type `first`; then type each key
    and wait for its answer to show."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the program, never returns here
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
            os.execvpe(command[0], command, {**os.environ, "TERM": "xterm-256color"})
        finally:
            os._exit(127)
    try:
        painted = read_until(fd, ready)
        if painted is None:
            raise SystemExit(f"the screen never said {ready!r}")
        drain(fd, 0.5)
        os.write(fd, first)
        drain(fd, 0.5)
        shown, settled = [], []
        for key, answer in keys:
            start = time.perf_counter()
            os.write(fd, key.encode())
            ends = read_until(fd, answer.encode())
            if ends is None:
                raise SystemExit(f"the screen never said {answer!r} after typing {key!r}")
            shown.append(ends[0] - start)
            settled.append(ends[1] - start)
            drain(fd, 0.2)
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    return {
        "paint_ms": (painted[0] - started) * 1000,
        "list_median_ms": statistics.median(shown) * 1000,
        "list_max_ms": max(shown) * 1000,
        "list_max_after_first_ms": max(shown[1:]) * 1000,
        "settled_median_ms": statistics.median(settled) * 1000,
        "settled_max_ms": max(settled) * 1000,
        "keys": len(shown),
        "list_each_ms": [round(latency * 1000) for latency in shown],
    }


def main() -> int:
    if sys.argv[1] == "--serve-echo":
        echo_app()
        return 0
    if sys.argv[1] == "--echo":
        typed, keys = "", []
        for key in TYPED:
            typed = typed[:-1] if key == "\x7f" else typed + key
            keys.append((key, f"typed {typed}."))
        result = timed([sys.executable, __file__, "--serve-echo"], b"ready", b"", keys)
    else:
        profiles = sys.argv[1]
        # the title says "N profiles · M sessions" once they are loaded; "/" focuses the filter
        result = timed(
            [sys.executable, "-m", "rolecall", "--profiles", profiles],
            " profiles · ".encode(),
            b"/",
            list(zip(TYPED, statuses(profiles), strict=True)),
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
