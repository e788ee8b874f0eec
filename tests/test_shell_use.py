"""`rolecall init` in real bash, zsh and fish: `use`, `--unset`, the prompt segment, the refresh
hook, and what never happens (secrets in traces or history, a process per prompt)."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest

from rolecall.core.domain.credentials import Credentials
from rolecall.core.engine import Engine
from tests.conftest import tool
from tests.shells import RC, VENV_BIN, Shell, seed_session
from tests.terminal import Terminal

SHELLS = ["bash", "zsh", "fish"]


def seed(name: str, seconds_left: int) -> Credentials:
    return seed_session(name, datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds_left))


def show(shell: Shell, *names: str) -> str:
    """`<NAME=value|...>` printed by the shell for each variable (`-` when unset)."""
    if shell.name == "fish":
        parts = "'|'".join(f"'{n}='(set -q {n}; and echo ${n}; or echo -)" for n in names)
        out = shell.run(f"echo '<'{parts}'>'")
    else:
        parts = "|".join(f"{n}=${{{n}:--}}" for n in names)
        out = shell.run(f'echo "<{parts}>"')
    found = re.findall(r"^<(.*)>$", out, re.MULTILINE)
    assert found, out
    return found[-1]


@pytest.fixture(params=SHELLS)
def shell(request, sandbox, tmp_path):
    opened: list[Shell] = []

    def start(**options) -> Shell:
        opened.append(Shell(request.param, sandbox, tmp_path, **options))
        return opened[-1]

    yield start
    for one in opened:
        one.close()


def test_use_gives_the_shell_a_session_the_aws_cli_uses_and_unset_takes_it_away(shell):
    sh = shell(env={"AWS_PROFILE": "corp"})
    said = sh.run("rolecall use prod/ReadOnly")
    assert re.search(r"rolecall: prod/ReadOnly: this shell has its session until \S+Z \([34]:\d\d:\d\d left\)", said)
    assert (
        show(sh, "ROLECALL_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE")
        == "ROLECALL_PROFILE=prod/ReadOnly|AWS_REGION=eu-west-1|AWS_DEFAULT_REGION=eu-west-1|AWS_PROFILE=-"
    )
    expiration = show(sh, "AWS_CREDENTIAL_EXPIRATION").split("=", 1)[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", expiration)
    out = sh.run("aws sts get-caller-identity --query Arn --output text")
    assert re.search(r"arn:aws:sts::222222222222:assumed-role/ReadOnly/", out)
    assert re.search(r"^prod/ReadOnly [34]h\d\dm$", sh.run("rolecall_prompt; echo"), re.MULTILINE)
    sh.run("rolecall use --unset")
    assert (
        show(
            sh,
            "ROLECALL_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "ROLECALL_EXPIRES",
        )
        == "ROLECALL_PROFILE=-|AWS_ACCESS_KEY_ID=-|AWS_SECRET_ACCESS_KEY=-|AWS_SESSION_TOKEN=-|AWS_REGION=-|ROLECALL_EXPIRES=-"
    )
    assert "<>" in sh.run(
        'set p (rolecall_prompt); echo "<$p>"' if sh.name == "fish" else 'echo "<$(rolecall_prompt)>"'
    )


def test_a_failed_use_changes_nothing_and_says_one_line(shell):
    sh = shell()
    sh.run("rolecall use prod/ReadOnly --region us-east-2")
    before = show(sh, "ROLECALL_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_REGION")
    out = sh.run("rolecall use nope/Nothing")
    assert len([line for line in out.splitlines() if line.startswith("rolecall:")]) == 1
    assert "nope/Nothing" in out
    assert show(sh, "ROLECALL_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_REGION") == before
    assert "AWS_REGION=us-east-2" in before


def test_far_from_expiry_a_prompt_starts_no_process(shell):
    sh = shell()
    sh.run("rolecall use prod/ReadOnly")
    started = sh.starts()
    assert [line for line in started if line.startswith("use ")] == ["use --emit " + sh.name + " prod/ReadOnly"]
    for _ in range(5):
        sh.run("rolecall_prompt")
    assert sh.starts() == started


def test_the_hook_refreshes_before_the_prompt_when_nobody_is_needed(shell):
    old = seed("prod/ReadOnly", 480)
    # `use` takes a session with more than 5 minutes left; the hook refreshes under 15.
    sh = shell(env={"ROLECALL_REFRESH_BEFORE": "300"}, init_env="ROLECALL_REFRESH_BEFORE=900")
    sh.run("rolecall use prod/ReadOnly")
    key = show(sh, "AWS_ACCESS_KEY_ID").split("=", 1)[1]
    assert key != old.access_key_id
    assert any(line.startswith("use --emit") and "--quietly" in line for line in sh.starts())
    assert re.search(r"^prod/ReadOnly [34]h\d\dm$", sh.run("rolecall_prompt; echo"), re.MULTILINE)
    assert "assumed-role/ReadOnly/" in sh.run("aws sts get-caller-identity --query Arn --output text")


def test_a_profile_needing_a_person_is_marked_and_never_blocks_the_prompt(shell):
    seed("prod/Admin", 480)
    sh = shell(env={"ROLECALL_REFRESH_BEFORE": "300"}, init_env="ROLECALL_REFRESH_BEFORE=900")
    out = sh.run("rolecall use prod/Admin") + sh.run("true")  # the hook runs at the prompt after `use`
    assert "prod/Admin expires soon and needs an MFA code: run `rolecall use prod/Admin`" in out
    assert re.search(r"^prod/Admin [78]m expiring$", sh.run("rolecall_prompt; echo"), re.MULTILINE)
    tries = len(sh.starts())
    for _ in range(3):
        sh.run("true")
    assert len(sh.starts()) == tries  # not asked again at every prompt
    assert show(sh, "AWS_ACCESS_KEY_ID") == "AWS_ACCESS_KEY_ID=ASIASEEDEDSEEDED0001"


@pytest.mark.parametrize("name", ["bash", "zsh"])
def test_secrets_never_reach_a_trace_or_the_history(name, sandbox, tmp_path):
    sh = Shell(name, sandbox, tmp_path)
    try:
        traced = sh.run("set -x; rolecall use prod/ReadOnly; set +x")
        sh.run("true")
        secret = Engine.open().session("prod/ReadOnly").credentials
        assert "+" in traced and "rolecall use prod/ReadOnly" in traced
        for value in (secret.secret_access_key, secret.session_token):
            assert value and value not in traced
        sh.run("history -a" if name == "bash" else "fc -W")
        history = (sandbox.home / f".{name}_history").read_text()
        assert "rolecall use prod/ReadOnly" in history
        assert secret.secret_access_key not in history
    finally:
        sh.close()


def test_fish_trace_never_shows_a_secret(sandbox, tmp_path):
    sh = Shell("fish", sandbox, tmp_path)
    try:
        traced = sh.run("set fish_trace 1; rolecall use prod/ReadOnly; set -e fish_trace")
        secret = Engine.open().session("prod/ReadOnly").credentials
        assert "rolecall use prod/ReadOnly" in traced
        assert secret.secret_access_key not in traced
    finally:
        sh.close()


@pytest.mark.parametrize("name", SHELLS)
def test_the_prompt_is_right_inside_rolecall_shell(name, sandbox, tmp_path):
    rc = {
        "bash": sandbox.home / ".bashrc",
        "zsh": sandbox.home / ".zshrc",
        "fish": sandbox.home / ".config" / "fish" / "config.fish",
    }[name]
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text(RC[name])
    env = {**os.environ, **sandbox.env, "SHELL": tool(name), "TERM": "xterm-256color"}
    term = Terminal([str(VENV_BIN / "rolecall"), "shell", "prod/ReadOnly"], env, size=(200, 50))
    try:
        term.expect(r"\(rolecall:prod/ReadOnly\) \$")
        term.type("rolecall_prompt; echo ' <-'\n")
        term.expect(r"prod/ReadOnly [34]h\d\dm <-")
        term.type("exit\n")
        assert term.wait() == 0
    finally:
        term.kill()


def test_use_asks_for_the_mfa_code_on_the_terminal(shell):
    sh = shell()
    sh.term.type("rolecall use prod/Admin\n")
    sh.term.expect(r"MFA code for arn:aws:iam::111111111111:mfa/alice:")
    sh.term.type("123456\n")
    sh.term.expect(r"prod/Admin: this shell has its session until")
    assert show(sh, "ROLECALL_PROFILE") == "ROLECALL_PROFILE=prod/Admin"
    assert "assumed-role/Admin/" in sh.run("aws sts get-caller-identity --query Arn --output text")
