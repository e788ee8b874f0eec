"""The shell integration's costs, each next to a baseline from the same run:

- a Tab completing a profile name among 5,000 as bash, zsh and fish run it (core/shell/tab.py under
  `python -I -S`), against `python -c pass`, with `python -I -S -c pass` and `rolecall __complete`
  (what a Tab runs when the cache is stale) beside it;
- the prompt hook plus `rolecall_prompt` far from expiry, per prompt, in bash, zsh and fish,
  against the same loop calling `true` (fish's hook runs `date +%s`: fish has no clock builtin).

Usage: .venv/bin/python benchmarks/shell.py [--runs N]
Runs in a temp HOME; touches no real file and no network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
ROLECALL = str(Path(PY).parent / "rolecall")
LOOPS = {
    "bash": 'eval "$({rc} init bash)"; {setup}; s=$EPOCHREALTIME; for i in {{1..{n}}}; do {body}; done; '
    'echo "$s $EPOCHREALTIME"',
    "zsh": 'eval "$({rc} init zsh)"; {setup}; s=$EPOCHREALTIME; for i in {{1..{n}}}; do {body}; done; '
    'echo "$s $EPOCHREALTIME"',
    "fish": "{rc} init fish | source; {setup}; set s (date +%s.%N); for i in (seq {n}); {body}; end; "
    "echo $s (date +%s.%N)",
}


def timed(cmd: list[str], env: dict, runs: int) -> float:
    """Median wall time in ms of `runs` runs (after one warm-up run)."""
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def per_prompt(shell: str, env: dict, n: int, hooked: bool) -> float:
    """Microseconds per prompt of the hook and rolecall_prompt (or `true`), far from expiry."""
    if shell == "fish":
        setup = (
            "set -gx ROLECALL_PROFILE prod/Admin; set -gx ROLECALL_EXPIRES (math (date +%s) + 3000); "
            "set -g __rolecall_vars AWS_ACCESS_KEY_ID"
        )
        body = "emit fish_prompt; rolecall_prompt >/dev/null" if hooked else "true"
    else:
        setup = (
            "export ROLECALL_PROFILE=prod/Admin ROLECALL_EXPIRES=$(( $(date +%s) + 3000 )); "
            "__rolecall_vars=AWS_ACCESS_KEY_ID"
        )
        body = "__rolecall_hook; rolecall_prompt >/dev/null" if hooked else "true"
    script = LOOPS[shell].format(rc=ROLECALL, setup=setup, n=n, body=body)
    argv = [shell, "--no-config", "-c", script] if shell == "fish" else [shell, "-c", script]
    if shell == "zsh":
        argv = [shell, "-f", "-c", "zmodload zsh/datetime; " + script]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout.split()
    return (float(out[1]) - float(out[0])) * 1e6 / n


# A Tab as each shell runs it: bash's completion function with the line in COMP_LINE, the line of
# zsh's `_rolecall` that asks for the candidates (compadd works only inside a completion widget),
# fish's own completion machinery (`complete -C`). Each loop prints its start and end times and
# how many candidates the last Tab got.
TABS = {
    "bash": 'eval "$({rc} init bash)"; COMP_LINE="rolecall use {word}"; COMP_POINT=${{#COMP_LINE}}; '
    "s=$EPOCHREALTIME; for i in {{1..{n}}}; do __rolecall_complete; done; "
    'echo "$s $EPOCHREALTIME ${{#COMPREPLY[@]}}"',
    "zsh": 'eval "$({rc} init zsh)"; s=$EPOCHREALTIME; for i in {{1..{n}}}; do '
    '__rolecall_found=("${{(@f)$(__rolecall_tab zsh rolecall use {word})}}"); done; '
    'echo "$s $EPOCHREALTIME ${{#__rolecall_found}}"',
    "fish": "{rc} init fish | source; set s (date +%s.%N); for i in (seq {n}); "
    "set found (complete -C 'rolecall use {word}'); end; echo $s (date +%s.%N) (count $found)",
}
PROCESSES = {"bash": "no process", "zsh": "no process", "fish": "one `date`"}  # what the hook may start
TAB_WORD = "prod-01"  # 200 of the 5,000 names start with it


def tab_ms(shell: str, env: dict, n: int) -> float:
    """Milliseconds per Tab completing TAB_WORD in `shell`, the mean of a loop of `n` Tabs."""
    script = TABS[shell].format(rc=ROLECALL, n=n, word=TAB_WORD)
    argv = {
        "bash": ["bash", "--norc", "-c", script],
        "zsh": ["zsh", "-f", "-c", "zmodload zsh/datetime; " + script],
        "fish": ["fish", "--no-config", "-c", script],
    }[shell]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout.split()
    if int(out[2]) != 200:
        raise SystemExit(f"{shell}: a Tab gave {out[2]} candidates, not 200")
    return (float(out[1]) - float(out[0])) * 1000 / n


def completion(env: dict, profiles: Path, runs: int) -> dict[str, float]:
    """Median ms of a Tab completing a profile name among the profiles of `profiles` (5,000) in
    each shell installed, end to end as the shell runs it, and of `rolecall __complete` (what a
    Tab runs when the cache is stale, here without the rebuild), `python -c pass` and
    `python -I -S -c pass`: each sample 5 runs, the samples of all taken in turn, so a
    change in the machine's load shifts them alike."""
    env = {**env, "ROLECALL_PROFILES": str(profiles)}
    program = [ROLECALL, "__complete", "zsh", "rolecall", "use", TAB_WORD]
    subprocess.run(program, env=env, stdout=subprocess.DEVNULL, check=True)  # builds the index and names once
    shells = [shell for shell in ("bash", "zsh", "fish") if shutil.which(shell)]
    commands = {
        "program": program,
        "python -c pass": [PY, "-c", "pass"],
        "python -I -S -c pass": [PY, "-I", "-S", "-c", "pass"],
    }
    samples: dict[str, list[float]] = {name: [] for name in [*shells, *commands]}
    for _ in range(runs):
        for shell in shells:
            samples[shell].append(tab_ms(shell, env, 5))
        for name, argv in commands.items():
            samples[name].append(timed(argv, env, 5))
    return {name: statistics.median(values) for name, values in samples.items()}


def tab_rows(tabs: dict[str, float]) -> list[tuple[str, float, str, str]]:
    """(measure, ms, baseline name in `tabs`, target) for each figure of completion()."""
    rows = [
        (
            f"{shell}: Tab completing a profile among 5,000, as the shell runs it",
            tabs[shell],
            "python -I -S -c pass",
            "< 50 ms",
        )
        for shell in ("bash", "zsh", "fish")
        if shell in tabs
    ]
    rows.append(
        (
            "`rolecall __complete`, what a Tab runs when the cache is stale (rebuild aside)",
            tabs["program"],
            "python -c pass",
            "(context)",
        )
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "ROLECALL_PROFILES": str(home / "profiles.yaml"),
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        }
        subprocess.run(
            [PY, str(HERE / "generate_profiles.py"), str(home / "profiles.yaml"), "500", "10"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tabs = completion(env, home / "profiles.yaml", args.runs)
        print("| measure | rolecall | baseline | baseline figure | ratio | target |")
        print("| --- | --- | --- | --- | --- | --- |")
        for what, value, floor, target in tab_rows(tabs):
            print(
                f"| {what} | {value:.0f} ms | `{floor}` | {tabs[floor]:.0f} ms | {value / tabs[floor]:.2f}x | {target} |"
            )
        for shell in ("bash", "zsh", "fish"):
            if shutil.which(shell) is None:
                continue
            hook = statistics.median(per_prompt(shell, env, 200, True) for _ in range(3))
            empty = statistics.median(per_prompt(shell, env, 200, False) for _ in range(3))
            print(
                f"| {shell}: hook + `rolecall_prompt` per prompt, far from expiry | {hook:.0f} µs | "
                f"the same loop running `true` | {empty:.0f} µs | {hook / max(empty, 1):.0f}x | {PROCESSES[shell]} |"
            )
        print(
            f"\nBare interpreters in the same run: `python -c pass` {tabs['python -c pass']:.0f} ms, "
            f"`python -I -S -c pass` {tabs['python -I -S -c pass']:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
