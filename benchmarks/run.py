"""rolecall's benchmarks: every figure next to a baseline measured in the same run, as a ratio.

Usage: .venv/bin/python benchmarks/run.py [--quick] [--repeat N] [--write benchmarks/results.md] [--readme]

The figures of issue 24 are all here, each as a ratio to its floor: the app's first paint on a
real pty beside a one-widget Textual app (first_paint.py), the cached fast path beside
`python -c pass`, a Tab at 5,000 profiles as bash, zsh and fish run it (shell.py), and IAM Identity Center discovery against
its rate floor (sso_discovery.py; skipped by --quick).

--readme replaces the table in README.md's Performance section (between its benchmark markers)
with this run's, so the README's figures are always a real run's output.

Runs inside `rolecall demo`'s environment (a temp HOME and an in-process moto STS), so it
touches no real file and no network. Needs the test extra (moto). awsume, the peer compared
with, is installed by this script into its own venv (benchmarks/.venv-awsume) when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
AWSUME_VENV = HERE / ".venv-awsume"
PROBE_TIMEOUT = 180  # seconds for one probe in its own process: a stuck app fails the run instead of hanging it


def probe(kind: str, profiles: Path, env: dict, runs: int = 1, warm_up: bool = True) -> list[dict]:
    """`runs` results of the probe, each in a fresh interpreter, after one warm-up run (which also
    makes the profiles index) unless told not to."""
    results = []
    for _ in range(runs + warm_up):
        child_env = {**env, "BENCH_T0": repr(time.time())}
        done = subprocess.run(
            [PY, str(HERE / "tui_probe.py"), kind, str(profiles)],
            env=child_env,
            capture_output=True,
            text=True,
            check=True,
            timeout=PROBE_TIMEOUT,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results[warm_up:]


def keystrokes(profiles: Path, env: dict, runs: int) -> tuple[dict, dict]:
    """benchmarks/keystroke.py for the app and for its baseline, in turn: the median of the runs'
    medians and the worst key of all."""
    app, echo = [], []
    for _ in range(runs):
        for results, target in ((app, str(profiles)), (echo, "--echo")):
            done = subprocess.run(
                [PY, str(HERE / "keystroke.py"), target],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=PROBE_TIMEOUT,
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    def summary(results: list[dict]) -> dict:
        return {
            "list_median_ms": statistics.median(r["list_median_ms"] for r in results),
            "list_max_ms": max(r["list_max_ms"] for r in results),
            "list_max_after_first_ms": max(r["list_max_after_first_ms"] for r in results),
            "paint_ms": statistics.median(r["paint_ms"] for r in results),
            "keys": results[0]["keys"],
        }

    return summary(app), summary(echo)


def idle_cpu(profiles: Path, env: dict, pairs: int) -> tuple[dict, float]:
    """The app's idle CPU and the one-label clock's (median %), runs taken in turn so that both
    see the machine as it was."""
    app, clock = [], []
    for _ in range(pairs):
        app += probe("idle", profiles, env, warm_up=False)
        clock += probe("idle-clock", profiles, env, warm_up=False)
    median = statistics.median(run["idle_cpu_percent"] for run in app)
    return {**app[0], "idle_cpu_percent": median}, statistics.median(run["idle_cpu_percent"] for run in clock)


def awsume(env: dict) -> Path | None:
    exe = AWSUME_VENV / "bin" / "awsumepy"  # the program behind awsume's shell wrapper
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(AWSUME_VENV)], check=True)
        done = subprocess.run(
            [str(AWSUME_VENV / "bin" / "pip"), "install", "-q", "awsume>=4.5,<5"], capture_output=True, text=True
        )
        if done.returncode != 0:
            print(f"awsume could not be installed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            return None
    return exe


def seed(env: dict, rolecall: list[str], demo, big: Path) -> None:
    """A cached session for the CLI figures, and 50 live sessions among the 5,000 profiles."""
    from rolecall.core.engine import Engine
    from rolecall.core.gateways import mfa
    from rolecall.core.sources.index import load_catalog

    subprocess.run(rolecall + ["assume", "prod/ReadOnly"], env=env, check=True, stdout=subprocess.DEVNULL)
    engine = Engine(load_catalog(big))
    for name in list(engine.catalog.profiles)[:50]:
        engine.assume(name, mfa.given("123456"))


def sso_catalog(demo, env: dict) -> tuple[Path, Path]:
    """1,700 roles (850 accounts x 2) twice: written in a profiles.yaml, and as the cached discovery of
    an IAM Identity Center session (with a profiles.yaml of its own that has no accounts)."""
    from rolecall.core.sso import discovery
    from rolecall.core.sso.portal import Account
    from rolecall.core.sso.session import SsoSession
    from rolecall.core.store import storage

    same_yaml = demo.root / "same-1700.yaml"
    subprocess.run(
        [PY, str(HERE / "generate_profiles.py"), str(same_yaml), "850", "2"], check=True, stdout=subprocess.DEVNULL
    )
    home = Path(env["HOME"])
    with open(home / ".aws" / "config", "a", encoding="utf-8") as config:
        config.write("\n[sso-session bench]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = eu-west-1\n")
    session = SsoSession("bench", "https://bench.awsapps.com/start", "eu-west-1", ("sso:account:access",), "")
    accounts = tuple(Account(str(100000000000 + n), f"acct-{n:04d}", ("Admin", "ReadOnly")) for n in range(850))
    found = discovery.Discovery("bench", session.start_url, datetime.now(UTC).replace(microsecond=0), accounts)
    storage.write_json(discovery.path(session), found.to_json())
    sso_only = demo.root / "sso-only.yaml"
    sso_only.write_text("version: 1\naccounts: []\n", encoding="utf-8")
    return same_yaml, sso_only


DISCOVERY = re.compile(r"median of \d+: ratio ([\d.]+)x the rate floor, ([\d.]+) answered 429 \(most (\d+)\)")


def discovery(env: dict) -> dict:
    """benchmarks/sso_discovery.py at its defaults (1,000 accounts, 80 ms, 25 requests/s, 3 runs),
    in its own process (it points the environment at its fake portal)."""
    done = subprocess.run(
        [PY, str(HERE / "sso_discovery.py")], env=env, capture_output=True, text=True, check=True, timeout=30 * 60
    )
    found = DISCOVERY.search(done.stdout)
    if found is None:
        raise SystemExit(f"sso_discovery.py said: {done.stdout[-500:]}")
    return {"ratio": float(found.group(1)), "throttled": float(found.group(2)), "most": int(found.group(3))}


def row(rows: list, what: str, value: float, unit: str, baseline_name: str, baseline: float, target: str) -> None:
    rows.append(
        (what, f"{value:.0f} {unit}", baseline_name, f"{baseline:.0f} {unit}", f"{value / baseline:.2f}x", target)
    )


README = HERE.parent / "README.md"
MARKERS = ("<!-- benchmarks/run.py writes from here -->", "<!-- to here -->")


def update_readme(text: str) -> None:
    """Replace what stands between README's two markers with `text`."""
    readme = README.read_text(encoding="utf-8")
    start, end = readme.index(MARKERS[0]) + len(MARKERS[0]), readme.index(MARKERS[1])
    README.write_text(readme[:start] + "\n" + text + "\n" + readme[end:], encoding="utf-8")


def ratio_of(row: tuple) -> float | None:
    found = re.match(r"([0-9.]+)x", row[4])
    return float(found.group(1)) if found else None


def median_rows(runs: list[list]) -> list:
    """Each row (by its name) as in the run whose ratio for it was the median (the middle one of
    an odd number of runs), with every run's ratio beside it; a row without a ratio, or missing
    from a run, as in the first run."""
    if len(runs) == 1:
        return runs[0]
    by_name = [{row[0]: row for row in run} for run in runs]
    rows = []
    for first in runs[0]:
        same = [run[first[0]] for run in by_name if first[0] in run]
        ratios = [ratio_of(row) for row in same]
        if len(same) != len(runs) or None in ratios:
            rows.append(first)
            continue
        middle = sorted(zip(ratios, range(len(same)), strict=True))[len(same) // 2][1]
        chosen = same[middle]
        every = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        rows.append((*chosen[:4], f"{chosen[4]} ({every})", *chosen[5:]))
    return rows


def measure(options: argparse.Namespace, runs: int) -> tuple[list, list[str]]:
    """One whole run: the table's rows, and notes on them."""
    import first_paint
    import shell
    from shell import timed

    from rolecall.demo import DemoEnvironment

    with DemoEnvironment() as demo:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run(
            [PY, "-m", "compileall", "-q", str(HERE.parent / "src")], env=env, check=True, stdout=subprocess.DEVNULL
        )
        rolecall = (
            [PY, "-m", "rolecall"]
            if not shutil.which("rolecall", path=env["PATH"])
            else [shutil.which("rolecall", path=env["PATH"])]
        )
        big = demo.root / "big.yaml"
        subprocess.run(
            [PY, str(HERE / "generate_profiles.py"), str(big), "500", "10"], check=True, stdout=subprocess.DEVNULL
        )
        seed(env, rolecall, demo, big)
        rows: list = []
        notes: list[str] = []

        bare = timed([PY, "-c", "pass"], env, runs)
        process = timed(rolecall + ["process", "prod/ReadOnly"], env, runs)
        export = timed(rolecall + ["export", "prod/ReadOnly"], env, runs)
        row(rows, "`rolecall process` (cached)", process, "ms", "`python -c pass`", bare, "≤ 1.6x")
        cached_big = rolecall + ["--profiles", str(big), "process", "prod-0000/ReadOnly"]  # seeded
        subprocess.run(cached_big, env=env, check=True, stdout=subprocess.DEVNULL)
        process_big = timed(cached_big, env, runs)
        row(
            rows,
            "`rolecall process` (cached), 5,000 profiles",
            process_big,
            "ms",
            "`python -c pass`",
            bare,
            "(context)",
        )
        row(rows, "`rolecall export` (cached)", export, "ms", "`python -c pass`", bare, "≤ 3x")

        exe = awsume(env)
        if exe:
            home = Path(env["HOME"])
            with open(home / ".aws" / "config", "a", encoding="utf-8") as config:
                config.write(
                    "\n[profile bench-ro]\nrole_arn = arn:aws:iam::210987654321:role/ReadOnly\n"
                    "source_profile = corp\nregion = eu-west-1\n"
                )
            awsume_cmd = [str(exe), "bench-ro"]
            first = subprocess.run(awsume_cmd, env=env, capture_output=True, text=True)
            if first.returncode == 0 and first.stdout.startswith("Awsume "):
                peer = timed(awsume_cmd, env, runs)
                rows.append(
                    (
                        "awsume 4.5 exporting the same role",
                        f"{peer:.0f} ms",
                        "`rolecall export` (cached)",
                        f"{export:.0f} ms",
                        f"{peer / export:.2f}x",
                        "≥ 3x (rolecall faster)",
                    )
                )
                notes.append(
                    "awsume caches MFA sessions, not role sessions: each of its calls assumes the role "
                    "again (against the local STS), which is how it behaves for users too"
                )
            else:
                notes.append(f"awsume ran but gave no credentials: {(first.stderr or first.stdout).strip()[-200:]}")
        else:
            notes.append("awsume could not be installed here: no comparison row")

        yaml_parse = timed(
            [PY, "-c", f"import yaml; yaml.load(open({str(big)!r}), Loader=yaml.CSafeLoader)"], env, runs
        )
        cold_cmd = [
            "sh",
            "-c",
            f'rm -f {demo.root}/home/.cache/rolecall/index-*.json; exec "$@"',
            "sh",
            *rolecall,
            "--profiles",
            str(big),
            "list",
            "--json",
        ]
        cold = timed(cold_cmd, env, max(3, runs // 3))
        warm = timed(rolecall + ["--profiles", str(big), "list", "--json"], env, runs)
        row(
            rows,
            "`list --json`, 5,000 profiles, first run (no index)",
            cold,
            "ms",
            "libyaml parse of the file",
            yaml_parse,
            "≤ 2x",
        )
        row(
            rows,
            "`list --json`, 5,000 profiles, index reused",
            warm,
            "ms",
            "libyaml parse of the file",
            yaml_parse,
            "≤ 2x",
        )

        same_yaml, sso_only = sso_catalog(demo, env)
        yaml_list = timed(rolecall + ["--profiles", str(same_yaml), "list", "--json"], env, runs)
        sso_list = timed(rolecall + ["--profiles", str(sso_only), "list", "--json"], env, runs)
        row(
            rows,
            "`list --json`, 1,700 roles discovered by IAM Identity Center",
            sso_list,
            "ms",
            "the same 1,700 roles in profiles.yaml",
            yaml_list,
            "≈ 1x",
        )
        sso_paint = statistics.median(p["first_paint_s"] for p in probe("first-paint", sso_only, env, 5)) * 1000
        yaml_paint = statistics.median(p["first_paint_s"] for p in probe("first-paint", same_yaml, env, 5)) * 1000
        row(
            rows,
            "app first paint, 1,700 discovered roles",
            sso_paint,
            "ms",
            "the same roles in profiles.yaml",
            yaml_paint,
            "≈ 1x",
        )

        paint = first_paint.measure(5 if options.quick else 9)
        for name, what, target in (
            ("5000", "5,000 profiles", "≤ 1.5x"),
            ("example", "profiles.example.yaml", "≤ 1.2x"),
        ):
            row(
                rows,
                f"app first paint on a real pty (start to the frame showing names), {what}",
                paint[name]["app_ms"],
                "ms",
                "a one-widget Textual app (a Tree), started and timed the same way",
                paint[name]["floor_ms"],
                target,
            )
        notes.append(
            "first paint: medians of {runs} runs taken in turn with the one-widget app; CPU time to that "
            "frame {cpu}".format(
                runs=paint["5000"]["runs"],
                cpu=", ".join(
                    f"{paint[name]['app_cpu_ms']:.0f} ms vs {paint[name]['floor_cpu_ms']:.0f} ms "
                    f"({paint[name]['cpu_ratio']:.2f}x) {what}"
                    for name, what in (("5000", "at 5,000 profiles"), ("example", "with the example"))
                ),
            )
        )
        paints = probe("first-paint", big, env, 3)
        if any(p["botocore_before_paint"] for p in paints):
            notes.append("botocore was imported before the first paint")

        tabs = shell.completion(env, big, runs)
        for what, value, floor, target in shell.tab_rows(tabs):
            row(rows, what, value, "ms", f"`{floor}`", tabs[floor], target)
        if options.quick:
            notes.append("IAM Identity Center discovery skipped (--quick)")
        else:
            found = discovery(env)
            rows.append(
                (
                    "IAM Identity Center discovery, 1,000 accounts (1,700 roles), 80 ms latency, "
                    "25 requests/s limit (median of 3 runs)",
                    f"{found['ratio']:.3f}x the floor, {found['throttled']:g} answered 429 (most {found['most']})",
                    "the rate floor: calls / rate",
                    "1.00x",
                    f"{found['ratio']:.2f}x",
                    "≤ 1.15x, ≤ 10 throttled",
                )
            )

        typed, echoed = keystrokes(big, env, 2 if options.quick else 3)
        rows.append(
            (
                f"filter, 5,000 profiles: keystroke to the filtered list on screen (a real pty, {typed['keys']} keys)",
                f"{typed['list_median_ms']:.0f} ms median, worst {typed['list_max_ms']:.0f} ms "
                f"(after the first key {typed['list_max_after_first_ms']:.0f} ms)",
                "a Textual app echoing the key into a label, timed the same way",
                f"{echoed['list_median_ms']:.0f} ms median, worst {echoed['list_max_ms']:.0f} ms",
                f"{typed['list_median_ms'] / echoed['list_median_ms']:.2f}x",
                "< 50 ms",
            )
        )
        row(
            rows,
            "app ready on a real pty (the title shows the count: the whole catalog), 5,000 profiles",
            typed["paint_ms"],
            "ms",
            "a one-Input Textual app's first paint, timed the same way",
            echoed["paint_ms"],
            "(context)",
        )
        filtering = probe("filter", big, env)[0]
        rows.append(
            (
                "filter, 5,000 profiles, CPU per keystroke",
                f"{filtering['filter_cpu_median_ms']:.0f} ms median",
                "",
                "",
                "",
                "< 50 ms",
            )
        )
        idle_env = {**env, "BENCH_IDLE_SECONDS": "5" if options.quick else "10"}
        pairs = 3 if options.quick else 5
        idle, clock = idle_cpu(big, idle_env, pairs)
        rows.append(
            (
                f"idle CPU, {idle['live_countdowns']} live countdowns (median of {pairs} runs of "
                f"{idle['seconds']:.0f} s)",
                f"{idle['idle_cpu_percent']:.1f} %",
                "a one-label Textual app repainting once a second",
                f"{clock:.1f} %",
                f"{idle['idle_cpu_percent'] / clock:.2f}x",
                "< 2 % of a core",
            )
        )
        rows.append(
            (
                "peak memory, 5,000 profiles",
                f"{statistics.median(p['max_rss_mb'] for p in paints):.0f} MB",
                "",
                "",
                "",
                "reported",
            )
        )

    return rows, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer repeats, shorter idle sample, no IAM Identity Center discovery (minutes)",
    )
    parser.add_argument("--write", metavar="FILE", help="also write the results as markdown")
    parser.add_argument("--readme", action="store_true", help="put the table into README.md's Performance section")
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="run everything N times; each ratio is the median run's"
    )
    options = parser.parse_args()
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    runs = 7 if options.quick else 21
    results = [measure(options, runs) for _ in range(options.repeat)]
    rows, notes = median_rows([rows for rows, _ in results]), results[len(results) // 2][1]
    if options.repeat > 1:
        notes.append(
            f"each row with a ratio is the run whose ratio was that row's median of {options.repeat} whole runs, "
            "the ratios of every run in brackets; the rows without one are the first run's"
        )

    table = [
        "| measure | rolecall | baseline | baseline figure | ratio | target |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    table += ["| " + " | ".join(cells) + " |" for cells in rows]
    text = "\n".join(table)
    if notes:
        text += "\n\n" + "\n".join(f"- {note}" for note in notes)
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d')}"
    print(text)
    print(f"\n({machine}; median of {runs} runs per CLI figure)")
    if options.readme:
        whole = "One run" if options.repeat == 1 else f"{options.repeat} whole runs"
        update_readme(f"{whole} on {machine}; median of {runs} runs per CLI figure:\n\n{text}")
    if options.write:
        Path(options.write).write_text(
            f"# Benchmark results\n\n{machine}; median of {runs} runs per CLI figure.\n\n{text}\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
