"""Shared fixtures: a real local STS (moto's server), a sandboxed HOME, a fake clock, and a CLI runner."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input

from rolecall.core.domain.clock import FakeClock
from rolecall.demo import home_environment
from tests.forkserver import rolecall

# The tools the test extra installs beside the interpreter (aws, rolecall), whether or not the
# venv is activated: first on the PATH of every test and so of every subprocess it starts.
TOOLS = Path(sys.executable).parent
# What a caller's shell may set that would change what a test sees: a green run must not depend on
# it (CI has none of them). Tests that need one set it themselves.
CALLERS_ONLY = (
    "PYTHONUNBUFFERED",
    "PYTHONIOENCODING",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONWARNINGS",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "COLUMNS",
    "LINES",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "TMUX",
    "BROWSER",
    "VISUAL",
    "EDITOR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)


def pytest_configure(config):
    """A caller that started the run in the background (`cmd &` in a script, as CI may) has SIGINT and
    SIGQUIT ignored, and an ignored signal stays ignored in every child: Ctrl+C tests would hang there.
    Every process the tests start gets the default dispositions, as from a terminal."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGQUIT) == signal.SIG_IGN:
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def tool_path(path: str | None = None) -> str:
    """`path` (default: the caller's PATH, else the system default) with TOOLS first."""
    rest = os.environ.get("PATH", os.defpath) if path is None else path
    return os.pathsep.join([str(TOOLS), *(p for p in rest.split(os.pathsep) if p and p != str(TOOLS))])


def tool(name: str) -> str:
    """The full path of a program the suite needs; a missing one fails the test (.ci/run installs them)."""
    found = shutil.which(name, path=tool_path())
    assert found, f"{name} is not installed: the tests need it (.ci/run installs it; README, Tests)"
    return found


def aws_identity(session) -> dict:
    """What the real AWS CLI's `sts get-caller-identity` says with `session`'s credentials in its
    environment (as `rolecall exec` hands them over)."""
    from rolecall.core.text.environ import role_environ

    done = subprocess.run(
        ["aws", "sts", "get-caller-identity", "--output", "json"],
        env=role_environ(os.environ, session),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def wait_for(condition, timeout: float = 30.0, what: str = "the condition") -> None:
    """Poll a condition another process or thread will make true (not a clock: real work finishing)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} never held in {timeout:g} s")
        time.sleep(0.02)


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: two workers per core. A good part of a test's time is spent waiting (on a
    subprocess, a pseudo-terminal, a local server; a demo discovers its portal for 7 s on one
    core-second), which another worker fills: on 2 cores, back to back, 3 workers took 126-130 s
    with the cores ~55% busy, 4 workers 108-113 s (5: 118 s)."""
    return max(2, (os.cpu_count() or 1) * 2)


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    """Every test, and every subprocess it starts, gets TOOLS first on PATH and none of CALLERS_ONLY."""
    monkeypatch.setenv("PATH", tool_path())
    for name in CALLERS_ONLY:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def collector_restored():
    """A test that runs rolecall's `main` or the app in this process leaves Python's collector as
    it found it: running, nothing frozen (rolecall pauses it while starting, then freezes what
    start-up made: rolecall/collector.py)."""
    yield
    gc.enable()
    gc.unfreeze()


BASE_KEY = "AKIAIOSFODNN7EXAMPLE"
BASE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MFA_SERIAL = "arn:aws:iam::111111111111:mfa/alice"

PROFILES = """\
version: 1
defaults:
  region: eu-west-1
  source_profile: corp
  mfa_serial: arn:aws:iam::111111111111:mfa/alice
accounts:
  - id: "222222222222"
    name: prod
    tags: {env: prod}
    roles:
      - role: Admin
        mfa: true
      - role: ReadOnly
        duration: 4h
  - id: "333333333333"
    name: staging
    tags: {env: staging}
    roles:
      - role: Admin
        mfa: true
  - id: "444444444444"
    name: shared
    roles:
      - role: Hub
      - role: Deploy
        via: shared/Hub
        duration: 4h
        external_id: deploy-2024
        session_tags: {team: infra}
        source_identity: alice
"""

# One role that loads and one that cannot (its duration is not a duration).
GOOD_AND_BAD = """\
version: 1
defaults: {source_profile: corp}
accounts:
  - id: "222222222222"
    name: prod
    roles:
      - role: Good
      - role: Bad
        duration: forever
"""


@pytest.fixture(scope="session")
def moto_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_sts(moto_server):
    """The moto server's URL, with its state reset for this test."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).read()
    return moto_server


@dataclass
class Sandbox:
    root: Path
    home: Path
    env: dict

    @property
    def profiles(self) -> Path:
        return self.root / "profiles.yaml"

    @property
    def cache(self) -> Path:
        return self.home / ".cache" / "rolecall"

    def session_file(self, profile: str = "prod/ReadOnly") -> Path:
        """Where the cache keeps `profile`'s session (a short name: percent-encoded, `/` too)."""
        return self.cache / "sessions" / (urllib.parse.quote(profile, safe="") + ".json")

    @property
    def state(self) -> Path:
        return self.home / ".local" / "state" / "rolecall"

    @property
    def aws_config(self) -> Path:
        return self.home / ".aws" / "config"

    @property
    def aws_credentials(self) -> Path:
        return self.home / ".aws" / "credentials"

    def write_profiles(self, text: str) -> Path:
        self.profiles.write_text(textwrap.dedent(text), encoding="utf-8")
        return self.profiles


@pytest.fixture
def sandbox(tmp_path, monkeypatch, moto_sts) -> Sandbox:
    """HOME, XDG_* and AWS_* files in tmp_path; STS calls go to the moto server."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    for name in list(os.environ):
        if name.startswith(("AWS_", "ROLECALL_")):
            monkeypatch.delenv(name)
    env = {
        **home_environment(home),  # the same isolation `rolecall demo` uses
        "AWS_ENDPOINT_URL_STS": moto_sts,
        "ROLECALL_PROFILES": str(tmp_path / "profiles.yaml"),
        "ROLECALL_CLIPBOARD_CLEAR": "0",
        "USER": "alice",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    box = Sandbox(root=tmp_path, home=home, env=env)
    box.aws_credentials.write_text(
        f"[corp]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n", encoding="utf-8"
    )
    box.write_profiles(PROFILES)
    return box


class StsWindow:
    """The real time around STS calls. moto stamps each Expiration from the real clock, so a session
    is checked against this window (one clock), never against the fake clock a test froze earlier."""

    def __enter__(self) -> StsWindow:
        self.start = datetime.now(UTC).replace(microsecond=0)  # Expiration may drop the fraction
        return self

    def __exit__(self, *exc) -> None:
        self.end = datetime.now(UTC)

    def lasts(self, session, duration) -> bool:
        """Whether `session` was issued for `duration`, counted from a moment inside the window."""
        return self.start + duration <= session.credentials.expiration <= self.end + duration


@pytest.fixture
def snap_compare(snap_compare):
    """pytest-textual-snapshot's `snap_compare`, with a focused input's cursor held still.

    An input's cursor blinks every 0.5 s, so a screenshot taken after a slow step (a worker, a busy
    machine) catches it on or off by chance. After the scenario this stops the blink and presses
    End, which the input answers by showing its cursor: every snapshot shows it, every run.
    """

    def compare(app, *, run_before=None, press=(), **options):
        async def scenario(pilot):
            if run_before is not None:
                await run_before(pilot)
            await pilot.pause()
            await pilot.press(*press)
            focused = pilot.app.focused
            if isinstance(focused, Input):
                focused.cursor_blink = False
                await pilot.press("end")

        return snap_compare(app, run_before=scenario, **options)

    return compare


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(sandbox):
    """Run `python -m rolecall ...` inside the sandbox in a process of its own with no controlling
    terminal and no stdin unless `input` is given: forked from a zygote that has the imports done
    (tests/forkserver.py), or a fresh interpreter when the call needs one or runs under `wrap`
    (see SmallDisk)."""

    def run(
        *args: str,
        env: dict | None = None,
        timeout: float = 60,
        input: str | None = None,
        wrap: list[str] | None = None,
    ) -> Result:
        full_env = {**os.environ, **(env or {})}
        return Result(*rolecall(list(args), full_env, input=input, timeout=timeout, wrap=wrap))

    return run


FIXED_NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def seed_sessions(offsets: dict[str, int]) -> None:
    """Put sessions in the real cache, each expiring `offsets[name]` seconds after FIXED_NOW."""
    from datetime import timedelta

    from rolecall.core.domain.credentials import Credentials, Session
    from rolecall.core.sources.index import load_catalog
    from rolecall.core.store.cache import SessionCache
    from rolecall.core.store.layout import fingerprint
    from rolecall.core.store.paths import cache_dir

    catalog = load_catalog(use_index=False)
    cache = SessionCache(cache_dir())
    for number, (name, seconds) in enumerate(offsets.items()):
        profile = catalog.get(name)
        cache.put(
            Session(
                profile=name,
                role_arn=profile.role_arn,
                credentials=Credentials(
                    f"ASIASEEDED{number:010d}",
                    f"seeded-secret-{number}-" + "x" * 24,
                    f"seeded-token-{number}-" + "y" * 40,
                    FIXED_NOW + timedelta(seconds=seconds),
                ),
                session_name="rolecall-alice",
                assumed_at=FIXED_NOW,
                region=profile.region,
            ),
            fingerprint(profile.to_dict()),
        )


@pytest.fixture
def sts_proxy(sandbox, moto_sts, monkeypatch):
    """STS calls go through a scripted proxy in front of moto (see tests/sts_proxy.py)."""
    from tests.sts_proxy import StsProxy

    proxy = StsProxy(moto_sts)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", proxy.url)
    sandbox.env["AWS_ENDPOINT_URL_STS"] = proxy.url
    yield proxy
    proxy.close()


class SmallDisk:
    """A real tmpfs of its own, mounted at `mount`: it fills up, and can be made read-only.

    As root it is mounted here. Anyone else gets it in a user and mount namespace of their own (where
    an unprivileged user may mount a tmpfs), held by a process: commands that should use it run with
    `wrap` before their argv (nsenter into that namespace), and the test reads and writes it at `path`
    (the holder's view of it, /proc/PID/root/...). As root, `wrap` is empty and `path` is `mount`."""

    def __init__(self, mount: Path, size: str):
        mount.mkdir(parents=True, exist_ok=True)
        self.mount, self.path, self.wrap = mount, mount, []
        self.env = {"ROLECALL_CACHE_DIR": str(mount)}
        self.holder: subprocess.Popen | None = None
        options = f"size={size},mode=0700"
        if os.geteuid() == 0:
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], capture_output=True, check=False
            )
            assert done.returncode == 0, f"cannot mount a tmpfs: {done.stderr.decode(errors='replace')}"
            return
        self.holder = subprocess.Popen(
            [
                tool("unshare"),
                "--user",
                "--map-root-user",
                "--mount",
                "sh",
                "-c",
                'mount -t tmpfs -o "$1" tmpfs "$2" && echo mounted && exec cat',
                "sh",
                options,
                str(mount),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.holder.stdout is not None and self.holder.stdout.readline() == b"mounted\n", (
            "cannot mount a tmpfs in a user namespace of our own (as root it needs no namespace)"
        )
        self.wrap = [tool("nsenter"), "--target", str(self.holder.pid), "--user", "--mount", "--preserve-credentials"]
        self.path = Path(f"/proc/{self.holder.pid}/root{mount}")

    def fill(self) -> None:
        """Write a filler file until the disk is full (ENOSPC)."""
        fd = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)

    def read_only(self) -> None:
        # bind: the mount point is made read-only (EROFS all the same), which a user namespace may do
        subprocess.run([*self.wrap, "mount", "-o", "remount,bind,ro", str(self.mount)], check=True)

    def unmount(self) -> None:
        if self.holder is None:
            subprocess.run(["umount", "-l", str(self.mount)], capture_output=True, check=False)
            return
        self.holder.communicate(timeout=30)  # its stdin closes: it ends, and its namespace and tmpfs with it


@pytest.fixture
def small_disk(sandbox):
    """`small_disk(size)`: a tmpfs for the cache (ROLECALL_CACHE_DIR in its `env`; run the CLI with its
    `wrap`, read it at its `path`), unmounted after the test."""
    disks: list[SmallDisk] = []

    def make(size: str) -> SmallDisk:
        disks.append(SmallDisk(sandbox.root / f"disk{len(disks)}", size))
        return disks[-1]

    yield make
    for disk in disks:
        disk.unmount()


@pytest.fixture
def federation(sandbox, monkeypatch):
    """The demo's federation endpoint; ROLECALL_FEDERATION_URL points at it. Yields the queries it saw."""
    from rolecall.demo import FederationEndpoint

    FederationEndpoint.seen = []
    FederationEndpoint.paths = []
    from tests.servers import LocalServer

    served = LocalServer(FederationEndpoint)
    monkeypatch.setenv("ROLECALL_FEDERATION_URL", f"{served.url}/federation")
    yield FederationEndpoint.seen
    served.close()


# ------------------------------------------------------------------ under CI, a skip is a failure

# Skips CI accepts: (test id prefix, a word of the skip's reason). Under CI every other skip fails
# the run: a test that cannot run there proves nothing. Keep it short and say why for each entry.
# Empty: CI runs as root with the shells installed (.ci/run), so every test can run there.
ALLOWED_SKIPS: tuple[tuple[str, str], ...] = ()


def _allowed(nodeid: str, reason: str) -> bool:
    return any(nodeid.startswith(prefix) and word in reason for prefix, word in ALLOWED_SKIPS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and os.environ.get("CI") and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not _allowed(report.nodeid, reason):
            report.outcome = "failed"
            report.longrepr = f"skipped under CI, which runs every test (tests/conftest.py ALLOWED_SKIPS): {reason}"
    return report


def pytest_terminal_summary(terminalreporter, config):
    """One line of counts (passed, skipped, failed, error) for CI's log."""
    if config.option.collectonly:
        return
    counts = {name: len(terminalreporter.stats.get(name, [])) for name in ("passed", "skipped", "failed", "error")}
    counts["passed"] = sum(1 for r in terminalreporter.stats.get("passed", []) if r.when == "call")
    terminalreporter.write_line("counts: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
