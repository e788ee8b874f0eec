"""A cached session serves only the request that made it, only from files this user wrote, and
whatever a cache file holds or is named, never with a traceback. The real CLI against moto's STS."""

from __future__ import annotations

import json
import os
import stat

import pytest

from rolecall.core.store import layout
from tests.conftest import tool
from tests.exports import sourced

# ------------------------------------------------------------------ a cached session serves only its request

ROLE_EDITS = {
    "external_id": ("      - role: ReadOnly\n", "      - role: ReadOnly\n        external_id: new-external-id\n"),
    "session_policy_arns": (
        "      - role: ReadOnly\n",
        ("      - role: ReadOnly\n        session_policy_arns: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n"),
    ),
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
    sandbox.write_profiles(
        sandbox.profiles.read_text().replace("        duration: 4h\n", "        duration: 4h\n        mfa: true\n", 1)
    )
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
    base = {
        "name": "a/B",
        "role_arn": "arn:aws:iam::222222222222:role/B",
        "region": "eu-west-1",
        "tags": {},
        "external_id": None,
        "session_policy_arns": [],
    }
    assert layout.fingerprint(base) == layout.fingerprint({**base, "name": "c/D", "tags": {"x": "y"}})
    for key, value in (
        ("region", "us-east-1"),
        ("external_id", "e"),
        ("session_policy_arns", ["arn"]),
        ("mfa", True),
        ("via", "hub"),
        ("session_tags", {"t": "v"}),
    ):
        assert layout.fingerprint(base) != layout.fingerprint({**base, key: value}), key


# ------------------------------------------------------------------ trust only what this user wrote


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])
def test_a_session_file_others_can_write_is_never_served(cli, sandbox, mode):
    first = cli("process", "prod/ReadOnly").json()
    path = sandbox.session_file()
    os.chmod(path, mode)
    again = cli("process", "prod/ReadOnly")
    assert again.code == 0, again.err
    assert again.json()["AccessKeyId"] != first["AccessKeyId"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = list(path.parent.glob(sandbox.session_file().name + ".bad-*"))
    assert kept and first["SecretAccessKey"].encode() not in kept[0].read_bytes()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file to another user")
def test_a_session_file_owned_by_another_user_is_never_served(cli, sandbox):
    first = cli("process", "prod/ReadOnly").json()
    os.chown(sandbox.session_file(), 4242, 4242)
    again = cli("process", "prod/ReadOnly")
    assert again.code == 0, again.err
    assert again.json()["AccessKeyId"] != first["AccessKeyId"]
    assert sandbox.session_file().stat().st_uid == os.getuid()


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
    path = sandbox.session_file()
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


# ------------------------------------------------------------------ odd contents and names


@pytest.mark.parametrize("expiration", [1767268800, None, "not a time", [1]])
def test_an_odd_expiration_in_the_cache_is_no_traceback(cli, sandbox, expiration):
    assert cli("assume", "prod/ReadOnly").code == 0
    path = sandbox.session_file()
    data = json.loads(path.read_text())
    data["session"]["credentials"]["Expiration"] = expiration
    path.write_text(json.dumps(data))
    for args in (["process", "prod/ReadOnly"], ["list", "--json"], ["sessions"]):
        result = cli(*args)
        assert result.code == 0 and "Traceback" not in result.err, (args, result.err)


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
        f"[profile {name}]\nrole_arn = arn:aws:iam::666666666666:role/Long\nsource_profile = corp\n"
    )
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
