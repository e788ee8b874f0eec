"""Secrets stay secret: scanned across every output of a full run; masked reprs; signals; the keyring;
nothing secret left on disk by interrupted writes, damaged entries or `sessions --clear`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from rolecall.core.engine import Engine
from rolecall.core.gateways import mfa
from rolecall.core.sources.index import load_catalog
from rolecall.core.store import storage
from rolecall.core.store.cache import SessionCache
from rolecall.core.store.paths import cache_dir
from tests.sts_proxy import ACCESS_DENIED


def test_no_secret_in_any_output_channel_of_a_full_run(cli, sandbox, sts_proxy, tmp_path):
    channels: dict[str, str] = {}

    def run(name, *args, secret_stdout=False, **kwargs):
        result = cli(*args, **kwargs)
        channels[f"{name} stderr"] = result.err
        if not secret_stdout:
            channels[f"{name} stdout"] = result.out
        return result

    run("assume", "assume", "prod/Admin", "--mfa-code", "123456")
    run("assume chained", "assume", "shared/Deploy")
    process = run("process", "process", "prod/ReadOnly", secret_stdout=True)
    for fmt in ("env", "fish", "powershell", "json", "dotenv", "credentials"):
        run(f"export {fmt}", "export", "prod/ReadOnly", "--format", fmt, secret_stdout=True)
    run("exec", "exec", "prod/ReadOnly", "--", "true")
    run("list", "list")
    run("list json", "list", "--json")
    run("sessions", "sessions")
    run("sessions json", "sessions", "--json")
    run("whoami", "whoami", "prod/ReadOnly")
    run("check", "check")
    sts_proxy.fail("AssumeRole", ACCESS_DENIED)
    run("aws error", "assume", "--refresh", "prod/ReadOnly")
    run("config error", "process", "no/such")
    run("copy", "copy", "prod/ReadOnly", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    state = sandbox.state
    indexes = list(sandbox.cache.glob("index-*.json"))
    assert indexes
    for path in [*state.rglob("*"), *indexes]:
        if path.is_file():
            channels[str(path)] = path.read_text()

    secrets = []
    for entry in (sandbox.cache / "sessions").glob("*.json"):
        creds = json.loads(entry.read_text())["session"]["credentials"]
        secrets += [creds["SecretAccessKey"], creds["SessionToken"]]
    for entry in (sandbox.cache / "mfa").glob("*.json"):
        creds = json.loads(entry.read_text())["credentials"]
        secrets += [creds["SecretAccessKey"], creds["SessionToken"]]
    secrets += [process.json()["SecretAccessKey"], "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]
    assert len(secrets) >= 8 and "audit.jsonl" in " ".join(channels)
    for name, text in channels.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {name}"


def test_reprs_are_masked(sandbox, fake_clock):
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    session = engine.assume("prod/ReadOnly", mfa.given("123456"))
    for text in (repr(session), repr(session.credentials), str(session)):
        assert session.credentials.secret_access_key not in text
        assert session.credentials.session_token not in text
    assert "****" in repr(session.credentials)


def _ready_child(args, env) -> subprocess.Popen:
    child = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    assert child.stdout.readline().strip() == "ready", child.stderr.read()
    return child


TRAP = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
    "signal.signal(signal.SIGINT, lambda *a: sys.exit(43))\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


@pytest.mark.parametrize("sig,status", [(signal.SIGTERM, 42), (signal.SIGINT, 43)])
def test_exec_passes_signals_to_the_command_and_returns_its_status(sandbox, sig, status):
    child = _ready_child(
        [sys.executable, "-m", "rolecall", "exec", "prod/ReadOnly", "--", sys.executable, "-c", TRAP], dict(os.environ)
    )
    child.send_signal(sig)
    assert child.wait(timeout=30) == status


def test_shell_passes_sigterm_to_the_shell(sandbox):
    env = {**os.environ, "SHELL": "/bin/sh"}
    child = subprocess.Popen(
        [sys.executable, "-m", "rolecall", "shell", "prod/ReadOnly"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    child.stdin.write("echo ready\n")
    child.stdin.flush()
    assert child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == -signal.SIGTERM  # the shell itself got it, and died of it


def test_spawn_run_forwards_sigterm_and_returns_the_childs_status(sandbox, tmp_path):
    """The TUI's way (a child, not exec): SIGTERM to rolecall reaches the child; its status comes back."""
    script = tmp_path / "runner.py"
    script.write_text(
        "import os, signal, sys\n"
        "from rolecall.core.gateways import spawn\n"
        "signal.signal(signal.SIGTERM, lambda *a: print('parent got it too', flush=True))\n"
        f"status = spawn.run([sys.executable, '-c', {TRAP!r}], dict(os.environ))\n"
        "print(f'status={status}', flush=True)\n"
    )
    child = _ready_child([sys.executable, str(script)], dict(os.environ))
    child.send_signal(signal.SIGTERM)
    out, _ = child.communicate(timeout=30)
    assert out.splitlines() == ["parent got it too", "status=42"]


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def get_password(self, service, username):
        return self.store.get((service, username))

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    """A MemoryKeyring as keyring's backend for one test; the backend before it is put back after."""
    import keyring

    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


def test_keyring_backend_keeps_secrets_out_of_the_cache_files(sandbox, fake_clock, monkeypatch, memory_keyring):
    ring = memory_keyring
    monkeypatch.setenv("ROLECALL_CACHE_BACKEND", "keyring")
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    session = engine.assume("prod/Admin", mfa.given("123456"))
    on_disk = "".join(p.read_text() for p in cache_dir().rglob("*.json"))
    assert session.credentials.secret_access_key not in on_disk
    assert session.credentials.session_token not in on_disk
    assert session.credentials.access_key_id in on_disk
    assert set(ring.store) == {
        ("rolecall", "session:prod/Admin"),
        ("rolecall", "mfa:arn:aws:iam::111111111111:mfa/alice"),
    }
    again = Engine(load_catalog(use_index=False), clock=fake_clock).session("prod/Admin")
    assert again.credentials == session.credentials
    engine.forget("prod/Admin")
    assert ("rolecall", "session:prod/Admin") not in ring.store
    ring.store.clear()  # the keyring lost them: the session reads as absent, never half-filled
    assert SessionCache(cache_dir()).get_mfa("arn:aws:iam::111111111111:mfa/alice") is None


def test_unknown_cache_backend_is_a_config_error(cli):
    result = cli("process", "prod/ReadOnly", env={"ROLECALL_CACHE_BACKEND": "vault"})
    assert (result.code, result.err.strip()) == (
        2,
        "rolecall: ROLECALL_CACHE_BACKEND must be file or keyring, not 'vault'",
    )


def test_the_app_never_shows_a_secret(sandbox, fake_clock):
    import asyncio

    from rolecall.tui.app import make_app

    async def run():
        engine = Engine(load_catalog(use_index=False), clock=fake_clock)
        app = make_app(engine=engine, theme="rolecall-dark")
        async with app.run_test(size=(120, 36)) as pilot:
            app.main.assume_named("prod/ReadOnly")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("c", "enter")
            await pilot.pause()
            return app.export_screenshot(), engine.usable("prod/ReadOnly")

    screen, session = asyncio.run(run())
    assert "prod/ReadOnly" in screen
    assert session.credentials.secret_access_key not in screen
    assert session.credentials.session_token[:20] not in screen


def _files_under(root: Path):
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if not path.is_symlink():
                yield path


def _files_holding(root: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in _files_under(root):
        data = path.read_bytes()
        found += [f"{path}: {s[:6]}..." for s in secrets if s.encode() in data]
    return found


def _dead_pid() -> int:
    """The pid of a process that has exited (its writes were interrupted for good)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temp_files_are_removed_and_live_ones_kept(tmp_path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    gone = folder / f".x.json.{_dead_pid()}.1.tmp"
    live = folder / f".y.json.{os.getpid()}.1.tmp"
    old = folder / f".z.json.{os.getpid()}.2.tmp"
    for path in (gone, live, old):
        path.write_text("secret")
    os.utime(old, (time.time() - 120, time.time() - 120))
    assert storage.sweep(folder) == 2
    assert sorted(p.name for p in folder.iterdir()) == [live.name]


def test_damaged_entries_are_kept_without_secrets(cli, sandbox):
    good = cli("process", "prod/ReadOnly").json()
    path = sandbox.session_file()
    path.write_bytes(path.read_bytes()[:-40])  # cut short, as by a crash: still holds the secret and token
    assert cli("process", "prod/ReadOnly").code == 0
    kept = list(path.parent.glob(sandbox.session_file().name + ".bad-*"))
    assert len(kept) == 1
    raw = kept[0].read_bytes()
    assert good["AccessKeyId"].encode() in raw  # what is kept still tells which session it was
    assert good["SecretAccessKey"].encode() not in raw and good["SessionToken"][:40].encode() not in raw


def test_nothing_secret_is_left_on_disk_after_an_interrupted_run_and_sessions_clear(cli, sandbox):
    first = cli("export", "prod/ReadOnly", "--format", "json").json()
    hub = cli("export", "shared/Hub", "--format", "json").json()
    folder = sandbox.cache / "sessions"
    # An interrupted write leaves its temp file; a crash leaves a half-written entry.
    (folder / f".{sandbox.session_file().name}.{_dead_pid()}.1.tmp").write_bytes(sandbox.session_file().read_bytes())
    hub_file = folder / "shared%2FHub.json"
    hub_file.write_bytes(hub_file.read_bytes()[:-30])
    secrets = [first["SecretAccessKey"], first["SessionToken"], hub["SecretAccessKey"], hub["SessionToken"][:40]]
    listed = cli("sessions")
    assert listed.code == 0 and "Traceback" not in listed.err
    left = _files_holding(sandbox.home, secrets)
    assert left == [
        f"{sandbox.session_file()}: {first['SecretAccessKey'][:6]}...",
        f"{sandbox.session_file()}: {first['SessionToken'][:6]}...",
    ]  # only the live entry
    cleared = cli("sessions", "--clear")
    assert cleared.code == 0, cleared.err
    assert _files_holding(sandbox.home, secrets) == []
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".lock")] == []
