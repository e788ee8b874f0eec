"""`rolecall demo`: a local STS on throwaway files, cleaned up however it ends."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rolecall.demo import DemoEnvironment
from rolecall.tui.app import make_app
from rolecall.tui.widgets.sessions import SessionsList
from tests.conftest import wait_for
from tests.terminal import Terminal
from tests.tui_screen import shows


def closed(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


def run_demo(args, home: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLECALL_", "XDG_"))}
    env["HOME"] = str(home)  # PATH: the venv first (tests/conftest.py)
    return subprocess.run(
        [sys.executable, "-m", "rolecall", "demo", *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def demo_dir(stderr: str) -> Path:
    return Path(re.search(r"files in (\S+)", stderr).group(1))


def test_environment_starts_and_stops_cleanly():
    before = dict(os.environ)
    with DemoEnvironment(discover=False) as demo:
        root, url = demo.root, demo.sts_url
        assert root.is_dir() and oct(root.stat().st_mode & 0o777) == "0o700"
        assert os.environ["AWS_ENDPOINT_URL_STS"] == url and not closed(url)
        assert os.environ["HOME"].startswith(str(root))
        assert "AWS_PROFILE" not in os.environ
    assert not root.exists()
    assert closed(url)
    assert dict(os.environ) == before


def test_environment_is_cleaned_up_after_a_crash():
    before = dict(os.environ)
    with pytest.raises(RuntimeError), DemoEnvironment(discover=False) as demo:
        root, url = demo.root, demo.sts_url
        raise RuntimeError("boom")
    assert not root.exists() and closed(url) and dict(os.environ) == before


def test_cli_commands_work_in_the_demo_and_home_stays_empty(tmp_path):
    """One demo (each starts its own portal of 300 accounts), two commands, each checked on its own."""
    home = tmp_path / "home"
    home.mkdir()
    script = (
        "rolecall assume prod/Admin --mfa-code 123456 > assumed || exit 3; "
        "rolecall exec prod/ReadOnly -- aws sts get-caller-identity > who || exit 4"
    )
    result = run_demo(["--cli", "--", "sh", "-c", script], home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "assumed").read_text().startswith("prod/Admin: session until")
    assert '"Account": "210987654321"' in (tmp_path / "who").read_text()
    assert list(home.iterdir()) == []
    assert not demo_dir(result.stderr).exists()


def test_on_a_terminal_the_demo_counts_its_discovery_then_runs_the_command_and_passes_its_status(tmp_path):
    """The command waits for 300 accounts to be discovered (seconds, at the portal's documented
    rate): a terminal sees the count grow, then a clean line, then the command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLECALL_", "XDG_"))}
    term = Terminal(
        [sys.executable, "-m", "rolecall", "demo", "--cli", "--", "sh", "-c", "echo ran; exit 5"],
        {**env, "HOME": str(tmp_path)},
    )
    try:
        term.expect(r"rolecall: demo: \d+/(100|200|300) accounts, \d+ roles")
        assert term.wait(timeout=60) == 5
    finally:
        term.kill()
    counts = [int(done) for done in re.findall(r"demo: (\d+)/\d+ accounts", term.text)]
    assert counts == sorted(counts) and counts[-1] == 300
    assert re.search(r"demo: 300/300 accounts, 510 roles\r\x1b\[K", term.text)  # the line cleared when done
    assert re.search(r"^rolecall demo: files in \S+ \(removed on exit\)", term.display, re.M)
    assert term.display.rstrip().splitlines()[-1] == "ran" and "accounts" not in term.display


def test_sigterm_ends_the_demo_and_removes_its_files(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLECALL_", "XDG_"))}
    env["HOME"] = str(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-m", "rolecall", "demo", "--cli", "--", "sleep", "30"],
        env=env,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    line = child.stderr.readline()
    root = demo_dir(line)
    assert root.exists()
    wait_for(lambda: "sleep" in _children(child.pid), what="the demo's command to start")
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) != 0
    assert not root.exists()


def _children(pid: int) -> list[str]:
    """Names of the processes whose parent is `pid` (from /proc)."""
    names = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2 :].split()[1]) == pid:
            names.append(text[text.index("(") + 1 : text.rindex(")")])
    return names


def test_without_moto_the_demo_says_how_to_install_it(tmp_path):
    code = "import sys; sys.modules['moto'] = None; from rolecall.cli import main; raise SystemExit(main(['demo']))"
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "pip install 'rolecall[demo]'" in done.stderr and "pip install -e '.[demo]'" in done.stderr
    assert "Traceback" not in done.stderr


async def test_the_demo_app_opens_before_discovery_and_assumes_while_it_discovers():
    """As `rolecall demo` opens it: signed in, not yet discovered; the app discovers in the
    background (its progress in the status line) while roles can already be assumed."""
    with DemoEnvironment(discover=False) as demo:
        app = make_app(profiles=demo.profiles, theme="rolecall-dark", banner="DEMO")
        async with app.run_test(size=(120, 36)) as pilot:
            await shows(
                pilot, lambda lines: any(re.search(r"discovering demo: \d+/\d+ accounts", line) for line in lines)
            )
            app.main.assume_named("prod/ReadOnly")
            await shows(pilot, lambda lines: any(re.search(r"prod/ReadOnly +\d:\d\d:\d\d", line) for line in lines))
            line = app.query_one(SessionsList).line_text("prod/ReadOnly")
            assert re.fullmatch(r"prod/ReadOnly +\d:\d\d:\d\d", line.strip())
            assert str(app.query_one("#banner").render()) == "DEMO"


ONE_OF_EACH = {
    "corp": "static",
    "build-bot": "process",
    "ci-deploy": "web_identity",
    "account-0000/ReadOnly": "sso",
    "partners/Analyst": "saml",
    "partners/contractor": "federation",
    "prod/ReadOnly": "role",
}


def test_demo_has_one_profile_of_each_kind_and_exec_works_for_each(tmp_path):
    """The SSO session is signed in and discovered before anything runs; every kind hands out credentials."""
    script = (
        "rolecall list --json && for p in "
        + " ".join(ONE_OF_EACH)
        + ('; do rolecall exec "$p" -- aws sts get-caller-identity --query Account --output text || exit 9; done')
    )
    result = run_demo(["--cli", "--", "sh", "-c", script], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    listing, end = json.JSONDecoder().raw_decode(result.stdout)
    profiles = {p["name"]: p for p in listing}
    accounts = result.stdout[end:]
    assert {name: profiles[name]["kind"] for name in ONE_OF_EACH} == ONE_OF_EACH
    sso = [p for p in profiles.values() if p["kind"] == "sso"]
    assert len({p["account_id"] for p in sso}) == 300 and len(sso) == 510
    assert accounts.split() == [
        "123456789012",
        "123456789012",
        "430987654321",
        "123456789012",
        "870987654321",
        "123456789012",
        "210987654321",
    ]
    assert "Traceback" not in result.stderr
