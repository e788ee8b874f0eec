"""Kind "federation": GetFederationToken with an IAM user's keys, against the local STS."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from rolecall.core.domain.errors import AwsError, ConfigError
from rolecall.core.domain.profiles import Catalog
from rolecall.core.engine import Engine
from rolecall.core.sources.federation import (
    load_federated_users,
    validate_federated_user,
)
from tests.conftest import StsWindow, aws_identity

READ_BUCKETS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
INHERITED = {"region": "eu-west-1", "source_profile": "corp", "tags": {"env": "prod"}}


def no_code(profile):
    raise AssertionError("GetFederationToken takes no MFA code")


def engine_with(entries: list, fake_clock) -> Engine:
    found, problems = load_federated_users(entries, "222222222222", "prod", INHERITED, "profiles.yaml")
    assert problems == []
    return Engine(Catalog(profiles={p.name: p for p, _ in found}), clock=fake_clock, audit_path=None)


def test_federated_user_gets_a_36_hour_session_the_aws_cli_accepts(sandbox, fake_clock):
    engine = engine_with([{"name": "auditor", "policy": json.dumps(READ_BUCKETS), "duration": "36h"}], fake_clock)
    profile = engine.catalog.get("prod/auditor")
    assert profile.role_arn == "arn:aws:sts::222222222222:federated-user/auditor"

    with StsWindow() as window:
        session = engine.assume("prod/auditor", no_code)

    assert session.credentials.session_token
    assert window.lasts(session, timedelta(hours=36))
    assert "Account" in aws_identity(session)


def test_policy_and_policy_arns_are_sent_as_configured(sts_proxy, fake_clock):
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    engine = engine_with(
        [{"name": "auditor", "policy": READ_BUCKETS, "policy_arns": [arn], "duration": "2h"}], fake_clock
    )
    engine.assume("prod/auditor", no_code)
    (sent,) = [form for form in sts_proxy.requests if form["Action"] == "GetFederationToken"]
    assert json.loads(sent["Policy"]) == READ_BUCKETS
    assert (sent["Name"], sent["DurationSeconds"], sent["PolicyArns.member.1.arn"]) == ("auditor", "7200", arn)


def test_source_profile_with_temporary_credentials_is_one_line(sandbox, fake_clock):
    sandbox.aws_credentials.write_text(
        "[corp]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = secret\naws_session_token = token\n"
    )
    engine = engine_with([{"name": "auditor", "policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}], fake_clock)
    with pytest.raises(ConfigError) as caught:
        engine.assume("prod/auditor", no_code)
    assert caught.value.message == (
        "prod/auditor: GetFederationToken needs an IAM user's long-term keys, and corp holds temporary credentials"
    )


def test_aws_refusal_is_one_line(sts_proxy, fake_clock):
    sts_proxy.fail(
        "GetFederationToken", (403, "AccessDenied", "Cannot call GetFederationToken with session credentials")
    )
    engine = engine_with([{"name": "auditor", "policy": READ_BUCKETS}], fake_clock)
    with pytest.raises(AwsError) as caught:
        engine.assume("prod/auditor", no_code)
    assert str(caught.value) == (
        "AWS refused GetFederationToken for federated user auditor: AccessDenied: "
        "Cannot call GetFederationToken with session credentials"
    )
    assert caught.value.exit_code == 1


def test_validation_names_each_bad_setting():
    entry = {"name": "a", "policy": "{not json", "policy_arns": "arn:x", "duration": "37h", "polcy": 1}
    assert [str(p) for p in validate_federated_user(entry, "p.yaml", 9)] == [
        (
            "p.yaml:9: unknown key 'polcy' in a federated user "
            "(known: duration, name, policy, policy_arns, region, source_profile)"
        ),
        "p.yaml:9: a federated user needs a name of 2 to 32 letters, digits and +=,.@-",
        (
            "p.yaml:9: federated user a: policy is not a usable JSON policy: "
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
        ),
        "p.yaml:9: federated user a: policy_arns must be a list of up to 10 managed policy ARNs",
        "p.yaml:9: federated user a: duration 37h is outside 15m..36h",
        "p.yaml:9: federated user a: needs source_profile, the IAM user whose keys GetFederationToken is called with",
    ]
    assert [str(p) for p in validate_federated_user({"name": "ops", "source_profile": "corp"}, "p.yaml", 2)] == [
        "p.yaml:2: federated user ops: needs a policy or policy_arns (AWS gives a federated user nothing without one)"
    ]
    assert validate_federated_user({"name": "ops", "policy": READ_BUCKETS}, "p.yaml", 2, INHERITED) == []
    assert [p.message for p in validate_federated_user({"name": "ops", "policy": "[1]"}, "p.yaml", 2, INHERITED)] == [
        "federated user ops: policy is not a usable JSON policy: a policy is a JSON object"
    ]
