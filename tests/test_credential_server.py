"""`exec --server` / `shell --server`: a loopback container-credentials endpoint, read by botocore's
own ContainerProvider and the real aws CLI, refreshed ahead of expiry, guarded by its token."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.credentials import ContainerProvider

from rolecall.core.engine import Engine
from rolecall.core.gateways import mfa
from rolecall.core.shell.server import CredentialServer
from tests.conftest import wait_for
from tests.shells import seed_session
from tests.terminal import Terminal

AWS = str(Path(sys.executable).parent / "aws")
ROLECALL = [sys.executable, "-m", "rolecall"]


@pytest.fixture
def served(sandbox, fake_clock):
    """`served(profile)`: a started server for the profile over an engine on the fake clock."""
    engine = Engine.open(clock=fake_clock)
    servers: list[CredentialServer] = []

    def start(name: str) -> CredentialServer:
        source = mfa.default_source(None)
        servers.append(
            CredentialServer(
                lambda refresh: engine.assume(name, source, refresh=refresh).credentials, clock=fake_clock, lead=600
            ).start()
        )
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def botocore_credentials(server: CredentialServer, profile: str = "shared/Deploy"):
    env = server.environ({}, profile, None)
    return ContainerProvider(environ=env).load().get_frozen_credentials()


def status_of(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_botocore_reads_the_endpoint_and_the_token_is_checked(served):
    server = served("shared/Deploy")
    got = botocore_credentials(server)
    assert got.access_key == server.current().access_key_id
    assert got.secret_key == server.current().secret_access_key and got.token == server.current().session_token
    assert server.url.startswith("http://127.0.0.1:")
    assert len(server.token) >= 43  # 32 random bytes, base64
    assert status_of(server.url, {}) == 401
    assert status_of(server.url, {"Authorization": server.token[:-1] + "x"}) == 403
    assert status_of(server.url.rsplit("/", 1)[0] + "/other", {"Authorization": server.token}) == 404
    assert status_of(server.url, {"Authorization": server.token}) == 200


def test_the_server_listens_on_loopback_only(served):
    server = served("prod/ReadOnly")
    outside = [
        a[4][0]
        for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        if not a[4][0].startswith("127.")
    ]
    for address in outside:
        with socket.socket() as probe, pytest.raises(OSError):
            probe.settimeout(2)
            probe.connect((address, server.port))


def test_credentials_are_refreshed_ahead_and_a_fetch_past_expiry_gets_fresh_ones(served, fake_clock):
    seeded = seed_session("shared/Deploy", fake_clock.now() + timedelta(minutes=6))
    server = served("shared/Deploy")  # 6 minutes left, under the 10-minute lead: refreshed at once
    wait_for(lambda: server.refreshes == 1, what="a refresh")
    fake_clock.advance(timedelta(minutes=7))  # the first credentials have expired
    first = botocore_credentials(server)
    assert first.access_key != seeded.access_key_id
    # 4h asked, but a chained role gets at most 1h from AWS: it is assumed again before that ends
    assert server.current().expiration - fake_clock.now() <= timedelta(hours=1)
    fake_clock.advance(timedelta(minutes=52))
    server.wake()
    wait_for(lambda: server.refreshes == 2, what="a second refresh")
    assert botocore_credentials(server).access_key not in (seeded.access_key_id, first.access_key)


def test_expired_credentials_that_cannot_be_refreshed_are_refused_not_served(sandbox, fake_clock):
    engine = Engine.open(clock=fake_clock)
    calls: list[bool] = []

    def fetch(refresh: bool):
        calls.append(refresh)
        if refresh:
            return engine.assume("prod/Admin", mfa.default_source(None), refresh=True).credentials
        return engine.assume("prod/ReadOnly", mfa.given("123456")).credentials

    os.environ["ROLECALL_NO_PROMPT"] = "1"
    warnings: list[str] = []
    try:
        with CredentialServer(fetch, clock=fake_clock, lead=600, warn=warnings.append) as server:
            fake_clock.advance(timedelta(hours=5))
            server.wake()
            wait_for(lambda: warnings, what="a warning")
            assert status_of(server.url, {"Authorization": server.token}) == 503
    finally:
        del os.environ["ROLECALL_NO_PROMPT"]
    assert "could not refresh the credentials (an MFA code is needed for" in warnings[0]


def test_exec_server_gives_the_aws_cli_the_role_and_no_keys(cli, sandbox):
    script = (
        'test -z "${AWS_ACCESS_KEY_ID-}" || exit 9; '
        f'"{AWS}" sts get-caller-identity --query Arn --output text; exit 7'
    )
    result = cli("exec", "--server", "prod/ReadOnly", "--", "sh", "-c", script, env={"AWS_ACCESS_KEY_ID": "AKIAOLD"})
    assert result.code == 7, result.err
    assert "arn:aws:sts::222222222222:assumed-role/ReadOnly/" in result.out
    assert result.err == ""


def test_a_port_that_cannot_be_bound_is_one_line(cli, sandbox):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("exec", "--server", "--port", str(port), "prod/ReadOnly", "--", "true")
    assert result.code == 2
    assert result.err.splitlines()[0] == f"rolecall: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert "Traceback" not in result.err


def _dead(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_a_child_ignoring_sigterm_is_killed_and_the_server_stops(sandbox, tmp_path):
    pid_file = tmp_path / "child.pid"
    script = f'trap "" TERM; echo $$ > "{pid_file}"; while :; do sleep 0.1; done'
    process = subprocess.Popen(
        [*ROLECALL, "exec", "--server", "prod/ReadOnly", "--", "sh", "-c", script],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), what="the child to start")
        child = int(pid_file.read_text())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == -signal.SIGTERM
        # killed: gone, or a zombie its new parent has yet to reap (it ignores TERM, so only KILL ends it)
        wait_for(lambda: _dead(child), timeout=10, what="the child that ignored SIGTERM to be killed")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_exec_server_asks_for_the_mfa_code_on_the_terminal(sandbox):
    term = Terminal(
        [
            *ROLECALL,
            "exec",
            "--server",
            "prod/Admin",
            "--",
            AWS,
            "sts",
            "get-caller-identity",
            "--query",
            "Arn",
            "--output",
            "text",
        ],
        os.environ,
    )
    term.expect(r"MFA code for arn:aws:iam::111111111111:mfa/alice:")
    term.type("123456\r")
    assert term.wait() == 0
    assert "assumed-role/Admin/" in term.display


def test_inside_shell_server_the_prompt_shows_the_profile(sandbox, tmp_path):
    rc = tmp_path / ".bashrc"
    rc.write_text('PS1="[$(rolecall_prompt)] $ "\n')
    env = {**os.environ, "SHELL": "/bin/bash", "HOME": str(sandbox.home)}
    (sandbox.home / ".bashrc").write_text("eval \"$(rolecall init bash)\"\nPS1='[$(rolecall_prompt)] $ '\n")
    term = Terminal([*ROLECALL, "shell", "--server", "prod/ReadOnly"], env)
    term.expect(r"\[prod/ReadOnly\] \$")
    term.type(f'{AWS} sts get-caller-identity --query Arn --output text; echo "keys=${{AWS_ACCESS_KEY_ID-none}}"\r')
    term.expect(r"keys=none")
    assert "assumed-role/ReadOnly/" in term.display
    term.type("exit 3\r")
    assert term.wait() == 3


def test_json_of_the_endpoint_is_what_the_sdks_read(served):
    server = served("prod/ReadOnly")
    request = urllib.request.Request(server.url, headers={"Authorization": server.token})
    with urllib.request.urlopen(request, timeout=5) as answer:
        body = json.loads(answer.read())
    assert set(body) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    assert body["Expiration"].endswith("Z")


def test_the_apps_subshell_gets_the_endpoint_when_the_setting_is_on(sandbox):
    env = {**os.environ, "ROLECALL_SUBSHELL_SERVER": "1", "SHELL": "/bin/sh"}
    term = Terminal([*ROLECALL, "--theme", "rolecall-dark"], env)
    try:
        term.expect(r"ReadOnly")
        term.type("\x1b[B")  # Down: prod/ReadOnly
        term.type("s")
        term.expect(r"\(rolecall:prod/ReadOnly\) \$")
        term.type(f'{AWS} sts get-caller-identity --query Arn --output text; echo "keys=${{AWS_ACCESS_KEY_ID-none}}"\r')
        term.expect(r"keys=none")
        assert "assumed-role/ReadOnly/" in term.text
        term.type("exit\r")
        term.expect(r"shell for prod/ReadOnly exited \(0\)")
        term.type("q")
        assert term.wait() == 0
    finally:
        term.kill()
