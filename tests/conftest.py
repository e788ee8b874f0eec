"""Shared fixtures: a real local STS (moto's server), a sandboxed HOME, a fake clock, and a CLI runner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import HTTPServer
from pathlib import Path

import pytest

from rolecall.core.clock import FakeClock
from rolecall.demo import home_environment

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
        # the venv's own scripts (aws, rolecall) come first, as for a user who activated it
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    box = Sandbox(root=tmp_path, home=home, env=env)
    box.aws_credentials.write_text(
        f"[corp]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n", encoding="utf-8"
    )
    box.write_profiles(PROFILES)
    return box


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(datetime.now(timezone.utc).replace(microsecond=0))


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(sandbox):
    """Run `python -m rolecall ...` in a fresh interpreter inside the sandbox, with no stdin."""

    def run(*args: str, env: dict | None = None, timeout: float = 60, input: str | None = None) -> Result:
        full_env = {**os.environ, **(env or {})}
        done = subprocess.run(
            [sys.executable, "-m", "rolecall", *args],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL if input is None else None,
            input=input,
            start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


FIXED_NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def seed_sessions(offsets: dict[str, int]) -> None:
    """Put sessions in the real cache, each expiring `offsets[name]` seconds after FIXED_NOW."""
    from datetime import timedelta

    from rolecall.core.cache import SessionCache
    from rolecall.core.credentials import Credentials, Session
    from rolecall.core.index import load_catalog
    from rolecall.core.layout import fingerprint
    from rolecall.core.paths import cache_dir

    catalog = load_catalog(use_index=False)
    cache = SessionCache(cache_dir())
    for number, (name, seconds) in enumerate(offsets.items()):
        profile = catalog.get(name)
        cache.put(
            Session(
                profile=name,
                role_arn=profile.role_arn,
                credentials=Credentials(
                    f"ASIASEEDED{number:010d}", f"seeded-secret-{number}-" + "x" * 24, f"seeded-token-{number}-" + "y" * 40,
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
    """A real tmpfs of its own, mounted at `path`: it fills up, and can be made read-only."""

    def __init__(self, path: Path, size: str):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0 or not shutil.which("mount"):
            pytest.skip("needs root and mount to make a real small or read-only file system")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                              capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
        self.env = {"ROLECALL_CACHE_DIR": str(path)}

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True, check=False)


@pytest.fixture
def small_disk(sandbox):
    """`small_disk(size)`: a tmpfs for the cache (ROLECALL_CACHE_DIR in its `env`), unmounted after the test."""
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
    server = HTTPServer(("127.0.0.1", 0), FederationEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("ROLECALL_FEDERATION_URL", f"http://127.0.0.1:{server.server_port}/federation")
    yield FederationEndpoint.seen
    server.shutdown()
