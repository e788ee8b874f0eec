"""The shell integration's costs, each next to a baseline from the same run:

- a Tab (`rolecall __complete`) completing a profile name among 5,000, against `python -c pass`;
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


def completion(env: dict, profiles: Path, runs: int) -> tuple[float, float]:
    """Median ms of a Tab completing a profile name among the profiles of `profiles` (5,000), and
    of `python -c pass`, taken in the same run."""
    complete = [ROLECALL, "__complete", "zsh", "rolecall", "use", "prod-01"]
    env = {**env, "ROLECALL_PROFILES": str(profiles)}
    subprocess.run(complete, env=env, stdout=subprocess.DEVNULL, check=True)  # builds the index once
    return timed(complete, env, runs), timed([PY, "-c", "pass"], env, runs)


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
        tab, bare = completion(env, home / "profiles.yaml", args.runs)
        print("| measure | rolecall | baseline | baseline figure | ratio | target |")
        print("| --- | --- | --- | --- | --- | --- |")
        print(
            f"| Tab completing a profile among 5,000 | {tab:.0f} ms | `python -c pass` | {bare:.0f} ms | "
            f"{tab / bare:.2f}x | < 50 ms |"
        )
        for shell in ("bash", "zsh", "fish"):
            if shutil.which(shell) is None:
                continue
            hook = statistics.median(per_prompt(shell, env, 200, True) for _ in range(3))
            empty = statistics.median(per_prompt(shell, env, 200, False) for _ in range(3))
            print(
                f"| {shell}: hook + `rolecall_prompt` per prompt, far from expiry | {hook:.0f} µs | "
                f"the same loop running `true` | {empty:.0f} µs | {hook / max(empty, 1):.0f}x | no process |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
