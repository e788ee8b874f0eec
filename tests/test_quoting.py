"""Names and values never become code: a hostile profile name in the prompts of real bash, sh, zsh and
fish, the shell's rc file, and every export format read back by the real consumer."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from rolecall.core.domain.errors import ConfigError, StorageError
from rolecall.core.gateways import spawn
from rolecall.core.store import storage
from rolecall.core.text import formats
from rolecall.core.text.display import printable
from tests.conftest import tool
from tests.terminal import Terminal

HOSTILE_NAMES = [
    "x$(touch {p})",
    "x`touch {p}`",
    "x\\$(touch {p})",
    "x'$(touch {p})'",
    'x"$(touch {p})"',
    "x$((1+1))${HOME}%n%~\\u\\w",
    "x\x1b]0;title\x07\x1b[31m",
    "x\\",
    "x%{\\e[31m%}",
]
NASTY_VALUES = [
    "$(touch {p})",
    "`touch {p}`",
    "a'b\"c\\d",
    "line1\nline2",
    "  spaced  ",
    "\u2018\u2019\u201a\u201b'",
    "${HOME}%PATH%$Env:HOME",
    "#not-a-comment",
    "tab\there",
    "ünïcødé ✓",
    "=",
    "",
]


@pytest.mark.parametrize("template", HOSTILE_NAMES)
@pytest.mark.parametrize("promptvars", ["-s", "-u"])
def test_bash_prompt_shows_a_hostile_profile_name_and_runs_nothing(tmp_path, template, promptvars):
    pwned = tmp_path / "pwned"
    name = template.replace("{p}", str(pwned))
    workdir = tmp_path / "shell"
    argv, _env = spawn.shell_argv({"SHELL": "/bin/bash"}, name, workdir)
    rc = argv[argv.index("--rcfile") + 1]
    script = f'shopt {promptvars} promptvars; PS1="\\$ "; . "$1"; printf "%s" "${{PS1@P}}"'
    done = subprocess.run(
        ["bash", "-c", script, "bash", rc],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
        env={"HOME": str(tmp_path), "PATH": os.environ["PATH"]},
    )
    assert done.returncode == 0, done.stderr
    assert not pwned.exists()
    assert done.stdout.startswith(f"(rolecall:{printable(name)}) "), done.stdout
    assert "\x1b" not in done.stdout


@pytest.mark.parametrize("template", HOSTILE_NAMES[:5])
def test_plain_sh_prompt_runs_nothing(tmp_path, template):
    pwned = tmp_path / "pwned"
    name = template.replace("{p}", str(pwned))
    argv, env = spawn.shell_argv({"SHELL": tool("dash")}, name, tmp_path / "shell")
    done = subprocess.run(
        argv + ["-i"],
        input="exit\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
        env={"HOME": str(tmp_path), "PATH": os.environ["PATH"], "PS1": env["PS1"]},
    )
    assert "(rolecall:x" in done.stderr
    assert not pwned.exists()


@pytest.mark.parametrize(
    "shell, user_rc",
    [("zsh", ""), ("zsh", "setopt prompt_subst\n"), ("fish", "")],
    ids=["zsh", "zsh prompt_subst", "fish"],
)
def test_zsh_and_fish_prompts_show_the_name_as_data(tmp_path, shell, user_rc):
    """The real shell on a pseudo-terminal: its prompt shows the hostile name as typed and runs none of it."""
    pwned = tmp_path / "pwned"
    name = f"x$(touch {pwned})%n`touch {pwned}`'\\"
    home = tmp_path / "home"
    home.mkdir()
    (home / ".zshrc").write_text(user_rc)
    argv, env = spawn.shell_argv({"SHELL": tool(shell), "ZDOTDIR": str(home)}, name, tmp_path / "shell")
    env = {**env, "HOME": str(home), "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    term = Terminal(argv, env, size=(500, 10))  # fish shortens a prompt wider than the terminal
    try:
        term.expect(re.escape(f"(rolecall:{name}) "))
        term.type("exit\r")
        assert term.wait() == 0
    finally:
        term.kill()
    assert not pwned.exists()


def test_shell_rc_is_not_written_through_a_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    workdir = tmp_path / "shell"
    workdir.mkdir(mode=0o700)
    (workdir / "bashrc").symlink_to(victim)
    spawn.shell_argv({"SHELL": "/bin/bash"}, "prod/Admin", workdir)
    assert victim.read_text() == "precious\n"
    assert not (workdir / "bashrc").is_symlink() and "rolecall:prod/Admin" in (workdir / "bashrc").read_text()
    linked = tmp_path / "linked"
    linked.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    argv, _ = spawn.shell_argv({"SHELL": "/bin/bash"}, "prod/Admin", linked)
    assert argv == ["/bin/bash"]  # the shell still starts, without an rc file
    assert list((tmp_path / "elsewhere").iterdir()) == []
    with pytest.raises(StorageError, match="symbolic link"):
        storage.private_dir(linked)


def _credentials(secret: str, token: str) -> dict:
    return {
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": secret,
        "SessionToken": token,
        "Expiration": "2026-01-01T13:00:00Z",
    }


@pytest.mark.parametrize("fmt", ["env", "dotenv"])
def test_env_and_dotenv_sourced_by_a_real_sh_give_back_every_value(tmp_path, fmt):
    pwned = tmp_path / "pwned"
    values = [v.replace("{p}", str(pwned)) for v in NASTY_VALUES]
    for value in values:
        text = formats.render_credentials(fmt, _credentials(value, value + "!"), "p", "eu-west-1")
        script = tmp_path / "creds"
        script.write_text(text)
        source = f". {script}" if fmt == "env" else f"set -a; . {script}"
        show = 'printf \'%s\\0%s\' "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"'
        done = subprocess.run(
            ["sh", "-c", f"{source}; {show}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
            env={"PATH": os.environ["PATH"]},
        )
        assert done.returncode == 0, (value, done.stderr)
        assert done.stdout.split("\0") == [value, value + "!"], value
    assert not pwned.exists()


def test_powershell_doubles_every_quote_character():
    text = formats.render_credentials("powershell", _credentials("a\u2018b\u2019c\u201ad\u201be'f", "t"), "p", None)
    line = next(line for line in text.splitlines() if line.startswith("$Env:AWS_SECRET_ACCESS_KEY"))
    assert line == "$Env:AWS_SECRET_ACCESS_KEY = 'a\u2018\u2018b\u2019\u2019c\u201a\u201ad\u201b\u201be''f'"


@pytest.mark.parametrize(
    ("value", "profile"), [("a\n[evil]\nx", "p"), ("a\rb", "p"), ("ok", "p]\n[evil"), ("ok", "a]b"), (" padded", "p")]
)
def test_credentials_format_refuses_what_would_change_the_ini(value, profile):
    with pytest.raises(ConfigError, match=r"credentials \(INI\)|INI section"):
        formats.render_credentials("credentials", _credentials(value, "t"), profile, None)
