"""Problems in the user's profiles, as the CLI tells them: a named file that is missing or cannot be
parsed, `check` pointing at the line, and quiet success for profiles the problem does not touch."""

from __future__ import annotations

import pytest

from tests.conftest import GOOD_AND_BAD, PROFILES

BROKEN_ROLE = PROFILES + GOOD_AND_BAD.split("accounts:\n", 1)[1].replace("222222222222", "555555555555")


def test_a_profiles_file_named_on_the_command_line_must_exist(cli, sandbox):
    missing = sandbox.root / "nope.yaml"
    result = cli("--profiles", str(missing), "list")
    assert result.code == 2
    assert f"the profiles file {missing} (from --profiles) does not exist" in result.err


def test_a_profiles_file_named_by_the_environment_must_exist(cli, sandbox):
    missing = sandbox.root / "typo.yaml"
    result = cli("list", env={"ROLECALL_PROFILES": str(missing)})
    assert result.code == 2
    assert f"the profiles file {missing} (from $ROLECALL_PROFILES) does not exist" in result.err


def test_list_exits_2_when_the_profiles_file_cannot_be_parsed(cli, sandbox):
    sandbox.profiles.write_text("version: 1\naccounts: [\n  - id: 1\n")
    result = cli("list")
    assert result.code == 2
    assert f"rolecall: {sandbox.profiles}:" in result.err and "YAML syntax error" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    "words",
    [
        ["process", "prod/ReadOnly"],
        ["export", "prod/ReadOnly"],
        ["exec", "prod/ReadOnly", "--", "true"],
    ],
)
def test_success_is_quiet_even_with_problems_in_other_profiles(cli, sandbox, words):
    sandbox.write_profiles(BROKEN_ROLE)
    for _ in range(2):  # the first call assumes, the second is served from the cache
        result = cli(*words)
        assert result.code == 0, result.err
        assert result.err == ""


def test_list_and_check_still_tell_about_problems(cli, sandbox):
    sandbox.write_profiles(BROKEN_ROLE)
    listed = cli("list")
    assert listed.code == 0
    assert "1 problem in your profiles" in listed.err
    checked = cli("check")
    assert checked.code == 2
    assert "duration" in checked.out


def test_via_naming_no_profile_points_at_the_via_line(cli, sandbox):
    sandbox.write_profiles("""\
        version: 1
        defaults: {source_profile: corp}
        accounts:
          - id: "444444444444"
            name: shared
            roles:
              - role: Deploy
                duration: 1h
                via: shared/Nowhere
        """)
    result = cli("check")
    assert result.code == 2
    assert f"{sandbox.profiles}:9: shared/Deploy: via 'shared/Nowhere' names no profile" in result.out


def test_check_rejects_a_region_that_is_not_a_region_name(cli, sandbox):
    sandbox.write_profiles("""\
        version: 1
        defaults: {source_profile: corp}
        accounts:
          - id: "222222222222"
            name: prod
            region: "eu-west-1`id`"
            roles: [{role: Admin}]
        """)
    result = cli("check")
    assert result.code == 2
    assert f"{sandbox.profiles}:6: account prod: region is not a region name (like eu-west-1)" in result.out
