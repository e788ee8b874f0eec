"""Kind "saml": real SAML responses (XML, base64) from an assertion_process, AssumeRoleWithSAML against the local STS."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolecall.core.domain.credentials import iso
from rolecall.core.domain.errors import ConfigError
from rolecall.core.domain.profiles import Catalog
from rolecall.core.engine import Engine
from rolecall.core.sources.saml import (
    discover,
    discovery_file,
    load_saml_sources,
    parse_assertion,
    validate_saml_entry,
)
from tests.conftest import StsWindow, aws_identity

PROVIDER = "arn:aws:iam::222222222222:saml-provider/okta"
PROD_ADMIN = "arn:aws:iam::222222222222:role/Admin"
DEV_READ = "arn:aws:iam::666666666666:role/ReadOnly"


def saml_response(role_values: list[str], expires: datetime, *, session_duration: int | None = None) -> str:
    """A SAMLResponse as an IdP posts it to AWS (unsigned: neither rolecall nor moto checks signatures), base64."""
    values = "".join(f"<saml:AttributeValue>{v}</saml:AttributeValue>" for v in role_values)
    duration = (
        '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">'
        f"<saml:AttributeValue>{session_duration}</saml:AttributeValue></saml:Attribute>"
        if session_duration
        else ""
    )
    until = iso(expires)
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1" Version="2.0" IssueInstant="{until}"
    Destination="https://signin.aws.amazon.com/saml">
  <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">http://www.okta.com/exk1</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" IssueInstant="{until}">
    <saml:Issuer>http://www.okta.com/exk1</saml:Issuer>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">alice@example.com</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="https://signin.aws.amazon.com/saml"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotOnOrAfter="{until}">
      <saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue>alice@example.com</saml:AttributeValue></saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{values}</saml:Attribute>
      {duration}
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>"""
    return base64.b64encode(xml.encode()).decode()


@pytest.fixture
def idp(sandbox):
    """An assertion_process: `cat` of a file the test writes, as saml2aws would print it."""
    path = sandbox.root / "assertion.b64"

    def serve(text: str) -> dict:
        path.write_text(text + "\n")
        return {"name": "okta", "assertion_process": f"cat {path}", "region": "eu-west-1"}

    return serve


def no_code(profile):
    raise AssertionError("a SAML role never asks rolecall for an MFA code")


def test_roles_discovered_from_the_assertion_become_named_profiles(idp, fake_clock, sandbox):
    entry = idp(
        saml_response([f"{PROD_ADMIN},{PROVIDER}", f"{PROVIDER},{DEV_READ}"], fake_clock.now() + timedelta(minutes=5))
    )
    accounts = {"222222222222": "prod"}

    before, problems = load_saml_sources([entry], accounts, "profiles.yaml")
    assert (before, problems) == ([], [])  # never discovered: listing runs no sign-in

    found = discover(entry, accounts, "profiles.yaml", fake_clock.now())
    assert [(p.name, p.role_arn, p.settings.principal_arn, p.source) for p, _ in found] == [
        ("prod/Admin", PROD_ADMIN, PROVIDER, "saml:okta"),
        ("666666666666/ReadOnly", DEV_READ, PROVIDER, "saml:okta"),
    ]
    again, problems = load_saml_sources([entry], accounts, "profiles.yaml")
    assert [p.name for p, _ in again] == ["prod/Admin", "666666666666/ReadOnly"] and problems == []
    kept = discovery_file("okta")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "SAMLResponse" not in kept.read_text() and "alice@example.com" not in kept.read_text()


def test_assume_with_saml_gets_credentials_the_aws_cli_accepts(idp, fake_clock, sandbox):
    entry = idp(
        saml_response([f"{PROD_ADMIN},{PROVIDER}"], fake_clock.now() + timedelta(minutes=5), session_duration=7200)
    )
    ((profile, _),) = discover(entry, {"222222222222": "prod"}, "profiles.yaml", fake_clock.now())
    engine = Engine(Catalog(profiles={profile.name: profile}), clock=fake_clock, audit_path=None)

    with StsWindow() as window:
        session = engine.assume("prod/Admin", no_code)

    assert session.credentials.session_token
    assert window.lasts(session, timedelta(hours=2))
    assert engine.whoami(session)["Account"] == "222222222222"  # moto names the caller user/moto, AWS the role
    assert aws_identity(session)["Account"] == "222222222222"


def test_session_length_follows_session_duration_in_the_assertion(sts_proxy, idp, fake_clock):
    entry = idp(
        saml_response([f"{PROD_ADMIN},{PROVIDER}"], fake_clock.now() + timedelta(minutes=5), session_duration=7200)
    )
    ((profile, _),) = discover(entry, {}, "profiles.yaml", fake_clock.now())
    Engine(Catalog(profiles={profile.name: profile}), clock=fake_clock, audit_path=None).assume(profile.name, no_code)
    (sent,) = [form for form in sts_proxy.requests if form["Action"] == "AssumeRoleWithSAML"]
    assert (sent["DurationSeconds"], sent["RoleArn"], sent["PrincipalArn"]) == ("7200", PROD_ADMIN, PROVIDER)


def test_role_no_longer_in_the_assertion_is_one_line(idp, fake_clock):
    entry = idp(saml_response([f"{PROD_ADMIN},{PROVIDER}"], fake_clock.now() + timedelta(minutes=5)))
    ((profile, _),) = discover(entry, {}, "profiles.yaml", fake_clock.now())
    idp(saml_response([f"{DEV_READ},{PROVIDER}"], fake_clock.now() + timedelta(minutes=5)))
    with pytest.raises(ConfigError) as caught:
        Engine(Catalog(profiles={profile.name: profile}), clock=fake_clock, audit_path=None).assume(
            profile.name, no_code
        )
    assert (
        caught.value.message == f"saml okta: the identity provider no longer offers {PROD_ADMIN} (through {PROVIDER})"
    )
    assert caught.value.hint == "run `rolecall sync okta` to see the roles it offers now"


def encode(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


@pytest.mark.parametrize(
    ("printed", "message"),
    [
        ("not base64 at all!", "saml okta: printed something that is not base64 (expected a base64 SAMLResponse)"),
        (encode("plain text"), "saml okta: the decoded text is not XML, so not a SAML response"),
        (
            encode("<html><body>Sign in</body></html>"),
            "saml okta: the decoded XML is not a SAML 2.0 response (its root is html)",
        ),
        (
            encode('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'),
            "saml okta: the SAML response declares a DOCTYPE, which SAML never does: refused",
        ),
    ],
    ids=["not-base64", "not-xml", "not-saml", "doctype"],
)
def test_unusable_assertion_is_one_line(idp, fake_clock, printed, message):
    with pytest.raises(ConfigError) as caught:
        discover(idp(printed), {}, "profiles.yaml", fake_clock.now())
    assert caught.value.message == message


def test_assertion_without_role_attribute_is_one_line(idp, fake_clock):
    text = saml_response(["not-a-role-pair"], fake_clock.now() + timedelta(minutes=5))
    with pytest.raises(ConfigError) as caught:
        discover(idp(text), {}, "profiles.yaml", fake_clock.now())
    assert caught.value.message == (
        "saml okta: the SAML assertion gives no AWS role "
        "(no role ARN,provider ARN in https://aws.amazon.com/SAML/Attributes/Role)"
    )


def test_expired_assertion_is_one_line_and_keeps_what_was_discovered(idp, fake_clock):
    entry = idp(saml_response([f"{PROD_ADMIN},{PROVIDER}"], fake_clock.now() + timedelta(minutes=5)))
    discover(entry, {}, "profiles.yaml", fake_clock.now())
    fake_clock.advance(timedelta(minutes=6))
    with pytest.raises(ConfigError) as caught:
        discover(entry, {}, "profiles.yaml", fake_clock.now())
    expired_at = iso(fake_clock.now() - timedelta(minutes=1))
    assert caught.value.message == f"saml okta: the SAML assertion expired at {expired_at}"
    assert [p.name for p, _ in load_saml_sources([entry], {}, "profiles.yaml")[0]] == ["222222222222/Admin"]


def test_roles_in_either_order_and_whitespace_in_base64_are_accepted(fake_clock):
    text = saml_response([f"{PROVIDER}, {PROD_ADMIN}"], fake_clock.now() + timedelta(minutes=5), session_duration=900)
    wrapped = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    parsed = parse_assertion(wrapped, fake_clock.now(), "saml okta")
    assert parsed.roles == ((PROD_ADMIN, PROVIDER),)
    assert parsed.session_duration == 900
    assert "\n" not in parsed.encoded and parsed.encoded not in repr(parsed)


def test_failing_assertion_process_is_one_line(sandbox, fake_clock):
    entry = {"name": "okta", "assertion_process": "false"}
    with pytest.raises(ConfigError) as caught:
        discover(entry, {}, "profiles.yaml", fake_clock.now())
    assert caught.value.message == "saml okta: assertion_process false exited 1"


def test_validation_names_each_bad_setting():
    problems = validate_saml_entry({"name": "okta idp", "duration": "13h", "assertion": "x"}, "p.yaml", 4)
    assert [str(p) for p in problems] == [
        "p.yaml:4: unknown key 'assertion' in a saml entry (known: assertion_process, duration, name, region)",
        "p.yaml:4: a saml entry needs a name of letters, digits, '.', '_' or '-' (at most 64)",
        "p.yaml:4: saml okta idp: assertion_process must be a command that prints the base64 SAMLResponse",
        "p.yaml:4: saml okta idp: duration 13h is outside 15m..12h",
    ]
    assert validate_saml_entry({"name": "okta", "assertion_process": "saml2aws login --print"}, "p.yaml", 4) == []
    found, problems = load_saml_sources([{"name": "okta"}], {}, "p.yaml")
    assert found == [] and len(problems) == 1
    assert json.dumps([str(p) for p in problems])


def test_problems_in_profiles_yaml_entries_point_at_their_lines(sandbox, fake_clock):
    from rolecall.core.text.yaml_lines import read_yaml

    data, _ = read_yaml(
        "saml:\n"
        "  - name: okta\n"
        "    assertion_process: idp-helper --print\n"
        "  - name: adfs\n"
        "    duration: 20h\n"
        "    assertion_process: adfs-helper\n",
        "profiles.yaml",
    )
    found, problems = load_saml_sources(data["saml"], {}, "profiles.yaml")
    assert found == []
    assert [str(p) for p in problems] == ["profiles.yaml:5: saml adfs: duration 20h is outside 15m..12h"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400).map(lambda b: base64.b64encode(b).decode())))
def test_any_helper_output_is_an_assertion_or_one_config_error_line(printed):
    try:
        parse_assertion(printed, datetime(2026, 1, 1, tzinfo=UTC), "saml okta")
    except ConfigError as exc:
        assert exc.message.startswith("saml okta: ") and "\n" not in exc.message
