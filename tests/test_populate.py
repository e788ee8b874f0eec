"""`rolecall sso populate` against the fake portal's discovery, with a hand-edited ~/.aws/config:
what botocore reads back, idempotence, the user's edits, --diff, --prune, bad templates."""

from __future__ import annotations

import os
import stat

import botocore.session
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rolecall.core.domain.errors import ConfigError
from rolecall.core.sso import discovery, populate
from rolecall.core.sso import login as sso_login
from tests.sso_fixtures import CONFIG, CORP, sso_fixture  # noqa: F401

HAND_EDITED = f"""\
# my own notes: keep me
[default]
region = eu-central-1
output = json

{CONFIG}
[profile mine]
credential_process = /usr/bin/true
; a comment of mine
"""

ALL_SIX = {f"account-000{i}/{role}" for i in range(3) for role in ("ReadOnly", "AdministratorAccess")}


@pytest.fixture
def discovered(sso, sandbox, fake_clock):
    """The fake portal signed in to and discovered, and a config file the user wrote by hand."""
    sso.auto_approve = True
    sso_login.login(CORP, fake_clock, browser=False, sleep=lambda s: None)
    sandbox.aws_config.write_text(HAND_EDITED, encoding="utf-8")

    def sync():
        return discovery.sync(CORP, fake_clock)

    sync()
    return sso, sync


def _botocore_profiles(sandbox) -> dict:
    assert os.environ["AWS_CONFIG_FILE"] == str(sandbox.aws_config)
    return botocore.session.Session().full_config["profiles"]


def _made(profiles: dict) -> set[str]:
    return {name for name, values in profiles.items() if values.get("sso_session") == "corp"}


def test_populate_writes_a_profile_per_role_that_botocore_reads(cli, sandbox, discovered):
    fake, sync = discovered
    fake.accounts[1]["accountName"] = "Prod Account (EU)"
    sync()
    done = cli("sso", "populate", "corp")
    assert done.code == 0, done.err
    text = sandbox.aws_config.read_text()
    assert text.startswith(HAND_EDITED)  # every line of the user's is where it was
    profiles = _botocore_profiles(sandbox)
    expected = {n.replace("account-0001", "Prod-Account-EU") for n in ALL_SIX}
    assert _made(profiles) == expected
    assert profiles["Prod-Account-EU/AdministratorAccess"] == {
        "sso_session": "corp",
        "sso_account_id": "100000000001",
        "sso_role_name": "AdministratorAccess",
        "region": "eu-west-1",
    }
    assert profiles["mine"] == {"credential_process": "/usr/bin/true"} and profiles["default"]["output"] == "json"
    assert text.count("# managed by rolecall sso populate (sso-session corp)") == 6
    assert (
        done.err == f"rolecall: corp: 6 profiles in {sandbox.aws_config} (6 added, 0 renamed, 0 corrected, 0 removed)\n"
        f"rolecall: the previous file is in {sandbox.aws_config}.rolecall-backup\n"
    )
    assert stat.S_IMODE(sandbox.aws_config.stat().st_mode) == 0o600
    backup = sandbox.aws_config.with_name("config.rolecall-backup")
    assert backup.read_text() == HAND_EDITED and stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert "accessToken" not in text and "refresh" not in text
    listed = cli("list", "--json").json()
    assert {p["name"] for p in listed if p["source"] == "aws-config"} >= expected


def test_a_second_run_changes_no_byte_and_keeps_the_users_edits(cli, sandbox, discovered):
    assert cli("sso", "populate").code == 0
    edited = sandbox.aws_config.read_text().replace(
        "sso_role_name = ReadOnly\nregion = eu-west-1\n",
        "sso_role_name = ReadOnly\n# my note in a made section\nregion = us-east-2\noutput = table\n",
        1,
    )
    sandbox.aws_config.write_text(edited, encoding="utf-8")
    before = sandbox.aws_config.stat()
    again = cli("sso", "populate", "corp")
    assert again.code == 0
    assert again.err == f"rolecall: corp: 6 profiles in {sandbox.aws_config} (up to date)\n"
    assert sandbox.aws_config.read_text() == edited
    assert sandbox.aws_config.stat().st_mtime_ns == before.st_mtime_ns
    assert _botocore_profiles(sandbox)["account-0000/ReadOnly"]["output"] == "table"


def test_a_new_template_renames_its_sections_and_restores_their_ties(cli, sandbox, discovered):
    assert cli("sso", "populate").code == 0
    text = sandbox.aws_config.read_text()
    marker = "[profile account-0002/ReadOnly]\n# managed by rolecall sso populate (sso-session corp)\n"
    assert marker in text
    start = text.index(marker) + len(marker)
    text = text[:start] + text[start:].replace("sso_session = corp\n", "sso_session = elsewhere\nmfa_serial = x\n", 1)
    admin = text.index("[profile account-0000/AdministratorAccess]")  # its sso_session deleted, a nested key added
    nested = "s3 =\n  max_concurrent_requests = 20\n"
    text = text[:admin] + text[admin:].replace("sso_session = corp\n", "", 1).replace(
        "region = eu-west-1\n", "region = eu-west-1\n" + nested, 1
    )
    sandbox.aws_config.write_text(text, encoding="utf-8")
    renamed = cli("sso", "populate", "--template", "{session}-{account_id}-{role}")
    assert renamed.code == 0, renamed.err
    assert "(0 added, 6 renamed, 2 corrected, 0 removed)" in renamed.err
    assert nested + "sso_session = corp\n" in sandbox.aws_config.read_text()
    profiles = _botocore_profiles(sandbox)
    assert profiles["corp-100000000000-AdministratorAccess"]["s3"] == {"max_concurrent_requests": "20"}
    assert profiles["corp-100000000000-AdministratorAccess"]["sso_session"] == "corp"
    assert _made(profiles) == {
        f"corp-10000000000{i}-{role}" for i in range(3) for role in ("ReadOnly", "AdministratorAccess")
    }
    assert profiles["corp-100000000002-ReadOnly"]["mfa_serial"] == "x"
    assert not ALL_SIX & set(profiles)


def test_diff_prints_the_change_and_writes_nothing(cli, sandbox, discovered):
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
    text = HAND_EDITED + f"[profile keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = {secret}"
    sandbox.aws_config.write_text(text, encoding="utf-8")
    shown = cli("sso", "populate", "corp", "--diff")
    assert shown.code == 0 and shown.err == ""
    lines = shown.out.splitlines()
    assert lines[:2] == [f"--- {sandbox.aws_config}", f"+++ {sandbox.aws_config} (populated)"]
    assert "+[profile account-0000/AdministratorAccess]" in lines
    assert "-aws_secret_access_key = <hidden>" in lines and "\\ No newline at end of file" in lines
    assert secret not in shown.out
    assert sandbox.aws_config.read_text() == text
    assert not sandbox.aws_config.with_name("config.rolecall-backup").exists()
    assert cli("sso", "populate", "corp").code == 0
    quiet = cli("sso", "populate", "corp", "--diff")
    assert (quiet.out, quiet.err) == ("", f"rolecall: {sandbox.aws_config} is up to date for corp\n")


def test_prune_removes_only_the_profiles_it_made_for_roles_that_are_gone(cli, sandbox, discovered):
    fake, sync = discovered
    assert cli("sso", "populate").code == 0
    look_alike = (
        "\n[profile account-0002/ReadOnly-copy]\nsso_session = corp\nsso_account_id = 100000000002\n"
        "sso_role_name = ReadOnly\n# the user's comment before the next section\n"
    )
    sandbox.aws_config.write_text(sandbox.aws_config.read_text() + look_alike, encoding="utf-8")
    fake.roles["100000000000"].remove("AdministratorAccess")
    gone = fake.accounts.pop(2)
    fake.roles.pop(gone["accountId"])
    sync()
    kept = cli("sso", "populate")
    assert kept.code == 0
    assert kept.err.splitlines()[1] == (
        "rolecall: kept 3 profiles whose roles are no longer discovered "
        "(account-0000/AdministratorAccess, account-0002/AdministratorAccess, "
        "account-0002/ReadOnly); --prune removes them"
    )
    assert len(_made(_botocore_profiles(sandbox))) == 7
    pruned = cli("sso", "populate", "--prune")
    assert pruned.code == 0 and "(0 added, 0 renamed, 0 corrected, 3 removed)" in pruned.err
    text = sandbox.aws_config.read_text()
    assert _made(_botocore_profiles(sandbox)) == {
        "account-0000/ReadOnly",
        "account-0001/ReadOnly",
        "account-0001/AdministratorAccess",
        "account-0002/ReadOnly-copy",
    }
    assert text.startswith(HAND_EDITED) and text.endswith(look_alike)
    assert text.count("# managed by rolecall") == 3
    assert cli("sso", "populate", "--prune").err.endswith("(up to date)\n")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{account}",
            "template '{account}' names two roles 'account-0000' (100000000000 AdministratorAccess and "
            "100000000000 ReadOnly); add {account_id} to it",
        ),
        (
            "{team}/{role}",
            "template '{team}/{role}': unknown placeholder {team}; use {account}, {account_id}, {role}, "
            "{session}, {region}",
        ),
        (
            "my {role}",
            "template 'my {role}' makes 'my AdministratorAccess', which is not a profile name the AWS CLI "
            "reads unquoted (letters, digits and _.+=,@/- only, at most 128)",
        ),
        ("{role", "template '{role' cannot be read: expected '}' before end of string"),
        (
            "{role!r}",
            "template '{role!r}': unknown placeholder {role}; use {account}, {account_id}, {role}, {session}, {region}",
        ),
    ],
)
def test_a_bad_template_is_one_line_and_writes_nothing(cli, sandbox, discovered, template, message):
    done = cli("sso", "populate", "--template", template)
    assert (done.code, done.err) == (2, f"rolecall: {message}\n")
    assert sandbox.aws_config.read_text() == HAND_EDITED


def test_a_config_changed_between_read_and_write_is_not_overwritten(sandbox, discovered):
    found = discovery.read(CORP)
    planned = populate.plan(
        sandbox.aws_config, CORP, populate.wanted(found, CORP, populate.DEFAULT_TEMPLATE, "eu-west-1")
    )
    assert planned.changed
    with open(sandbox.aws_config, "a", encoding="utf-8") as config:
        config.write("[profile added-meanwhile]\nregion = eu-west-1\n")
    with pytest.raises(ConfigError, match="changed while populate was working; nothing written"):
        populate.write(planned)
    assert sandbox.aws_config.read_text() == HAND_EDITED + "[profile added-meanwhile]\nregion = eu-west-1\n"


def test_a_users_own_section_of_that_name_is_left_alone(cli, sandbox, discovered):
    mine = "[profile account-0000/ReadOnly]\nrole_arn = arn:aws:iam::100000000000:role/Mine\nsource_profile = corp\n"
    sandbox.aws_config.write_text(HAND_EDITED + mine, encoding="utf-8")
    done = cli("sso", "populate")
    assert done.code == 0
    assert (
        done.err.splitlines()[0]
        == f"rolecall: {sandbox.aws_config}: kept your own [profile account-0000/ReadOnly]; no profile written for that role"
    )
    assert _botocore_profiles(sandbox)["account-0000/ReadOnly"]["role_arn"].endswith("role/Mine")
    assert len(_made(_botocore_profiles(sandbox))) == 5


def test_populate_before_any_discovery_says_what_to_run(cli, sso):
    done = cli("sso", "populate", "corp")
    assert (done.code, done.err) == (
        2,
        "rolecall: no accounts discovered for corp yet\n"
        "  hint: run `rolecall login corp` (or `rolecall sync corp`) first\n",
    )
    assert cli("sso").code == 2


def test_a_session_from_profiles_yaml_gets_its_sso_session_section_written(cli, sandbox, sso, fake_clock):
    sandbox.write_profiles(
        f"version: 1\naccounts: []\nsso:\n  - name: corp\n    start_url: {CORP.start_url}\n    region: eu-west-1\n"
    )
    sandbox.aws_config.write_text("[default]\nregion = eu-west-1\n", encoding="utf-8")
    sso.auto_approve = True
    sso_login.login(CORP, fake_clock, browser=False, sleep=lambda s: None)
    discovery.sync(CORP, fake_clock)
    bad = cli("sso", "populate", "corp", "--region", "moon-1")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "moon-1" in bad.err
    done = cli("sso", "populate", "corp", "--region", "us-east-2")
    assert done.code == 0, done.err
    config = botocore.session.Session().full_config
    assert config["sso_sessions"]["corp"] == {
        "sso_start_url": CORP.start_url,
        "sso_region": "eu-west-1",
        "sso_registration_scopes": "sso:account:access",
    }
    assert _made(config["profiles"]) == ALL_SIX
    assert {p["region"] for name, p in config["profiles"].items() if name in ALL_SIX} == {"us-east-2"}
    assert cli("sso", "populate", "corp").err.endswith("(up to date)\n")


def test_a_legacy_session_writes_legacy_profiles(cli, sandbox, sso, fake_clock):
    from rolecall.core.sso.session import sessions_from_config

    sandbox.aws_config.write_text(
        f"[profile old]\nsso_start_url = {CORP.start_url}\nsso_region = eu-west-1\n"
        "sso_account_id = 100000000000\nsso_role_name = ReadOnly\n",
        encoding="utf-8",
    )
    (legacy,), _ = sessions_from_config(sandbox.aws_config)
    sso.auto_approve = True
    sso_login.login(legacy, fake_clock, browser=False, sleep=lambda s: None)
    discovery.sync(legacy, fake_clock)
    done = cli("sso", "populate", "old")
    assert done.code == 0, done.err
    profiles = _botocore_profiles(sandbox)
    assert profiles["account-0001/AdministratorAccess"] == {
        "sso_start_url": CORP.start_url,
        "sso_region": "eu-west-1",
        "sso_account_id": "100000000001",
        "sso_role_name": "AdministratorAccess",
        "region": "eu-west-1",
    }
    assert "[sso-session" not in sandbox.aws_config.read_text()
    assert cli("sso", "populate", "old").err.endswith("(up to date)\n")


FRAGMENTS = [
    "[default]",
    "[profile mine]",
    "[profile account-0000/ReadOnly]",
    "[sso-session corp]",
    "[plugins]",
    "region = eu-west-1",
    "output = json",
    "# a comment",
    "; another",
    "",
    "s3 =",
    "  addressing_style = path",
    "role_arn = arn:aws:iam::111111111111:role/X",
    "sso_session = corp",
    "sso_account_id = 100000000000",
    "sso_account_id = 100000000009",
    "sso_role_name = ReadOnly",
    "sso_role_name = Admin",
]
MARKS = [
    "# managed by rolecall sso populate (sso-session corp)",
    "# managed by rolecall sso populate (sso-session other)",
]


def _plan_twice(lines: list[str], final_newline: bool, prune: bool):
    """(text, first plan, plan of the file the first one wrote) for a config made of `lines`."""
    import tempfile
    from datetime import UTC, datetime
    from pathlib import Path

    from rolecall.core.sso.portal import Account

    found = discovery.Discovery(
        "corp",
        CORP.start_url,
        datetime(2026, 1, 1, tzinfo=UTC),
        (
            Account("100000000000", "account-0000", ("ReadOnly", "Admin")),
            Account("100000000001", "Prod Account", ("ReadOnly",)),
        ),
    )
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    wants = populate.wanted(found, CORP, populate.DEFAULT_TEMPLATE, "eu-west-1")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config"
        path.write_text(text, encoding="utf-8")
        first = populate.plan(path, CORP, wants, prune=prune)
        path.write_text(first.after, encoding="utf-8")
        return text, first, populate.plan(path, CORP, wants, prune=prune)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25), st.booleans())
def test_populate_only_appends_to_a_file_it_never_wrote(lines, final_newline):
    text, first, again = _plan_twice(lines, final_newline, prune=True)
    assert first.after.startswith(text)  # every line of the user's stays, in place
    assert not again.changed and again.after == first.after
    user_names = {line[9:-1] for line in lines if line.startswith("[profile ")}
    assert set(first.skipped) == {"account-0000/ReadOnly"} & user_names


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS + MARKS), max_size=30), st.booleans(), st.booleans())
# a pruned section's repeated key, once left behind, went to the section above and made it one of ours
@example(
    lines=[
        "[default]",
        "sso_account_id = 100000000000",
        "# managed by rolecall sso populate (sso-session corp)",
        "[default]",
        "sso_account_id = 100000000009",
        "sso_role_name = ReadOnly",
        "# managed by rolecall sso populate (sso-session corp)",
        "sso_role_name = ReadOnly",
    ],
    final_newline=False,
    prune=True,
)
def test_a_second_populate_changes_nothing_whatever_the_file_held(lines, final_newline, prune):
    _, first, again = _plan_twice(lines, final_newline, prune)
    assert not again.changed and again.after == first.after
