"""Long-lived keys in the OS keyring: `add` (terminal or stdin, never argv), `remove`, `rotate`
against moto's IAM, keyring keys as base credentials, and `check` naming plain-text keys."""

from __future__ import annotations

import json
import sys

import boto3
import pytest

from tests.terminal import Terminal

MFA = "arn:aws:iam::123456789012:mfa/alice"


@pytest.fixture
def ring(sandbox, moto_sts, monkeypatch, tmp_path):
    """A file-backed keyring (in this process and in every `rolecall` the test runs), IAM on moto,
    and no plain-text keys: an IAM user alice with one access key. Yields (keyring file, iam client, keys)."""
    import keyring

    path = tmp_path / "keyring.json"
    for name, value in {
        "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
        "ROLECALL_TEST_KEYRING": str(path),
        "AWS_ENDPOINT_URL_IAM": moto_sts,
    }.items():
        monkeypatch.setenv(name, value)
        sandbox.env[name] = value
    previous = keyring.get_keyring()
    from tests.file_keyring import FileKeyring

    keyring.set_keyring(FileKeyring())
    sandbox.aws_credentials.unlink()
    iam = boto3.client(
        "iam",
        endpoint_url=moto_sts,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    iam.create_user(UserName="alice")
    made = iam.create_access_key(UserName="alice")["AccessKey"]
    yield path, iam, (made["AccessKeyId"], made["SecretAccessKey"])
    keyring.set_keyring(previous)


def _stored(path):
    data = json.loads(path.read_text())
    return json.loads(data["rolecall\tkeys:corp"])


def _active_keys(iam):
    return {k["AccessKeyId"] for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]}


def test_added_keys_live_only_in_the_keyring_and_are_the_base_of_roles(cli, sandbox, ring):
    path, _, (key, secret) = ring
    before = cli("assume", "prod/ReadOnly")
    assert before.code == 2 and "source_profile 'corp'" in before.err
    assert "corp" not in {p["name"] for p in cli("list", "--json").json()}

    added = cli("add", "corp", input=f"{key}\n{secret}\n")
    assert (added.code, added.err) == (0, f"rolecall: stored keys {key} of corp in the OS keyring\n")
    assert _stored(path) == {"AccessKeyId": key, "SecretAccessKey": secret}
    on_disk = "".join(p.read_text(errors="replace") for p in sandbox.home.rglob("*") if p.is_file())
    assert secret not in on_disk

    listed = cli("list", "--json").json()  # the profiles index saw the keyring's list change
    assumed = cli("assume", "prod/ReadOnly")
    assert assumed.code == 0, assumed.err
    sandbox.aws_config.write_text(
        "[profile cfg-role]\nrole_arn = arn:aws:iam::555555555555:role/Ops\nsource_profile = corp\n", encoding="utf-8"
    )
    from_config = cli(
        "exec", "cfg-role", "--", sys.executable, "-c", "import os; print(os.environ['AWS_ACCESS_KEY_ID'][:4])"
    )
    assert (from_config.code, from_config.out, from_config.err) == (0, "ASIA\n", "")
    assert cli("check").err == ""
    assert [p["role"] for p in listed if p["name"] == "corp"] == ["static keys"]
    assert cli("process", "corp").code == 0  # its own GetSessionToken session, from the keyring's keys


def test_add_on_a_terminal_does_not_echo_the_secret(sandbox, ring):
    path, _, (key, secret) = ring
    term = Terminal([sys.executable, "-m", "rolecall", "add", "corp"], env=dict(__import__("os").environ))
    term.expect("Access key ID:")
    term.type(key + "\r")
    term.expect("Secret access key:")
    term.type(secret + "\r")
    assert term.wait() == 0
    assert f"stored keys {key} of corp" in term.display
    assert secret not in term.text
    assert _stored(path)["SecretAccessKey"] == secret


def test_keys_are_never_taken_from_the_command_line_and_bad_keys_are_one_line(cli, ring):
    path, _, (key, secret) = ring
    argv = cli("add", "corp", key, secret)
    assert argv.code == 2 and secret not in argv.err and key not in argv.err
    assert argv.err.startswith("rolecall: keys are never taken from the command line")
    temporary = cli("add", "corp", input=f"ASIA{key[4:]}\n{secret}\n")
    assert (temporary.code, temporary.err.count("\n")) == (2, 1)
    assert "temporary" in temporary.err
    nothing = cli("add", "corp", input="")
    assert nothing.code == 2 and nothing.err.startswith("rolecall: no keys given\n")
    short = cli("add", "corp", input=f"{key}\nshort\n")
    assert (short.code, short.err) == (
        2,
        "rolecall: that is not a secret access key (16 to 128 characters, no spaces)\n",
    )
    spaced = cli("add", "my corp", input=f"{key}\n{secret}\n")
    assert spaced.code == 2 and "not a profile name" in spaced.err
    assert not path.exists()


def test_add_from_the_environment(cli, ring):
    path, _, (key, secret) = ring
    done = cli("add", "corp", "--env", env={"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret})
    assert done.code == 0 and _stored(path)["AccessKeyId"] == key


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        ("keyring.backends.fail.Keyring", "no OS keyring is available"),
        ("tests.file_keyring.LockedKeyring", "the keyring is locked"),
    ],
)
def test_an_absent_or_locked_keyring_is_one_line(cli, ring, backend, why):
    _, _, (key, secret) = ring
    added = cli("add", "corp", input=f"{key}\n{secret}\n", env={"PYTHON_KEYRING_BACKEND": backend})
    assert added.code == 2
    assert added.err.splitlines()[0] == f"rolecall: cannot store the keys of corp: {why}"
    assert "Traceback" not in added.err
    assert cli("add", "corp", input=f"{key}\n{secret}\n").code == 0
    used = cli("assume", "prod/ReadOnly", env={"PYTHON_KEYRING_BACKEND": backend})
    assert used.code == 2 and used.err.splitlines()[0] == f"rolecall: cannot read the keys of corp: {why}"


def test_remove_forgets_the_keys(cli, ring):
    path, _, (key, secret) = ring
    cli("add", "corp", input=f"{key}\n{secret}\n")
    unconfirmed = cli("remove", "corp")
    assert unconfirmed.code == 2 and "--yes" in unconfirmed.err
    assert "rolecall\tkeys:corp" in json.loads(path.read_text())
    removed = cli("remove", "corp", "--yes")
    assert (removed.code, removed.err) == (0, "rolecall: removed the keys of corp from the OS keyring\n")
    assert "rolecall\tkeys:corp" not in json.loads(path.read_text())
    assert cli("assume", "prod/ReadOnly").code == 2
    again = cli("remove", "corp", "--yes")
    assert (again.code, again.err) == (2, "rolecall: the keyring holds no keys for corp\n")


def test_remove_asks_at_a_terminal(sandbox, ring):
    _, _, (key, secret) = ring
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.store import key_vault

    key_vault.store("corp", Credentials(key, secret))
    env = dict(__import__("os").environ)
    term = Terminal([sys.executable, "-m", "rolecall", "remove", "corp"], env=env)
    term.expect(r"Delete the access keys of corp from the keyring\? This cannot be undone. \[y/N\]")
    term.type("n\r")
    assert term.wait() == 1 and "nothing removed" in term.display
    assert key_vault.stored_profiles() == ["corp"]
    term = Terminal([sys.executable, "-m", "rolecall", "remove", "corp"], env=env)
    term.expect(r"\[y/N\]")
    term.type("y\r")
    assert term.wait() == 0
    assert key_vault.stored_profiles() == []


def test_rotate_swaps_in_a_new_key_and_deletes_the_old(cli, ring):
    path, iam, (key, secret) = ring
    cli("add", "corp", input=f"{key}\n{secret}\n")
    rotated = cli("rotate", "corp")
    assert rotated.code == 0, rotated.err
    new = _stored(path)
    assert new["AccessKeyId"] != key and new["SecretAccessKey"] != secret
    assert _active_keys(iam) == {new["AccessKeyId"]}
    assert rotated.err.splitlines()[-1] == f"rolecall: rotated corp: {key} deleted, {new['AccessKeyId']} in use"
    assert new["SecretAccessKey"] not in rotated.err + rotated.out
    assert cli("assume", "prod/ReadOnly").code == 0


def test_rotate_with_an_mfa_device_signs_iam_calls_with_an_mfa_session(cli, sandbox, ring, sts_proxy):
    path, iam, (key, secret) = ring
    sandbox.aws_config.write_text(f"[profile corp]\nmfa_serial = {MFA}\n", encoding="utf-8")
    cli("add", "corp", input=f"{key}\n{secret}\n")
    needs = cli("rotate", "corp")
    assert (
        needs.code == 2
        and needs.err.splitlines()[0] == f"rolecall: an MFA code is needed for {MFA} and there is no terminal to ask on"
    )
    assert _active_keys(iam) == {key}
    rotated = cli("rotate", "corp", "--mfa-code", "123456")
    assert rotated.code == 0, rotated.err
    tokens = [r for r in sts_proxy.requests if r.get("Action") == "GetSessionToken"]
    assert [(r.get("SerialNumber"), r.get("TokenCode")) for r in tokens] == [(MFA, "123456")]
    assert _active_keys(iam) == {_stored(path)["AccessKeyId"]}


def test_rotate_that_cannot_create_a_key_changes_nothing(cli, ring):
    path, iam, (key, secret) = ring
    iam.create_access_key(UserName="alice")  # a user has at most two
    cli("add", "corp", input=f"{key}\n{secret}\n")
    failed = cli("rotate", "corp")
    assert (failed.code, failed.err.count("\n")) == (1, 1)
    assert "LimitExceeded" in failed.err
    assert _stored(path) == {"AccessKeyId": key, "SecretAccessKey": secret}
    assert key in _active_keys(iam)


def test_rotate_whose_keyring_refuses_the_new_key_keeps_the_old_one_usable(cli, ring):
    path, iam, (key, secret) = ring
    cli("add", "corp", input=f"{key}\n{secret}\n")
    failed = cli("rotate", "corp", env={"ROLECALL_TEST_KEYRING_READONLY": "1"})
    assert failed.code == 1
    last = failed.err.splitlines()[-1]
    assert last.startswith(
        "rolecall: the keyring did not take the new key (cannot store the keys of corp: the keyring refused"
    )
    assert f"the old key {key} is still in the keyring and usable; the new key" in last and last.endswith("was deleted")
    assert _stored(path) == {"AccessKeyId": key, "SecretAccessKey": secret}
    assert _active_keys(iam) == {key}
    assert cli("assume", "prod/ReadOnly").code == 0


def test_rotate_needs_keys_in_the_keyring(cli, ring):
    failed = cli("rotate", "corp")
    assert (failed.code, failed.err.splitlines()[0]) == (2, "rolecall: the keys of corp are not in the keyring")


def test_check_names_plain_text_keys_and_the_command_that_moves_them(cli, sandbox, ring):
    _, _, (key, secret) = ring
    sandbox.aws_credentials.write_text(
        f"[corp]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        "[temp]\naws_access_key_id = ASIAX\naws_secret_access_key = x\naws_session_token = y\n"
    )
    checked = cli("check")
    assert checked.out.strip() == "ok: 7 profiles"
    assert checked.err == (
        f"rolecall: {sandbox.aws_credentials}:3: profile corp: long-lived keys in plain text; "
        "`rolecall add corp` keeps them in the OS keyring\n"
    )
    added = cli("add", "corp", input=f"{key}\n{secret}\n")
    assert added.err.splitlines()[1] == (
        f"rolecall: {sandbox.aws_credentials}:3: [corp] still holds these keys in plain "
        "text; delete them there (the keyring's are used)"
    )
    rotated = cli("rotate", "corp")
    assert rotated.err.splitlines()[-1] == (
        f"rolecall: {sandbox.aws_credentials}:3: [corp] holds the deleted key in plain text; delete it there"
    )


INVALID_KEY = (403, "InvalidClientTokenId", "The security token included in the request is invalid.")


def _rotate_with_refusals(ring, sts_proxy, refusals, waits):
    """rotate in this process, STS refusing the new key the first `refusals` times it is checked."""
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.gateways.rotate import rotate
    from rolecall.core.gateways.sts import StsGateway
    from rolecall.core.store import key_vault

    _, _, (key, secret) = ring
    key_vault.store("corp", Credentials(key, secret))

    def created(message: str) -> None:  # IAM made the new key: STS refuses it the next `refusals` times
        if message.startswith("created"):
            sts_proxy.fail("GetCallerIdentity", INVALID_KEY, times=refusals)

    return rotate("corp", StsGateway(), sleep=waits.append, notify=created)


def test_rotate_waits_for_a_new_key_that_iam_has_not_spread_yet(ring, sts_proxy):
    path, iam, _ = ring
    waits: list[float] = []
    done = _rotate_with_refusals(ring, sts_proxy, 2, waits)
    assert waits == [1.0, 2.0]
    assert _active_keys(iam) == {done.new_key_id} == {_stored(path)["AccessKeyId"]}


def test_rotate_gives_up_a_new_key_that_never_works_and_keeps_the_old(ring, sts_proxy):
    from rolecall.core.domain.errors import AwsError

    path, iam, (key, secret) = ring
    waits: list[float] = []
    with pytest.raises(AwsError) as failed:
        _rotate_with_refusals(ring, sts_proxy, 5, waits)
    assert waits == [1.0, 2.0, 4.0, 8.0]
    message = failed.value.message
    assert message.startswith(
        "the new key did not work (AWS refused GetCallerIdentity for the caller: InvalidClientTokenId"
    )
    assert message.endswith(
        f"the old key {key} is still in the keyring and usable; the new key "
        f"{message.split('the new key ')[-1].split()[0]} was deleted"
    )
    assert _stored(path) == {"AccessKeyId": key, "SecretAccessKey": secret}
    assert _active_keys(iam) == {key}


def test_rotate_asks_for_the_mfa_code_at_the_terminal(sandbox, ring):
    import os

    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.store import key_vault

    path, iam, (key, secret) = ring
    sandbox.aws_config.write_text(f"[profile corp]\nmfa_serial = {MFA}\n", encoding="utf-8")
    key_vault.store("corp", Credentials(key, secret))
    term = Terminal([sys.executable, "-m", "rolecall", "rotate", "corp"], env=dict(os.environ))
    term.expect(f"MFA code for {MFA}:")
    term.type("123456\r")
    assert term.wait() == 0
    new = _stored(path)["AccessKeyId"]
    assert f"rotated corp: {key} deleted, {new} in use" in term.display
    assert _active_keys(iam) == {new}


def test_rotate_whose_old_key_cannot_be_deleted_keeps_the_new_one_and_names_the_old(ring, sts_proxy):
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.domain.errors import AwsError
    from rolecall.core.gateways.rotate import rotate
    from rolecall.core.gateways.sts import StsGateway
    from rolecall.core.store import key_vault

    path, iam, (key, secret) = ring
    key_vault.store("corp", Credentials(key, secret))

    def swapped(message: str) -> None:  # someone deletes the old key in the console meanwhile
        if message.startswith("the keyring now holds"):
            iam.delete_access_key(UserName="alice", AccessKeyId=key)

    with pytest.raises(AwsError) as failed:
        rotate("corp", StsGateway(), notify=swapped)
    new = _stored(path)["AccessKeyId"]
    assert failed.value.message.startswith(
        f"the new key {new} is in the keyring and works, but deleting the old key "
        f"{key} failed: AWS refused DeleteAccessKey: NoSuchEntity"
    )
    assert _active_keys(iam) == {new}


@pytest.mark.parametrize(
    ("arn", "user"),
    [
        ("arn:aws:iam::123456789012:user/alice", "alice"),
        ("arn:aws:iam::123456789012:user/team/ops/bob", "bob"),
        ("arn:aws:iam::123456789012:root", None),
        ("arn:aws:sts::123456789012:assumed-role/Admin/alice", None),
    ],
)
def test_only_an_iam_users_keys_are_rotated(arn, user):
    from rolecall.core.domain.errors import ConfigError
    from rolecall.core.gateways.rotate import user_name

    if user:
        assert user_name(arn) == user
    else:
        with pytest.raises(ConfigError, match=f"rotate needs an IAM user's keys; these belong to {arn}"):
            user_name(arn)
