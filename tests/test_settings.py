"""One settings table: flag > ROLECALL_* environment > settings.yaml > default, documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

from rolecall.core.store import settings
from tests.sts_proxy import Hanging

ROOT = Path(__file__).resolve().parent.parent

# ROLECALL_* names that are not settings: rolecall sets them in the environments it makes.
NOT_SETTINGS = {
    "ROLECALL_PROFILE",  # the profile of a role-scoped shell or command (and the nesting guard)
    "ROLECALL_ZDOTDIR",  # the user's own ZDOTDIR, kept for zsh inside `rolecall shell`
    "ROLECALL_DEMO",  # the demo's scratch directory, for the demo shell
    "ROLECALL_PROCESS_CHAIN",  # the profiles whose credential_process is running, against loops
    "ROLECALL_EXPIRES",  # when the credentials of a shell or command expire (epoch seconds), for rolecall_prompt
}


def write_settings(sandbox, text: str) -> Path:
    path = sandbox.home / ".config" / "rolecall" / "settings.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_flag_beats_environment_beats_settings_file_beats_default(sandbox, monkeypatch):
    monkeypatch.delenv("ROLECALL_CLIPBOARD_CLEAR")
    assert settings.get("clipboard_clear_seconds") == 60
    write_settings(sandbox, "clipboard_clear_seconds: 30\n")
    assert settings.get("clipboard_clear_seconds") == 30
    monkeypatch.setenv("ROLECALL_CLIPBOARD_CLEAR", "10")
    assert settings.get("clipboard_clear_seconds") == 10
    assert settings.get("clipboard_clear_seconds", 5.0) == 5


def test_app_settings_see_the_environment_over_the_file(sandbox, monkeypatch):
    write_settings(sandbox, "theme: nord\nkeymap:\n  forget: ctrl+d\nsts_attempts: 2\n")
    loaded = settings.load()
    assert (loaded.theme, loaded.keymap, loaded.get("sts_attempts"), loaded.problems) == (
        "nord",
        {"forget": "ctrl+d"},
        2,
        [],
    )
    monkeypatch.setenv("ROLECALL_THEME", "rolecall-light")
    monkeypatch.setenv("ROLECALL_STS_ATTEMPTS", "5")
    loaded = settings.load()
    assert (loaded.theme, loaded.get("sts_attempts")) == ("rolecall-light", 5)


def test_bad_values_in_the_settings_file_are_named_and_keep_their_defaults(sandbox):
    path = write_settings(sandbox, "sts_read_timeout: soon\ncolour: red\nkeymap: [q]\n")
    loaded = settings.load()
    assert [str(p) for p in loaded.problems] == [
        f"{path}: unknown setting 'colour'",
        f"{path}: keymap must be a mapping of binding ids to keys",
        f"{path}: sts_read_timeout must be a number of seconds",
    ]
    assert (loaded.get("sts_read_timeout"), loaded.keymap) == (5, {})


def test_a_broken_settings_file_is_ignored_with_one_problem(sandbox):
    path = write_settings(sandbox, "theme: [unclosed\n")
    loaded = settings.load()
    assert len(loaded.problems) == 1 and str(loaded.problems[0]).startswith(f"{path}: ignored: ")
    assert loaded.theme is None


def test_a_bad_variable_is_one_line_naming_it(cli):
    result = cli("assume", "prod/ReadOnly", env={"ROLECALL_STS_ATTEMPTS": "many"})
    assert (result.code, result.err.strip()) == (
        2,
        "rolecall: ROLECALL_STS_ATTEMPTS must be a whole number >= 1, not 'many'",
    )


def test_a_bad_flag_is_one_line_naming_it(cli):
    result = cli("copy", "prod/ReadOnly", "--clear-after", "-1")
    assert (result.code, result.err.strip()) == (2, "rolecall: --clear-after must be a number of seconds, not -1.0")


def test_timeouts_from_the_settings_file_reach_sts(cli, sandbox):
    write_settings(sandbox, "sts_read_timeout: 0.5\nsts_attempts: 1\n")
    hanging = Hanging()
    try:
        result = cli("assume", "prod/ReadOnly", env={"AWS_ENDPOINT_URL_STS": hanging.url})
    finally:
        hanging.close()
    assert result.code == 1
    assert result.err.startswith(f"rolecall: STS did not answer in time ({hanging.url})")


def test_every_rolecall_variable_in_the_code_is_a_setting():
    found = set()
    for path in (ROOT / "src" / "rolecall").rglob("*.py"):
        found |= set(re.findall(r"ROLECALL_[A-Z_]*[A-Z]", path.read_text(encoding="utf-8")))
    known = {s.env for s in settings.SETTINGS if s.env}
    assert found - NOT_SETTINGS == known


def test_every_setting_says_what_it_does():
    assert all(s.doc.strip().endswith(".") for s in settings.SETTINGS)
    assert len({s.name for s in settings.SETTINGS}) == len(settings.SETTINGS)


def test_readme_has_the_settings_table_made_from_the_code():
    assert settings.markdown_table() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_one_setting_is_read_without_tripping_over_another(sandbox, monkeypatch):
    monkeypatch.setenv("ROLECALL_CLIPBOARD_CLEAR", "soon")
    write_settings(sandbox, "sts_attempts: 2\n")
    assert settings.get("sts_attempts") == 2
