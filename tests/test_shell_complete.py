"""Completion: the hidden `rolecall __complete` and Tab in real bash, zsh and fish."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rolecall
from rolecall.core.shell import complete, tab
from rolecall.core.shell.scripts import init_script
from rolecall.core.store import paths, quick
from rolecall.core.text.formats import fish_quote, sh_quote
from tests.shells import Shell

# An ~/.aws/config profile whose name holds a colon, where bash splits words.
AWS_CONFIG = """\
[profile team:data]
role_arn = arn:aws:iam::555555555555:role/Analyst
source_profile = corp
"""


def lines(result) -> list[str]:
    assert result.code == 0, result.err
    assert result.err == ""
    return result.out.splitlines()


def test_commands_options_and_profiles_come_from_the_parser_and_the_index(cli):
    assert {"assume", "exec", "init", "use", "sessions"} <= set(lines(cli("__complete", "zsh", "rolecall", "")))
    assert lines(cli("__complete", "fish", "rolecall", "se")) == ["sessions"]
    assert lines(cli("__complete", "zsh", "rolecall", "use", "prod/")) == ["prod/Admin", "prod/ReadOnly"]
    assert lines(cli("__complete", "zsh", "rolecall", "exec", "--", "")) == []
    assert lines(cli("__complete", "zsh", "rolecall", "exec", "--re")) == ["--region"]
    assert "--emit" not in lines(cli("__complete", "zsh", "rolecall", "use", "--"))
    assert lines(cli("__complete", "zsh", "rolecall", "export", "prod/Admin", "--format", "j")) == ["json"]
    assert lines(cli("__complete", "zsh", "rolecall", "init", "")) == ["bash", "fish", "powershell", "zsh"]
    assert lines(cli("__complete", "zsh", "rolecall", "use", "prod/Admin", "")) == []


def test_a_new_profile_is_completed_at_once_and_a_broken_index_is_rebuilt(cli, sandbox):
    assert lines(cli("__complete", "zsh", "rolecall", "use", "team")) == []
    sandbox.aws_config.write_text(AWS_CONFIG)
    assert lines(cli("__complete", "zsh", "rolecall", "use", "team")) == ["team:data"]
    for stale in sandbox.cache.iterdir():
        if stale.is_file():
            stale.write_text("{not json")
    assert lines(cli("__complete", "zsh", "rolecall", "use", "team")) == ["team:data"]


def test_bash_gets_words_cut_where_bash_splits_them(cli, sandbox):
    sandbox.aws_config.write_text(AWS_CONFIG)
    assert lines(cli("__complete", "bash", "rolecall use team:d")) == ["data"]
    assert lines(cli("__complete", "bash", "rolecall use tea")) == ["team:data"]
    assert lines(cli("__complete", "bash", "rolecall --pro")) == ["--profiles"]


def test_a_bad_request_is_one_line(cli):
    result = cli("__complete", "tcsh")
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("rolecall: usage: rolecall __complete")


@pytest.mark.parametrize("name", ["bash", "zsh", "fish"])
def test_tab_completes_the_function_in_each_shell(name, sandbox, tmp_path):
    sandbox.aws_config.write_text(AWS_CONFIG)
    sh = Shell(name, sandbox, tmp_path)
    try:
        sh.term.type("rolecall sess\t")
        sh.term.expect(r"rolecall sessions ?")
        sh.term.type("\x15")  # Ctrl+U: clear the line
        sh.term.type("rolecall use prod/R\t")
        sh.term.expect(r"rolecall use prod/ReadOnly")
        sh.term.type("\x15")
        sh.term.type("rolecall use team:\t")
        sh.term.expect(r"rolecall use team:data")
        sh.term.type("\x15")
        sh.term.type("rolecall use prod/\t\t")
        sh.term.expect(r"prod/Admin\s+prod/ReadOnly")
        sh.term.type("\x15\n")
    finally:
        sh.close()


# -- the fast path: core/shell/tab.py under `python -I -S`, the program only when the cache is stale


def completions_run(sh: Shell) -> int:
    return sum(line.startswith("__complete ") for line in sh.starts())


def tabs_answered_from_the_cache(sh: Shell) -> int:
    """A Tab (which may run the program to fill the cache), then another that tab.py answers
    from the cache without running it; how many times the program ran."""
    sh.term.type("rolecall use prod/R\t")
    sh.term.expect(r"rolecall use prod/ReadOnly")
    sh.term.type("\x15")
    built = completions_run(sh)
    sh.term.type("rolecall assume prod/A\t")
    sh.term.expect(r"rolecall assume prod/Admin")
    sh.term.type("\x15")
    assert completions_run(sh) == built
    return built


@pytest.mark.parametrize("name", ["bash", "zsh", "fish"])
def test_a_tab_starts_no_program_until_a_source_changes_and_then_shows_the_new_profile(name, sandbox, tmp_path):
    sh = Shell(name, sandbox, tmp_path)
    try:
        built = tabs_answered_from_the_cache(sh)
        sandbox.aws_config.write_text(AWS_CONFIG)
        sh.term.type("rolecall use team:\t")
        sh.term.expect(r"rolecall use team:data")
        sh.term.type("\x15")
        rebuilt = completions_run(sh)
        assert rebuilt > built  # ~/.aws/config changed: the program answered and rebuilt the names
        sh.term.type("rolecall whoami tea\t")
        sh.term.expect(r"rolecall whoami team:data")
        sh.term.type("\x15\n")
        assert completions_run(sh) == rebuilt
    finally:
        sh.close()


# A directory name the init output must quote in every shell.
NASTY = 'it\'s "a" $HOME `x` \\ dir'


@pytest.mark.parametrize(
    ("name", "gone"),
    [(shell, gone) for shell in ("bash", "zsh", "fish") for gone in ("interpreter", "module")],
)
def test_tab_falls_back_to_the_program_when_the_interpreter_or_module_is_gone(name, gone, sandbox, tmp_path):
    """The init is printed by an interpreter and a package reached through links whose names need
    quoting; Tab works through them, and after either is removed the program answers instead."""
    places = tmp_path / NASTY
    places.mkdir()
    venv, src = places / "venv", places / "src"
    venv.symlink_to(Path(sys.executable).parent.parent, target_is_directory=True)
    src.symlink_to(Path(rolecall.__file__).parent.parent, target_is_directory=True)
    python = venv / "bin" / Path(sys.executable).name
    if name == "fish":
        init = f"env PYTHONPATH={fish_quote(str(src))} {fish_quote(str(python))} -m rolecall init fish | source\n"
    else:
        init = f'eval "$(PYTHONPATH={sh_quote(str(src))} {sh_quote(str(python))} -m rolecall init {name})"\n'
    sh = Shell(name, sandbox, tmp_path, rc_extra=init)
    try:
        built = tabs_answered_from_the_cache(sh)  # through the quoted paths
        (venv if gone == "interpreter" else src).unlink()
        sh.term.type("rolecall whoami prod/R\t")
        sh.term.expect(r"rolecall whoami prod/ReadOnly")
        sh.term.type("\x15\n")
        assert completions_run(sh) > built
    finally:
        sh.close()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_an_interpreter_path_the_terminal_would_show_raw_leaves_tab_to_the_program(shell, monkeypatch):
    assert "-I -S -c" in init_script(shell, 600, tab.command())
    monkeypatch.setattr(sys, "executable", "/opt/py\x1b]0;owned\x07/bin/python3")
    assert tab.command() is None
    script = init_script(shell, 600, tab.command())
    assert "-I -S" not in script and "\x1b" not in script
    assert "__complete" in script


def fast_tab(*args: str) -> subprocess.CompletedProcess[str]:
    """tab.py started exactly as the init scripts start it."""
    fast = tab.command()
    assert fast is not None
    return subprocess.run(
        [fast[0], "-I", "-S", "-c", tab.BOOT, fast[1], *args], capture_output=True, text=True, timeout=60
    )


def test_the_fast_path_answers_what_the_program_answers_and_misses_when_stale(cli, sandbox):
    asked = [
        ("zsh", "rolecall", "use", "prod/"),
        ("fish", "rolecall", "--profiles", str(sandbox.profiles), "exec", "prod/A"),
        ("zsh", "rolecall", "export", "prod/Admin", "--format", "j"),
        ("bash", "rolecall use prod/Read"),
        ("powershell", "rolecall", "se"),
    ]
    assert fast_tab(*asked[0]).returncode == tab.MISS  # nothing cached yet
    for words in asked:
        slow = lines(cli("__complete", *words))
        fast = fast_tab(*words)
        assert (fast.returncode, fast.stdout.splitlines(), fast.stderr) == (0, slow, ""), words
    for source in (sandbox.aws_config, sandbox.profiles, sandbox.aws_credentials):
        source.parent.mkdir(parents=True, exist_ok=True)
        with source.open("a") as handle:
            handle.write("\n# edited\n")
        assert fast_tab("zsh", "rolecall", "use", "").returncode == tab.MISS, source
        assert "prod/Admin" in lines(cli("__complete", "zsh", "rolecall", "use", ""))
        assert fast_tab("zsh", "rolecall", "use", "").returncode == 0, source
    assert fast_tab("tcsh", "rolecall").returncode == tab.MISS  # the program says what is wrong


def test_the_fast_path_imports_only_os_binascii_and_its_package(cli):
    assert lines(cli("__complete", "zsh", "rolecall", "use", "prod/")) == ["prod/Admin", "prod/ReadOnly"]
    fast = tab.command()
    assert fast is not None
    report = "import sys;print(sorted(sys.modules),file=sys.stderr)"
    probe = tab.BOOT.replace("sys.exit(main(sys.argv[1:]))", f"code=main(sys.argv[1:]);{report};sys.exit(code)")
    done = subprocess.run(
        [fast[0], "-I", "-S", "-c", probe, fast[1], "zsh", "rolecall", "use", "prod/"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "prod/Admin\nprod/ReadOnly\n")
    baseline = subprocess.run(
        [fast[0], "-I", "-S", "-c", f"import os;{report}"], capture_output=True, text=True, timeout=60
    )
    added = set(ast.literal_eval(done.stderr)) - set(ast.literal_eval(baseline.stderr))
    assert added == {
        "rolecall",
        "rolecall.core",
        "rolecall.core.shell",
        "rolecall.core.shell.tab",
        "binascii",
        "__future__",
    }


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"XDG_CACHE_HOME": " /tmp//x/./cache/ ", "XDG_CONFIG_HOME": "relative/conf"},
        {"ROLECALL_CACHE_DIR": "~/c//d/", "ROLECALL_PROFILES": "~/p.yaml", "AWS_CONFIG_FILE": "//net/./config"},
        {"XDG_CACHE_HOME": "", "AWS_SHARED_CREDENTIALS_FILE": "~/creds", "ROLECALL_PROFILES": "./a/../b.yaml"},
    ],
)
def test_the_fast_path_finds_the_files_the_program_writes(env, sandbox, monkeypatch):
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    assert tab.cache_dir() == str(paths.cache_dir())
    for explicit in (None, "~/other.yaml", "x//y.yaml"):
        profiles = tab.profiles_file(explicit)
        assert profiles == str(paths.profiles_file(explicit))
        assert tab.names_file_name(profiles) == Path(complete.names_file(explicit)).name
        assert tab.names_key(profiles) == json.loads(json.dumps(quick.index_key(explicit)))


@given(st.text(alphabet="/.~ab", max_size=12))
def test_paths_are_spelled_as_pathlib_spells_them(text):
    assert tab.normal(text) == str(PurePosixPath(text))
    try:
        expected = str(Path(text).expanduser())
    except RuntimeError:  # ~b: no such user
        with pytest.raises(tab.Miss):
            tab.expanded(text)
        return
    assert tab.expanded(text) == expected


def test_a_tab_file_others_could_have_written_is_not_read(cli, sandbox):
    assert lines(cli("__complete", "zsh", "rolecall", "use", "prod/")) == ["prod/Admin", "prod/ReadOnly"]
    assert fast_tab("zsh", "rolecall", "use", "prod/").stdout == "prod/Admin\nprod/ReadOnly\n"
    names = next(sandbox.cache.glob("names-*.marshal"))
    names.chmod(0o622)
    assert fast_tab("zsh", "rolecall", "use", "prod/").returncode == tab.MISS
    assert lines(cli("__complete", "zsh", "rolecall", "use", "prod/")) == ["prod/Admin", "prod/ReadOnly"]
    assert names.stat().st_mode & 0o777 == 0o600  # rewritten by the program, as its own
    names.unlink()
    names.symlink_to(sandbox.cache / tab.spec_file_name())
    assert fast_tab("zsh", "rolecall", "use", "prod/").returncode == tab.MISS
