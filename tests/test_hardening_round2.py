"""Hardening, round two (issue 11): each class of hole an attacker or an unlucky user found, as tests.

Classes: names and values never become code; a cached session only serves the request that made it;
trust only what this user wrote; no secret left behind; hostile YAML stays cheap; odd cache contents
and odd I/O never give a traceback; endpoints. Everything runs against real shells, the real CLI and
moto's STS server.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rolecall.core import formats, layout, spawn, storage
from rolecall.core.display import printable
from rolecall.core.errors import ConfigError, StorageError
from tests.conftest import tool, wait_for
from tests.exports import sourced
from tests.terminal import Terminal

SESSION_FILE = "prod%2FReadOnly.json"
HOSTILE_NAMES = [
    "x$(touch {p})", "x`touch {p}`", "x\\$(touch {p})", "x'$(touch {p})'", 'x"$(touch {p})"',
    "x$((1+1))${HOME}%n%~\\u\\w", "x\x1b]0;title\x07\x1b[31m", "x\\", "x%{\\e[31m%}",
]
NASTY_VALUES = [
    "$(touch {p})", "`touch {p}`", "a'b\"c\\d", "line1\nline2", "  spaced  ", "\u2018\u2019\u201a\u201b'",
    "${HOME}%PATH%$Env:HOME", "#not-a-comment", "tab\there", "ünïcødé ✓", "=", "",
]


def _session_file(sandbox) -> Path:
    return sandbox.cache / "sessions" / SESSION_FILE


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


# ------------------------------------------------------------------ 1. names and values never become code


@pytest.mark.parametrize("template", HOSTILE_NAMES)
@pytest.mark.parametrize("promptvars", ["-s", "-u"])
def test_bash_prompt_shows_a_hostile_profile_name_and_runs_nothing(tmp_path, template, promptvars):
    pwned = tmp_path / "pwned"
    name = template.replace("{p}", str(pwned))
    workdir = tmp_path / "shell"
    argv, _env = spawn.shell_argv({"SHELL": "/bin/bash"}, name, workdir)
    rc = argv[argv.index("--rcfile") + 1]
    script = f'shopt {promptvars} promptvars; PS1="\\$ "; . "$1"; printf "%s" "${{PS1@P}}"'
    done = subprocess.run(["bash", "-c", script, "bash", rc], capture_output=True, text=True, check=False,
                          timeout=30, env={"HOME": str(tmp_path), "PATH": os.environ["PATH"]})
    assert done.returncode == 0, done.stderr
    assert not pwned.exists()
    assert done.stdout.startswith(f"(rolecall:{printable(name)}) "), done.stdout
    assert "\x1b" not in done.stdout


@pytest.mark.parametrize("template", HOSTILE_NAMES[:5])
def test_plain_sh_prompt_runs_nothing(tmp_path, template):
    pwned = tmp_path / "pwned"
    name = template.replace("{p}", str(pwned))
    argv, env = spawn.shell_argv({"SHELL": tool("dash")}, name, tmp_path / "shell")
    done = subprocess.run(argv + ["-i"], input="exit\n", capture_output=True, text=True, check=False, timeout=30,
                          env={"HOME": str(tmp_path), "PATH": os.environ["PATH"], "PS1": env["PS1"]})
    assert "(rolecall:x" in done.stderr
    assert not pwned.exists()


@pytest.mark.parametrize("shell, user_rc", [("zsh", ""), ("zsh", "setopt prompt_subst\n"), ("fish", "")],
                         ids=["zsh", "zsh prompt_subst", "fish"])
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
    return {"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": secret, "SessionToken": token,
            "Expiration": "2026-01-01T13:00:00Z"}


@pytest.mark.parametrize("fmt", ["env", "dotenv"])
def test_env_and_dotenv_sourced_by_a_real_sh_give_back_every_value(tmp_path, fmt):
    pwned = tmp_path / "pwned"
    values = [v.replace("{p}", str(pwned)) for v in NASTY_VALUES]
    for value in values:
        text = formats.render_credentials(fmt, _credentials(value, value + "!"), "p", "eu-west-1")
        script = tmp_path / "creds"
        script.write_text(text)
        source = f". {script}" if fmt == "env" else f"set -a; . {script}"
        show = "printf '%s\\0%s' \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\""
        done = subprocess.run(["sh", "-c", f"{source}; {show}"], capture_output=True, text=True, check=False,
                              timeout=30, env={"PATH": os.environ["PATH"]})
        assert done.returncode == 0, (value, done.stderr)
        assert done.stdout.split("\0") == [value, value + "!"], value
    assert not pwned.exists()


def test_powershell_doubles_every_quote_character():
    text = formats.render_credentials("powershell", _credentials("a\u2018b\u2019c\u201ad\u201be'f", "t"), "p", None)
    line = next(line for line in text.splitlines() if line.startswith("$Env:AWS_SECRET_ACCESS_KEY"))
    assert line == "$Env:AWS_SECRET_ACCESS_KEY = 'a\u2018\u2018b\u2019\u2019c\u201a\u201ad\u201b\u201be''f'"


@pytest.mark.parametrize(("value", "profile"), [("a\n[evil]\nx", "p"), ("a\rb", "p"), ("ok", "p]\n[evil"),
                                                  ("ok", "a]b"), (" padded", "p")])
def test_credentials_format_refuses_what_would_change_the_ini(value, profile):
    with pytest.raises(ConfigError, match=r"credentials \(INI\)|INI section"):
        formats.render_credentials("credentials", _credentials(value, "t"), profile, None)


# ------------------------------------------------------------------ 2. a cached session serves only its request

ROLE_EDITS = {
    "external_id": ("      - role: ReadOnly\n", "      - role: ReadOnly\n        external_id: new-external-id\n"),
    "session_policy_arns": ("      - role: ReadOnly\n", ("      - role: ReadOnly\n        session_policy_arns: "
                                                      "[arn:aws:iam::aws:policy/ReadOnlyAccess]\n")),
    "session_tags": ("      - role: ReadOnly\n", "      - role: ReadOnly\n        session_tags: {team: infra}\n"),
    "region": ("      - role: ReadOnly\n", "      - role: ReadOnly\n        region: us-west-2\n"),
    "duration": ("        duration: 4h\n", "        duration: 1h\n"),
}


@pytest.mark.parametrize("command", ["process", "export"])
@pytest.mark.parametrize("edit", sorted(ROLE_EDITS))
def test_a_changed_role_is_assumed_again(cli, sandbox, command, edit):
    first = cli("export", "prod/ReadOnly", "--format", "json").json()["AccessKeyId"]
    assert cli("export", "prod/ReadOnly", "--format", "json").json()["AccessKeyId"] == first  # cached
    old, new = ROLE_EDITS[edit]
    sandbox.write_profiles(sandbox.profiles.read_text().replace(old, new, 1))
    args = ["export", "prod/ReadOnly", "--format", "json"] if command == "export" else ["process", "prod/ReadOnly"]
    again = cli(*args)
    assert again.code == 0, again.err
    assert again.json()["AccessKeyId"] != first


def test_turning_on_mfa_never_serves_the_session_made_without_it(cli, sandbox):
    assert cli("process", "prod/ReadOnly").code == 0
    sandbox.write_profiles(sandbox.profiles.read_text().replace("        duration: 4h\n", "        duration: 4h\n"
                                                                "        mfa: true\n", 1))
    result = cli("process", "prod/ReadOnly")
    assert (result.code, result.out) == (2, "")
    assert "an MFA code is needed" in result.err


def test_a_cosmetic_change_keeps_the_session(cli, sandbox):
    first = cli("process", "prod/ReadOnly").json()["AccessKeyId"]
    sandbox.write_profiles(sandbox.profiles.read_text().replace("tags: {env: prod}", "tags: {env: production}"))
    assert cli("process", "prod/ReadOnly").json()["AccessKeyId"] == first


def test_export_twice_after_a_region_edit_prints_the_same_region(cli, sandbox, tmp_path):
    assert cli("export", "prod/ReadOnly").code == 0
    sandbox.write_profiles(sandbox.profiles.read_text().replace("region: eu-west-1", "region: ap-south-1"))
    first, second = cli("export", "prod/ReadOnly"), cli("export", "prod/ReadOnly")
    assert first.out == second.out
    (seen,) = sourced("dash", "env", [second.out], tmp_path)
    assert (seen["AWS_REGION"], seen["AWS_DEFAULT_REGION"]) == ("ap-south-1", "ap-south-1")


def test_fingerprint_ignores_only_cosmetic_keys():
    base = {"name": "a/B", "role_arn": "arn:aws:iam::222222222222:role/B", "region": "eu-west-1", "tags": {},
            "external_id": None, "session_policy_arns": []}
    assert layout.fingerprint(base) == layout.fingerprint({**base, "name": "c/D", "tags": {"x": "y"}})
    for key, value in (("region", "us-east-1"), ("external_id", "e"), ("session_policy_arns", ["arn"]),
                       ("mfa", True), ("via", "hub"), ("session_tags", {"t": "v"})):
        assert layout.fingerprint(base) != layout.fingerprint({**base, key: value}), key


# ------------------------------------------------------------------ 3. trust only what this user wrote


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])
def test_a_session_file_others_can_write_is_never_served(cli, sandbox, mode):
    first = cli("process", "prod/ReadOnly").json()
    path = _session_file(sandbox)
    os.chmod(path, mode)
    again = cli("process", "prod/ReadOnly")
    assert again.code == 0, again.err
    assert again.json()["AccessKeyId"] != first["AccessKeyId"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = list(path.parent.glob(SESSION_FILE + ".bad-*"))
    assert kept and first["SecretAccessKey"].encode() not in kept[0].read_bytes()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file to another user")
def test_a_session_file_owned_by_another_user_is_never_served(cli, sandbox):
    first = cli("process", "prod/ReadOnly").json()
    os.chown(_session_file(sandbox), 4242, 4242)
    again = cli("process", "prod/ReadOnly")
    assert again.code == 0, again.err
    assert again.json()["AccessKeyId"] != first["AccessKeyId"]
    assert _session_file(sandbox).stat().st_uid == os.getuid()


def test_a_session_file_in_a_directory_others_can_write_is_not_served_by_the_quick_path(cli, sandbox, capsys):
    from rolecall.cli import fast

    cached = cli("process", "prod/ReadOnly").json()  # assumed and cached; the profiles index is written
    capsys.readouterr()
    folder = sandbox.cache / "sessions"
    os.chmod(folder, 0o777)
    assert fast.serve(["process", "prod/ReadOnly"]) is None  # not served: the full CLI takes over
    assert capsys.readouterr().out == ""
    os.chmod(folder, 0o700)
    assert fast.serve(["process", "prod/ReadOnly"]) == 0  # the same file in a private directory: served
    assert json.loads(capsys.readouterr().out) == cached


def test_every_directory_of_the_cache_tree_is_private(cli, sandbox):
    assert cli("assume", "prod/ReadOnly").code == 0
    (sandbox.cache / "shell").mkdir(mode=0o755)  # as older versions left it
    for folder in (sandbox.cache, sandbox.cache / "sessions", sandbox.cache / "shell"):
        os.chmod(folder, 0o777)
    assert cli("process", "prod/ReadOnly").code == 0
    assert cli("shell", "prod/ReadOnly", env={"SHELL": tool("bash")}, input="exit 0\n").code == 0
    for folder, _dirs, _files in os.walk(sandbox.cache):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder


def test_a_symlinked_session_file_is_never_followed(cli, sandbox, tmp_path):
    first = cli("process", "prod/ReadOnly").json()
    elsewhere = tmp_path / "elsewhere.json"
    path = _session_file(sandbox)
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    again = cli("process", "prod/ReadOnly")
    assert again.code == 0, again.err
    assert again.json()["AccessKeyId"] != first["AccessKeyId"]
    assert not path.is_symlink()
    assert json.loads(elsewhere.read_text())["session"]["credentials"]["AccessKeyId"] == first["AccessKeyId"]


def test_a_lock_that_cannot_be_taken_fails_closed(cli, sandbox, tmp_path):
    (sandbox.cache / "sessions").mkdir(parents=True, mode=0o700)
    target = tmp_path / "target"
    (sandbox.cache / "sessions" / "prod%2FReadOnly.lock").symlink_to(target)
    result = cli("assume", "prod/ReadOnly")
    assert result.code == 2
    assert result.err.startswith("rolecall: cannot lock ") and "Traceback" not in result.err
    assert not target.exists()


def test_a_symlinked_cache_directory_is_refused(cli, sandbox, tmp_path):
    sandbox.cache.mkdir(parents=True, mode=0o700)
    (tmp_path / "other").mkdir(mode=0o700)
    (sandbox.cache / "sessions").symlink_to(tmp_path / "other", target_is_directory=True)
    result = cli("assume", "prod/ReadOnly")
    assert result.code == 2 and "symbolic link" in result.err and "Traceback" not in result.err
    assert list((tmp_path / "other").iterdir()) == []


# ------------------------------------------------------------------ 4. no secret left behind


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
    path = _session_file(sandbox)
    path.write_bytes(path.read_bytes()[:-40])  # cut short, as by a crash: still holds the secret and token
    assert cli("process", "prod/ReadOnly").code == 0
    kept = list(path.parent.glob(SESSION_FILE + ".bad-*"))
    assert len(kept) == 1
    raw = kept[0].read_bytes()
    assert good["AccessKeyId"].encode() in raw  # what is kept still tells which session it was
    assert good["SecretAccessKey"].encode() not in raw and good["SessionToken"][:40].encode() not in raw


def test_nothing_secret_is_left_on_disk_after_an_interrupted_run_and_sessions_clear(cli, sandbox):
    first = cli("export", "prod/ReadOnly", "--format", "json").json()
    hub = cli("export", "shared/Hub", "--format", "json").json()
    folder = sandbox.cache / "sessions"
    # An interrupted write leaves its temp file; a crash leaves a half-written entry.
    (folder / f".{SESSION_FILE}.{_dead_pid()}.1.tmp").write_bytes(_session_file(sandbox).read_bytes())
    hub_file = folder / "shared%2FHub.json"
    hub_file.write_bytes(hub_file.read_bytes()[:-30])
    secrets = [first["SecretAccessKey"], first["SessionToken"], hub["SecretAccessKey"], hub["SessionToken"][:40]]
    listed = cli("sessions")
    assert listed.code == 0 and "Traceback" not in listed.err
    left = _files_holding(sandbox.home, secrets)
    assert left == [f"{_session_file(sandbox)}: {first['SecretAccessKey'][:6]}...",
                    f"{_session_file(sandbox)}: {first['SessionToken'][:6]}..."]  # only the live entry
    cleared = cli("sessions", "--clear")
    assert cleared.code == 0, cleared.err
    assert _files_holding(sandbox.home, secrets) == []
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".lock")] == []


def _fake_tools(folder: Path, names: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    for name in names:
        tool = folder / name
        tool.write_text(
            "#!/bin/sh\n"
            f'printf "%s\\n" "$0 $*" >> "{folder}/argv.log"\n'
            f'case " $* " in *" -o "*) cat "{folder}/clipboard" 2>/dev/null;; *" --version "*) ;; '
            f'*) cat > "{folder}/clipboard";; esac\n'
        )
        tool.chmod(0o755)


def _clipboard_env(bin_dir: Path, path: str) -> dict:
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{path}", "DISPLAY": ":99"}
    env.pop("WAYLAND_DISPLAY", None)
    return env


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter: pyperclip picks its back-end once per process."""
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False,
                          timeout=30)


def test_clipboard_text_goes_through_stdin_never_argv(tmp_path):
    bin_dir = tmp_path / "bin"
    _fake_tools(bin_dir, ["xclip"])
    done = _python("from rolecall.core import clipboard\nprint(clipboard.copy('SECRET-TEXT-1'))",
                   _clipboard_env(bin_dir, os.environ["PATH"]))
    assert done.stdout.strip() == "system clipboard", done.stderr
    assert (bin_dir / "clipboard").read_text() == "SECRET-TEXT-1"
    assert "SECRET-TEXT-1" not in (bin_dir / "argv.log").read_text()


def test_a_clipboard_back_end_that_takes_argv_is_refused(tmp_path):
    bin_dir = tmp_path / "bin"
    _fake_tools(bin_dir, ["klipper", "qdbus"])
    system = tmp_path / "system"  # the one program the fakes use, and no xclip or xsel to be chosen first
    system.mkdir()
    (system / "cat").symlink_to(tool("cat"))
    path = f"{system}{os.pathsep}"
    done = _python("from rolecall.core import clipboard\nprint(clipboard.system_copy('SECRET-TEXT-2'))",
                   _clipboard_env(bin_dir, path))
    assert done.stdout.strip() == "False", done.stderr
    assert not (bin_dir / "argv.log").exists() or "SECRET-TEXT-2" not in (bin_dir / "argv.log").read_text()


def _clearers_of(bin_dir: Path) -> dict[int, str]:
    """The clipboard clearers (pid: command line) started for the fake clipboard in `bin_dir`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if "rolecall.core.clipboard" in command and str(bin_dir).encode() in environ:
                found[int(entry.name)] = command
    return found


def test_clipboard_is_cleared_by_a_process_that_outlives_its_parent_and_shows_nothing_in_argv(tmp_path):
    from rolecall.core.clipboard import fingerprint

    def copy_and_clear_after(seconds: float, bin_dir: Path) -> None:
        _fake_tools(bin_dir, ["xclip"])
        parent = ("from rolecall.core import clipboard\n"
                  "clipboard.copy('SECRET-TEXT-3')\n"
                  f"clipboard.clear_later('SECRET-TEXT-3', {seconds})\n")
        done = _python(parent, _clipboard_env(bin_dir, os.environ["PATH"]))
        assert done.returncode == 0, done.stderr  # the parent has quit; its clearer waits on

    waiting = tmp_path / "waiting"
    copy_and_clear_after(3600, waiting)
    (pid, command), = _clearers_of(waiting).items()
    try:
        assert "SECRET-TEXT-3" not in command and fingerprint("SECRET-TEXT-3") not in command
        assert (waiting / "clipboard").read_text() == "SECRET-TEXT-3"  # not cleared before its time
    finally:
        os.kill(pid, signal.SIGKILL)
    clearing = tmp_path / "clearing"
    copy_and_clear_after(0.1, clearing)
    wait_for(lambda: (clearing / "clipboard").read_text() == "")
    assert "SECRET-TEXT-3" not in (clearing / "argv.log").read_text()


# ------------------------------------------------------------------ 5. hostile YAML stays cheap


def test_an_alias_bomb_is_one_problem(cli, sandbox):
    lines = ["version: 1", "a: &a [x,x,x,x,x,x,x,x,x,x]"]
    for level, previous in zip("bcdefgh", "abcdefg", strict=True):
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 10) + "]")
    lines.append("accounts: *h")
    sandbox.profiles.write_text("\n".join(lines) + "\n")
    assert len(sandbox.profiles.read_bytes()) < 1024
    result = cli("check", timeout=30)
    assert result.code == 2
    assert result.out.splitlines() == [f"{sandbox.profiles}: YAML refused: aliases expand to more than 100,000 values"]
    assert len(cli("list", timeout=30).err) < 300


def test_a_huge_key_is_quoted_short(cli, sandbox):
    key = "k" * 1000
    sandbox.profiles.write_text(f"version: 1\naccounts: []\n{key}: 1\n{key}: 2\n")
    result = cli("check")
    assert result.code == 2
    assert all(len(line) < len(str(sandbox.profiles)) + 260 for line in result.out.splitlines())
    assert "duplicate key 'kkkk" in result.out


def test_a_merge_key_with_an_override_is_valid(cli, sandbox):
    sandbox.write_profiles("""\
        version: 1
        defaults: {source_profile: corp, region: eu-west-1}
        accounts:
          - &acc
            id: "222222222222"
            name: prod
            roles: [{role: ReadOnly}]
          - <<: *acc
            id: "333333333333"
            name: staging
        """)
    result = cli("check")
    assert (result.code, result.out.strip()) == (0, "ok: 3 profiles"), result.out + result.err


# ------------------------------------------------------------------ 6. odd cache contents and odd I/O


@pytest.mark.parametrize("expiration", [1767268800, None, "not a time", [1]])
def test_an_odd_expiration_in_the_cache_is_no_traceback(cli, sandbox, expiration):
    assert cli("assume", "prod/ReadOnly").code == 0
    path = _session_file(sandbox)
    data = json.loads(path.read_text())
    data["session"]["credentials"]["Expiration"] = expiration
    path.write_text(json.dumps(data))
    for args in (["process", "prod/ReadOnly"], ["list", "--json"], ["sessions"]):
        result = cli(*args)
        assert result.code == 0 and "Traceback" not in result.err, (args, result.err)


def _run_with_fds(args: list[str], stdout, stderr, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rolecall", *args], stdout=stdout, stderr=stderr,
                          env={**os.environ, **(env or {})}, check=False, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("cached", [True, False], ids=["quick path", "full path"])
def test_a_reader_that_has_gone_is_no_traceback(cli, sandbox, cached, tmp_path):
    if cached:
        assert cli("assume", "prod/ReadOnly").code == 0
    read_end, write_end = os.pipe()
    os.close(read_end)
    errors = tmp_path / "err"
    with open(errors, "w") as err:
        done = _run_with_fds(["export", "prod/ReadOnly"], write_end, err)
    os.close(write_end)
    text = errors.read_text()
    assert done.returncode == 1
    assert "Traceback" not in text and len(text.splitlines()) <= 1, text


def test_a_closed_stdout_is_no_traceback(cli, sandbox):
    assert cli("assume", "prod/ReadOnly").code == 0
    done = subprocess.run(["sh", "-c", f'exec "{sys.executable}" -m rolecall process prod/ReadOnly >&-'],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr


def test_a_closed_stderr_still_gives_the_answer(cli, sandbox):
    assert cli("assume", "prod/ReadOnly").code == 0
    sandbox.profiles.write_text(sandbox.profiles.read_text() + "bogus: 1\n")  # a problem, noted on stderr
    noted = cli("list", "--json")
    assert noted.code == 0 and "problem" in noted.err
    done = subprocess.run(["sh", "-c", f'exec "{sys.executable}" -m rolecall list --json 2>&-'],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0
    assert json.loads(done.stdout) == noted.json()  # the note went nowhere, least of all into stdout


NON_ASCII = """\
version: 1
defaults: {source_profile: corp, region: eu-west-1}
accounts:
  - id: "555555555555"
    name: prød-ünï
    roles: [{role: ReadOnly}]
"""


def test_non_ascii_names_are_cached_and_printed_whatever_the_output_encoding(cli, sandbox):
    sandbox.write_profiles(NON_ASCII)
    first = cli("process", "prød-ünï/ReadOnly")
    assert first.code == 0, first.err
    assert cli("process", "prød-ünï/ReadOnly").json() == first.json()  # served from the cache
    ascii_env = {"PYTHONIOENCODING": "ascii"}
    for args in (["export", "prød-ünï/ReadOnly", "--format", "credentials"], ["list"], ["sessions"]):
        done = cli(*args, env=ascii_env)
        assert done.code == 0 and "Traceback" not in done.err, (args, done.err)
        assert "pr\\xf8d-\\xfcn\\xef/ReadOnly" in done.out, (args, done.out)
    assert cli("export", "prød-ünï/ReadOnly", "--format", "credentials").out.startswith("[prød-ünï/ReadOnly]\n")


def test_a_240_character_profile_name_is_cached(cli, sandbox):
    name = "p" * 240
    sandbox.aws_config.write_text(
        f"[profile {name}]\nrole_arn = arn:aws:iam::666666666666:role/Long\nsource_profile = corp\n")
    first = cli("process", name)
    assert first.code == 0, first.err
    assert "cannot write" not in first.err
    assert cli("process", name).json() == first.json()
    names = [p.name for p in (sandbox.cache / "sessions").iterdir() if p.name.startswith("p")]
    assert names and all(len(n) <= 255 for n in names)
    assert any(s["name"] == name for s in cli("sessions", "--json").json())


def test_cache_file_names_stay_readable_and_short():
    assert layout.entry_file_name("prod/Admin") == "prod%2FAdmin.json"
    long_name = layout.entry_file_name("ü" * 200)
    assert len(long_name) <= layout.MAX_NAME + 5 and long_name.startswith("%C3%BC")
    assert layout.entry_file_name("ü" * 200) != layout.entry_file_name("ü" * 201)


def test_a_read_only_cache_gives_one_line_for_sessions_clear_and_still_opens_a_shell(cli, sandbox, small_disk):
    disk = small_disk("1m")
    env = {**disk.env, "SHELL": tool("bash")}
    assert cli("assume", "prod/ReadOnly", env=env, wrap=disk.wrap).code == 0
    disk.read_only()
    cleared = cli("sessions", "--clear", env=env, wrap=disk.wrap)
    assert cleared.code == 2
    assert cleared.err.startswith("rolecall: cannot remove ") and "read-only" in cleared.err
    assert "Traceback" not in cleared.err
    shell = cli("shell", "prod/ReadOnly", env=env, wrap=disk.wrap, input='echo "key=$AWS_ACCESS_KEY_ID"\nexit 0\n')
    assert shell.code == 0, shell.err
    assert "key=ASIA" in shell.out and "Traceback" not in shell.err


# ------------------------------------------------------------------ 7. endpoints


@pytest.mark.parametrize("url", ["https://signin.example.com/federation", "http://127.0.0.1:8080/federation",
                                 "http://localhost/f", "http://[::1]:9000/f"])
def test_federation_url_accepts_https_and_loopback_http(monkeypatch, url):
    from rolecall.core import console

    monkeypatch.setenv("ROLECALL_FEDERATION_URL", url)
    assert console.federation_url() == url


@pytest.mark.parametrize("url", ["http://example.com/federation", "http://127.0.0.1.evil.example/f", "ftp://x/",
                                 "file:///etc/passwd", "https://user:pw@host/f", "https:///nohost", "signin"])
def test_federation_url_refuses_anything_else(cli, sandbox, url):
    assert cli("assume", "prod/ReadOnly").code == 0
    result = cli("console", "prod/ReadOnly", "--print", env={"ROLECALL_FEDERATION_URL": url})
    assert result.code == 2
    assert result.err.startswith("rolecall: ROLECALL_FEDERATION_URL ") and "Traceback" not in result.err
    assert result.out == ""
