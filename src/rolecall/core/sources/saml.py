"""Kind "saml": AssumeRoleWithSAML with an assertion from the user's identity provider (Okta, ADFS,
Azure AD), printed base64 by a helper command (`assertion_process`: saml2aws, a browser helper).

profiles.yaml `saml:` entries: `name`, `assertion_process`, optional `region` and `duration`.
The roles come from the assertion's Role attribute (`role ARN,provider ARN`, either order).

Discovery is lazy. Getting an assertion means signing in to the IdP (a browser, a push to a
phone), so it is never done just to list profiles: `rolecall list`, the app's start and the index
read the roles found the last time an assertion was fetched, kept in `<cache>/saml/<name>.json`
(ARNs only; the assertion itself, a bearer credential for minutes, is never written anywhere).
They are refreshed by `discover()` (the integrator's `rolecall sync NAME`) and every time a
profile of the source is assumed, since that fetches a fresh assertion anyway.

The assertion is parsed with the standard library's expat-based ElementTree after refusing any
DOCTYPE, so no entity (internal or external) is ever declared, let alone expanded.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolecall.core.domain import durations
from rolecall.core.domain.credentials import iso, parse_time
from rolecall.core.domain.errors import ConfigError, Problem, StorageError
from rolecall.core.domain.profiles import ROLE_ARN, Profile
from rolecall.core.gateways.runner import command_output
from rolecall.core.sources.base import CredentialSource, Settings, settings_of
from rolecall.core.store import paths, storage
from rolecall.core.text.yaml_lines import EntryProblems

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.sources.base import SourceContext

ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
PROVIDER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:saml-provider/[\w+=,.@-]{1,128}$")
SOURCE_NAME = re.compile(r"^[\w.-]{1,64}$")
ENTRY_KEYS = {"name", "assertion_process", "region", "duration"}
ASSERTION_TIMEOUT = 180.0  # a helper may wait for a browser sign-in or a push approval
MAX_ASSERTION = 100_000  # AWS's limit on SAMLAssertion


@dataclass(frozen=True)
class Assertion:
    encoded: str = field(repr=False)  # what AWS gets, whitespace removed
    roles: tuple[tuple[str, str], ...]  # (role ARN, provider ARN), in the assertion's order
    session_duration: int | None = None
    not_on_or_after: datetime | None = None


def parse_assertion(text: str, now: datetime, what: str) -> Assertion:
    """The AWS roles, session length and expiry of a base64 SAMLResponse; one ConfigError line if unusable."""
    encoded = "".join(text.split())
    if len(encoded) > MAX_ASSERTION:
        raise ConfigError(f"{what}: the SAML assertion is longer than AWS accepts ({MAX_ASSERTION} characters)")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{what}: printed something that is not base64 (expected a base64 SAMLResponse)") from None
    if re.search(rb"<!\s*(DOCTYPE|ENTITY)", raw, re.IGNORECASE):
        raise ConfigError(f"{what}: the SAML response declares a DOCTYPE, which SAML never does: refused")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        raise ConfigError(f"{what}: the decoded text is not XML, so not a SAML response") from None
    if root.tag not in (f"{{{PROTOCOL_NS}}}Response", f"{{{ASSERTION_NS}}}Assertion"):
        raise ConfigError(f"{what}: the decoded XML is not a SAML 2.0 response (its root is {root.tag})")
    roles: list[tuple[str, str]] = []
    session_duration = None
    for attribute in root.iter(f"{{{ASSERTION_NS}}}Attribute"):
        values = [(v.text or "").strip() for v in attribute.iter(f"{{{ASSERTION_NS}}}AttributeValue")]
        name = attribute.get("Name")
        if name == ROLE_ATTRIBUTE:
            roles.extend(pair for pair in map(_role_pair, values) if pair and pair not in roles)
        elif name == DURATION_ATTRIBUTE and values and values[0].isdigit():
            session_duration = int(values[0])
    if not roles:
        raise ConfigError(
            f"{what}: the SAML assertion gives no AWS role (no role ARN,provider ARN in {ROLE_ATTRIBUTE})"
        )
    ends = _not_on_or_after(root, what)
    if ends is not None and ends <= now:
        raise ConfigError(
            f"{what}: the SAML assertion expired at {iso(ends)}", hint="sign in to the identity provider again"
        )
    return Assertion(encoded, tuple(roles), session_duration, ends)


def _role_pair(value: str) -> tuple[str, str] | None:
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2:
        return None
    for role, provider in (parts, parts[::-1]):
        if ROLE_ARN.match(role) and PROVIDER_ARN.match(provider):
            return role, provider
    return None


def _not_on_or_after(root: ET.Element, what: str) -> datetime | None:
    """The earliest NotOnOrAfter of the assertion's Conditions and subject confirmations."""
    times = []
    for tag in ("Conditions", "SubjectConfirmationData"):
        for node in root.iter(f"{{{ASSERTION_NS}}}{tag}"):
            text = node.get("NotOnOrAfter")
            if text:
                try:
                    times.append(parse_time(text))
                except ValueError:
                    raise ConfigError(f"{what}: the SAML assertion has an unreadable NotOnOrAfter {text!r}") from None
    return min(times) if times else None


def session_seconds(assertion: Assertion, asked: int) -> int:
    """SessionDuration from the assertion when present (kept within 15m..12h), else what was asked."""
    if assertion.session_duration is None:
        return asked
    return max(durations.ROLE_MIN, min(durations.ROLE_MAX, assertion.session_duration))


def fetch_assertion(source: str, command: str, now: datetime) -> Assertion:
    text = command_output(f"saml {source}: assertion_process", command, ASSERTION_TIMEOUT)
    return parse_assertion(text, now, f"saml {source}")


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class SamlSettings(Settings):
    source: str  # the profiles.yaml `saml:` entry's name
    principal_arn: str  # the identity provider's ARN that the assertion names with the role
    assertion_process: str


class Saml(CredentialSource):
    kind = "saml"
    settings = SamlSettings

    def describe(self, profile: Profile) -> list[tuple[str, str]]:
        settings = settings_of(profile, SamlSettings)
        return [("saml source", settings.source), ("identity provider", settings.principal_arn)]

    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        settings = settings_of(profile, SamlSettings)
        source = settings.source
        assertion = fetch_assertion(source, settings.assertion_process, ctx.now())
        with contextlib.suppress(StorageError):  # the list of roles is a convenience; the credentials are not
            remember(source, assertion.roles)
        if (profile.role_arn, settings.principal_arn) not in assertion.roles:
            raise ConfigError(
                f"saml {source}: the identity provider no longer offers {profile.role_arn} (through {settings.principal_arn})",
                hint=f"run `rolecall sync {source}` to see the roles it offers now",
            )
        return ctx.sts.assume_role_with_saml(
            profile.role_arn,
            settings.principal_arn,
            assertion.encoded,
            session_seconds(assertion, seconds),
            profile.region,
            profile.session_policy_arns,
        )

    @staticmethod
    def problems(node: dict[str, Any], source_path: str | Path, line: int | None) -> list[Problem]:
        return validate_saml_entry(node, source_path, line)


# --------------------------------------------------------------------------- discovery


def discovery_file(source: str) -> Path:
    return paths.cache_dir() / "saml" / f"{source}.json"


def remember(source: str, roles: tuple[tuple[str, str], ...]) -> None:
    storage.write_json(discovery_file(source), {"roles": [list(pair) for pair in roles]})


def remembered(source: str) -> list[tuple[str, str]] | None:
    """The roles last discovered for `source`, or None if it never was (or the file is damaged)."""
    data = storage.read_json(discovery_file(source))
    if data is None or not isinstance(data.get("roles"), list):
        return None
    pairs = []
    for item in data["roles"]:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
            pair = _role_pair(",".join(item))
            if pair:
                pairs.append(pair)
    return pairs


def discover(
    entry: dict[str, Any], accounts_by_id: dict[str, str], source_path: str | Path, now: datetime
) -> list[tuple[Profile, int]]:
    """Fetch an assertion now (the user signs in), remember its roles, return the source's profiles."""
    assertion = fetch_assertion(entry["name"], entry["assertion_process"], now)
    remember(entry["name"], assertion.roles)
    return _profiles(entry, assertion.roles, accounts_by_id, source_path)


def load_saml_sources(
    entries: list[dict[str, Any]], accounts_by_id: dict[str, str], source_path: str | Path
) -> tuple[list[tuple[Profile, int]], list[Problem]]:
    """Profiles of every `saml:` entry from the roles last discovered; runs no command.

    An entry never discovered yields no profiles and no problem (`rolecall sync NAME` discovers it).
    """
    found: list[tuple[Profile, int]] = []
    problems: list[Problem] = []
    for entry in entries:
        line = getattr(entry, "line", None)
        entry_problems = Saml.problems(entry, source_path, line)
        problems.extend(entry_problems)
        if entry_problems:
            continue
        try:
            roles = remembered(entry["name"])
        except ConfigError as exc:  # StorageError is one: an unreadable cache file
            problems.append(Problem(str(source_path), line, f"saml {entry['name']}: {exc.message}"))
            continue
        found.extend(_profiles(entry, roles or [], accounts_by_id, source_path))
    return found, problems


def _profiles(
    entry: dict[str, Any], roles: Sequence[tuple[str, str]], accounts_by_id: dict[str, str], source_path: str | Path
) -> list[tuple[Profile, int]]:
    line = getattr(entry, "line", None) or 0
    duration = durations.parse_duration(entry["duration"]) if entry.get("duration") is not None else durations.HOUR
    found = []
    for role_arn, provider in roles:
        match = ROLE_ARN.match(role_arn)
        if not match:
            continue
        account_id, role_name = match.group(2), match.group(3)
        account_name = accounts_by_id.get(account_id, account_id)
        found.append(
            (
                Profile(
                    name=f"{account_name}/{role_name}",
                    role_arn=role_arn,
                    account_id=account_id,
                    account_name=account_name,
                    role_name=role_name,
                    source=f"saml:{entry['name']}",
                    origin=f"{source_path}:{line}" if line else str(source_path),
                    region=entry.get("region"),
                    duration=duration,
                    kind="saml",
                    settings=SamlSettings(entry["name"], provider, entry["assertion_process"]),
                ),
                line,
            )
        )
    return found


def validate_saml_entry(node: dict[str, Any], source_path: str | Path, line: int | None) -> list[Problem]:
    """Problems with one profiles.yaml `saml:` entry, each as `path:line: message`."""
    entry = EntryProblems(node, source_path, line, "saml entry", ENTRY_KEYS, "name and assertion_process")
    problems, problem = entry.problems, entry.add
    if not isinstance(node, dict):
        return problems
    name = node.get("name")
    if not isinstance(name, str) or not SOURCE_NAME.match(name):
        problem("a saml entry needs a name of letters, digits, '.', '_' or '-' (at most 64)", "name")
    what = f"saml {name}" if isinstance(name, str) else "saml entry"
    command = node.get("assertion_process")
    if not isinstance(command, str) or not command.strip():
        problem(f"{what}: assertion_process must be a command that prints the base64 SAMLResponse", "assertion_process")
    if "region" in node and (not isinstance(node["region"], str) or not node["region"].strip()):
        problem(f"{what}: region must be text", "region")
    if node.get("duration") is not None:
        try:
            seconds = durations.parse_duration(node["duration"])
            durations.check_range(seconds, durations.ROLE_MIN, durations.ROLE_MAX, "duration")
        except ValueError as exc:
            problem(f"{what}: {exc}", "duration")
    return problems
