"""profiles.yaml and ~/.aws/config: what loads, what inherits, and every `check` error with its line."""

from __future__ import annotations

import textwrap

import pytest

from rolecall.core.domain.profiles import SOURCE_AWS, SOURCE_YAML
from rolecall.core.sources.index import load_catalog
from tests.conftest import GOOD_AND_BAD


def catalog_of(sandbox, text: str):
    sandbox.write_profiles(text)
    return load_catalog(use_index=False)


def test_inheritance_flows_from_defaults_to_accounts_to_roles(sandbox):
    catalog = catalog_of(
        sandbox,
        """\
        version: 1
        defaults: {region: eu-west-1, source_profile: corp, duration: 2h, tags: {owner: alice}}
        accounts:
          - id: "222222222222"
            name: prod
            region: us-east-1
            tags: {env: prod}
            roles:
              - role: Admin
                duration: 30m
                tags: {tier: gold}
              - arn: arn:aws:iam::222222222222:role/path/to/Audit
                name: prod-audit
        """,
    )
    assert catalog.problems == []
    admin = catalog.get("prod/Admin")
    assert admin.role_arn == "arn:aws:iam::222222222222:role/Admin"
    assert (admin.region, admin.duration, admin.source_profile) == ("us-east-1", 1800, "corp")
    assert admin.tags == {"owner": "alice", "env": "prod", "tier": "gold"}
    audit = catalog.get("prod-audit")
    assert (audit.role_name, audit.duration, audit.source) == ("Audit", 7200, SOURCE_YAML)


def test_unknown_profile_suggests_the_closest_name(sandbox):
    from rolecall.core.domain.errors import UnknownProfile

    catalog = load_catalog(use_index=False)
    with pytest.raises(UnknownProfile) as caught:
        catalog.get("prod/admin")
    assert "prod/Admin" in caught.value.hint


def test_aws_config_role_profiles_are_imported_with_their_cli_meaning(sandbox):
    sandbox.aws_config.write_text(
        textwrap.dedent(
            """\
            [profile corp]
            region = eu-west-1

            [profile ops]
            role_arn = arn:aws:iam::555555555555:role/Ops
            source_profile = corp
            mfa_serial = arn:aws:iam::111111111111:mfa/alice
            external_id = ext-123
            duration_seconds = 7200
            role_session_name = alice-ops
            region = ap-southeast-2

            [profile ops-chained]
            role_arn = arn:aws:iam::666666666666:role/Child
            source_profile = ops
            """
        )
    )
    catalog = load_catalog(use_index=False)
    assert catalog.problems == []
    ops = catalog.get("ops")
    assert ops.source == SOURCE_AWS
    assert (ops.source_profile, ops.mfa_serial, ops.needs_mfa) == ("corp", "arn:aws:iam::111111111111:mfa/alice", True)
    assert (ops.external_id, ops.duration, ops.role_session_name, ops.region) == (
        "ext-123",
        7200,
        "alice-ops",
        "ap-southeast-2",
    )
    chained = catalog.get("ops-chained")
    assert (chained.via, chained.source_profile) == ("ops", None)


def test_profiles_yaml_wins_a_name_clash_with_aws_config(sandbox):
    sandbox.aws_config.write_text(
        "[profile prod/Admin]\nrole_arn = arn:aws:iam::999999999999:role/Other\nsource_profile = corp\n"
    )
    catalog = load_catalog(use_index=False)
    assert catalog.get("prod/Admin").account_id == "222222222222"


CHECK_CASES = [
    ("version: 1\naccounts:\n  - id: [1, 2\n", 4, "YAML syntax error"),
    ("version: 1\nacounts: []\n", 2, "unknown key 'acounts' in the file (did you mean 'accounts'?)"),
    (
        'version: 1\naccounts:\n  - id: "222222222222"\n    roles:\n      - role: A\n        colour: red\n',
        6,
        "unknown key 'colour' in role",
    ),
    (
        'version: 1\naccounts:\n  - id: "222222222222"\n    roles:\n      - role: A\n        duration: 13h\n',
        6,
        "duration 13h is outside 15m..12h",
    ),
    (
        'version: 1\naccounts:\n  - id: "222222222222"\n    roles:\n      - role: A\n        duration: 5m\n',
        6,
        "duration 5m is outside 15m..12h",
    ),
    ('version: 1\naccounts:\n  - id: "12345"\n    roles:\n      - role: A\n', 3, "account id '12345' is not 12 digits"),
    (
        'version: 1\naccounts:\n  - id: "222222222222"\n    roles:\n      - role: A\n        via: nope/Nope\n',
        6,
        "via 'nope/Nope' names no profile",
    ),
    (
        'version: 1\naccounts:\n  - id: "222222222222"\n    name: a\n    roles:\n      - role: X\n        via: a/Y\n'
        "      - role: Y\n        via: a/X\n",
        6,
        "via makes a cycle (a/X -> a/Y -> a/X)",
    ),
    (
        'version: 1\naccounts:\n  - id: "222222222222"\n    name: a\n    roles:\n      - role: X\n      - role: X\n',
        7,
        "duplicate profile name 'a/X' (first at line 6)",
    ),
    (
        'version: 1\naccounts:\n  - id: "222222222222"\n    roles:\n      - role: A\n        mfa_session_duration: 40h\n',
        6,
        "mfa_session_duration 40h is outside 15m..36h",
    ),
]


@pytest.mark.parametrize("text,line,message", CHECK_CASES)
def test_check_prints_each_problem_as_path_line_message(cli, sandbox, text, line, message):
    sandbox.profiles.write_text(text)
    result = cli("check")
    assert result.code == 2
    expected = f"{sandbox.profiles}:{line}: "
    assert any(out.startswith(expected) and message in out for out in result.out.splitlines()), result.out
    assert "Traceback" not in result.err


def test_check_passes_a_good_file_and_the_example(cli, sandbox):
    assert cli("check").out.strip() == "ok: 6 profiles"  # 5 roles, and corp's own keys
    from rolecall.core.store.paths import example_profiles

    result = cli("--profiles", str(example_profiles()), "check")
    assert (result.code, result.out.strip()) == (0, "ok: 17 profiles")


def test_a_bad_role_does_not_hide_the_good_ones(cli, sandbox):
    sandbox.write_profiles(GOOD_AND_BAD)
    result = cli("list", "--json")
    assert result.code == 0
    assert [p["name"] for p in result.json()] == ["prod/Good", "corp"]
    assert "1 problem in your profiles" in result.err
