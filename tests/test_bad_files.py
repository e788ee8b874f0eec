"""Whatever is in the user's files (or the disk under them), rolecall explains itself in one line and
loses nothing: broken and hostile profiles files, odd ~/.aws files, damaged caches, a full or read-only disk."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.conftest import tool

CONFIG_PROBLEM_FILES = {
    "empty": ("", "the file is empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
    "a list at the top": ("- just\n- a list\n", "expected a mapping"),
    "wrong types": ('version: 1\naccounts:\n  - id: "222222222222"\n    roles: {role: Admin}\n', "has no roles list"),
    "duplicated keys": ("version: 1\naccounts: []\naccounts: []\n", "duplicate key 'accounts'"),
    "tabs": ('version: 1\naccounts:\n\t- id: "222222222222"\n', "YAML syntax error"),
    "via itself": (
        'version: 1\ndefaults: {source_profile: corp}\naccounts:\n  - id: "222222222222"\n    name: a\n'
        "    roles:\n      - role: X\n        via: a/X\n",
        "via makes a cycle (a/X -> a/X)",
    ),
    "tags not a mapping": (
        'version: 1\naccounts:\n  - id: "222222222222"\n    tags: [a, b]\n    roles: [{role: X}]\n',
        "tags must be a mapping",
    ),
    "mfa not a boolean": (
        'version: 1\naccounts:\n  - id: "222222222222"\n    roles: [{role: X, mfa: "yes please"}]\n',
        "mfa must be true or false",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_PROBLEM_FILES))
def test_broken_profiles_file_is_exit_2_and_one_line_per_problem(cli, sandbox, case):
    content, expected = CONFIG_PROBLEM_FILES[case]
    if isinstance(content, bytes):
        sandbox.profiles.write_bytes(content)
    else:
        sandbox.profiles.write_text(content)
    result = cli("check")
    assert result.code == 2
    assert expected in result.out, result.out
    assert "Traceback" not in result.out + result.err
    listing = cli("list", "--json")
    unreadable = case in ("binary", "tabs")  # nothing of the file could be read: list says so and fails
    assert (listing.code, "Traceback" in listing.err) == (2 if unreadable else 0, False)


def test_huge_profiles_file_loads(cli, sandbox):
    lines = ["version: 1", "defaults: {source_profile: corp}", "accounts:"]
    for n in range(2000):
        lines += [f'  - id: "{100000000000 + n}"', f"    name: a{n}", "    roles:"]
        lines += [f"      - role: R{r}" for r in range(10)]
    sandbox.profiles.write_text("\n".join(lines))
    result = cli("check")
    assert (result.code, result.out.strip()) == (0, "ok: 20001 profiles")


def test_aws_config_with_a_syntax_error(cli, sandbox):
    sandbox.aws_config.write_text("[profile ops\nrole_arn = arn:aws:iam::555555555555:role/Ops\n")
    result = cli("check")
    assert result.code == 2
    assert f"{sandbox.aws_config}:1: cannot parse: File contains no section headers." in result.out
    assert cli("process", "prod/ReadOnly").code == 0  # profiles.yaml still works


def test_aws_config_role_with_a_missing_source_profile(cli, sandbox):
    sandbox.aws_config.write_text(
        "[profile ops]\nrole_arn = arn:aws:iam::555555555555:role/Ops\nsource_profile = nobody\n"
    )
    result = cli("check")
    assert result.code == 2
    assert f"{sandbox.aws_config}:3: profile ops: source_profile 'nobody' is not in" in result.out


def test_missing_credentials_file(cli, sandbox):
    sandbox.aws_credentials.unlink()
    result = cli("assume", "prod/ReadOnly")
    assert result.code == 2
    assert result.err.startswith("rolecall: source_profile 'corp' has no keys in")


def test_unreadable_credentials_file(cli, sandbox):
    sandbox.aws_credentials.unlink()
    sandbox.aws_credentials.mkdir()  # a directory where the file should be: unreadable as a file, even for root
    result = cli("assume", "prod/ReadOnly")
    assert result.code == 2, result.err
    assert result.err.startswith("rolecall: ")
    assert "Traceback" not in result.err


@pytest.mark.parametrize("garbage", [b"", b'{"format": 1, "sess', b"\x00\xff garbage", b"[1, 2, 3]"])
def test_damaged_cache_file_reads_as_absent_and_is_kept_aside(cli, sandbox, garbage):
    assert cli("assume", "prod/ReadOnly").code == 0
    path = sandbox.session_file()
    path.write_bytes(garbage)
    result = cli("process", "prod/ReadOnly")
    assert result.code == 0, result.err
    assert json.loads(path.read_text())["session"]["profile"] == "prod/ReadOnly"  # rewritten
    if garbage not in (b"[1, 2, 3]",):
        kept = list(path.parent.glob(path.name + ".bad-*"))
        assert kept and kept[0].read_bytes() == garbage


def test_loose_cache_dir_permissions_are_tightened(cli, sandbox):
    sandbox.cache.mkdir(parents=True)
    os.chmod(sandbox.cache, 0o755)
    assert cli("assume", "prod/ReadOnly").code == 0
    assert stat.S_IMODE(sandbox.cache.stat().st_mode) == 0o700


def test_full_disk_keeps_the_old_session_and_says_so(cli, sandbox, small_disk):
    disk = small_disk("64k")
    cache, env = disk.path, disk.env
    seeded = cli("assume", "prod/ReadOnly", env=env, wrap=disk.wrap)
    assert seeded.code == 0, seeded.err
    saved = (cache / "sessions" / "prod%2FReadOnly.json").read_bytes()
    disk.fill()
    result = cli("assume", "--refresh", "prod/ReadOnly", env=env, wrap=disk.wrap)
    assert result.code == 0  # the credentials are still handed out...
    assert "the disk is full" in result.err  # ...with a clear warning
    assert "Traceback" not in result.err
    assert (cache / "sessions" / "prod%2FReadOnly.json").read_bytes() == saved
    assert not list((cache / "sessions").glob(".*.tmp"))


def test_read_only_cache_keeps_the_old_session_and_says_so(cli, sandbox, small_disk):
    disk = small_disk("1m")
    cache, env = disk.path, disk.env
    assert cli("assume", "prod/ReadOnly", env=env, wrap=disk.wrap).code == 0
    saved = (cache / "sessions" / "prod%2FReadOnly.json").read_bytes()
    disk.read_only()
    result = cli("assume", "--refresh", "prod/ReadOnly", env=env, wrap=disk.wrap)
    assert result.code == 0
    assert "read-only" in result.err and "Traceback" not in result.err
    assert (cache / "sessions" / "prod%2FReadOnly.json").read_bytes() == saved


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


def test_a_bad_file_never_loses_a_cached_session(cli, sandbox):
    first = cli("process", "prod/ReadOnly")
    assert first.code == 0, first.err
    entry = sandbox.session_file()
    saved = entry.read_bytes()
    good = sandbox.profiles.read_text()
    sandbox.profiles.write_text("version: 1\naccounts: [\n")
    for args in (
        ["process", "prod/ReadOnly"],
        ["export", "prod/ReadOnly"],
        ["list", "--json"],
        ["sessions"],
        ["check"],
    ):
        result = cli(*args)
        assert result.code == 2 or args == ["sessions"], (args, result.err)
        assert "Traceback" not in result.err and len(result.err.splitlines()) <= 2, (args, result.err)
        assert entry.read_bytes() == saved, args
    sandbox.profiles.write_text(good)
    again = cli("process", "prod/ReadOnly")
    assert (again.code, again.json()) == (0, first.json())  # the same session, served from the cache


# ------------------------------------------------------------------ hostile YAML stays cheap


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
