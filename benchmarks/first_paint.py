"""The app's first paint as a person sees it: `rolecall --profiles P` starts on a real
pseudo-terminal and the time is taken from starting the program to the end of the first frame
whose screen (read with pyte) shows profile names; beside it, the floor: a one-widget Textual app
(a Tree with a few lines, benchmarks/floor_app.py) started and timed the same way on the same pty
size. Runs alternate between the two so that both see the machine as it was; medians are
reported, and their ratio.

A frame's bytes are only read (and timed) while it is being written; they are parsed once it has
ended (no byte for FRAME_GAP). pyte is slow (~1.2 ms a KB, and ~1.7 ms to read its screen): parsed
read by read, a frame's later bytes waited in the pty while its earlier ones were parsed, so its end
was timed late, by more the bigger the frame: the app's first frame is 20-30 KB, the floor's ~6 KB.
A terminal parses a frame in well under a millisecond, so that delay was the harness's.

Usage: python benchmarks/first_paint.py [--runs N] [--example] [--big]   (both sets when neither)
Prints one JSON object on the last line of stdout. Runs in a temp HOME; touches no real file.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

import pyte
from floor_app import FLOOR_TREE  # this directory is on sys.path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "profiles.example.yaml"
SIZE = (120, 36)  # columns, lines
FRAME_GAP = 0.008  # a frame's bytes come within a ms or two; frames are >= 16 ms apart
LIMIT = 60.0  # seconds: an app that never paints fails the run instead of hanging it


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the process `pid` has used so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def shows(screen: pyte.Screen, names: list[str]) -> bool:
    """Whether every one of `names` is a word on the screen (each on a line of its own, as a tree
    shows them)."""
    lines = [line.strip(" │├└─▼▶▾▸●○") for line in screen.display]
    words = {word for line in lines for word in line.split()}
    return all(name in words for name in names)


def first_paint(argv: list[str], names: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from starting `argv` on a fresh pty to the end of the first frame whose screen
    shows every one of `names`, and the CPU seconds the program had used by then (less noisy on a
    busy machine; Linux only; read as the frame is seen to have ended, FRAME_GAP after it)."""
    screen = pyte.Screen(*SIZE)
    stream = pyte.ByteStream(screen)
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the program, never returns here
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
            os.execvpe(argv[0], argv, {**env, "TERM": "xterm-256color"})
        finally:
            os._exit(127)
    try:
        frame: list[bytes] = []  # the bytes of the frame being written
        last = started
        deadline = started + LIMIT
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], FRAME_GAP if frame else 0.5)
            if not ready:
                if frame:  # a frame has ended: parsed only now (see the module's docstring)
                    cpu = cpu_seconds(pid)
                    stream.feed(b"".join(frame))
                    frame = []
                    if shows(screen, names):
                        return last - started, cpu
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                break
            last = time.perf_counter()
            frame.append(data)
        stream.feed(b"".join(frame))  # the screen as it was last drawn
        screen_text = "\n".join(line.rstrip() for line in screen.display)
        raise SystemExit(f"{argv[-1]}: {names} never showed; the screen was:\n{screen_text}")
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


def environment(home: Path) -> dict[str, str]:
    """A private HOME with no AWS files, like the tests' sandbox."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "ROLECALL_", "XDG_")) and key != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        ROLECALL_THEME="rolecall-dark",
    )
    return env


def compare(profiles: Path, names: list[str], env: dict[str, str], runs: int) -> dict:
    """Medians of `runs` first paints of the app on `profiles` and of the floor, taken in turn
    (after one warm-up of each, which also makes the profiles index)."""
    rolecall = str(Path(sys.executable).parent / "rolecall")
    app_argv = [rolecall, "--profiles", str(profiles)]
    floor_argv = [sys.executable, str(HERE / "floor_app.py")]
    floor_names = [next(iter(FLOOR_TREE)), FLOOR_TREE[next(iter(FLOOR_TREE))][0]]
    app: list[tuple[float, float]] = []
    floor: list[tuple[float, float]] = []
    for n in range(runs + 1):
        app_run = first_paint(app_argv, names, env)
        floor_run = first_paint(floor_argv, floor_names, env)
        if n:  # the first pair warms the disk cache and builds the index
            app.append(app_run)
            floor.append(floor_run)

    def median_ms(runs: list[tuple[float, float]], which: int) -> float:
        return statistics.median(run[which] for run in runs) * 1000

    app_ms, floor_ms = median_ms(app, 0), median_ms(floor, 0)
    return {
        "app_ms": app_ms,
        "floor_ms": floor_ms,
        "ratio": app_ms / floor_ms,
        "runs": runs,
        "app_cpu_ms": median_ms(app, 1),
        "floor_cpu_ms": median_ms(floor, 1),
        "cpu_ratio": median_ms(app, 1) / median_ms(floor, 1),
        "app_each_ms": [round(run[0] * 1000) for run in app],
        "floor_each_ms": [round(run[0] * 1000) for run in floor],
    }


def measure(runs: int, example: bool = True, big: bool = True) -> dict:
    """The comparisons asked for, each in a fresh temp HOME."""
    sys.path.insert(0, str(HERE))
    from generate_profiles import generate

    results = {}
    with tempfile.TemporaryDirectory(prefix="rolecall-paint-") as tmp:
        root = Path(tmp)
        if example:
            (root / "example").mkdir()
            results["example"] = compare(EXAMPLE, ["prod", "Admin"], environment(root / "example"), runs)
        if big:
            (root / "big").mkdir()
            big_file = root / "big" / "profiles.yaml"
            big_file.write_text(generate(500, 10), encoding="utf-8")
            results["5000"] = compare(big_file, ["prod-0000", "Admin"], environment(root / "big"), runs)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--example", action="store_true", help="profiles.example.yaml only")
    parser.add_argument("--big", action="store_true", help="5,000 profiles only")
    options = parser.parse_args()
    both = not (options.example or options.big)
    results = measure(options.runs, example=options.example or both, big=options.big or both)
    for name, result in results.items():
        print(
            f"{name}: app {result['app_ms']:.0f} ms, one-widget app {result['floor_ms']:.0f} ms, "
            f"ratio {result['ratio']:.2f}x; CPU {result['app_cpu_ms']:.0f} / {result['floor_cpu_ms']:.0f} ms = "
            f"{result['cpu_ratio']:.2f}x (medians of {result['runs']})",
            file=sys.stderr,
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
