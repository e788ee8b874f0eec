"""The profiles.yaml source: defaults -> accounts -> roles, every problem with its line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rolecall.core.domain import durations
from rolecall.core.domain.errors import Problem
from rolecall.core.domain.profiles import (
    ACCOUNT_ID,
    EXTERNAL_ID,
    MFA_SERIAL,
    ROLE_ARN,
    SOURCE_IDENTITY,
    SOURCE_YAML,
    Found,
    Profile,
    partition_for,
)
from rolecall.core.domain.regions import is_region
from rolecall.core.sources.base import Settings
from rolecall.core.sources.web_identity import WebIdentity, web_identity_settings
from rolecall.core.text.yaml_lines import LineDict, read_yaml

# Keys that flow from `defaults` to accounts to roles; the nearest level wins.
INHERITED = {
    "region",
    "source_profile",
    "mfa",
    "mfa_serial",
    "duration",
    "mfa_session_duration",
    "mfa_process",
    "external_id",
    "session_tags",
    "source_identity",
    "session_policy_arns",
    "role_session_name",
    "tags",
    "chromium_profile",
}
TOP_KEYS = {"version", "defaults", "accounts", "sso", "sso_discovery", "saml"}
ACCOUNT_KEYS = INHERITED | {"id", "name", "roles", "federated_users"}
ROLE_KEYS = INHERITED | {"role", "arn", "name", "via", "web_identity_token_file", "web_identity_token_process"}
MERGED = {"tags", "session_tags"}  # dictionaries merged level by level rather than replaced
ROLE_PATH = re.compile(r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
SPACE = re.compile(r"\s")


class _Reader:
    """Turns the parsed profiles.yaml into Profiles, collecting problems as it goes."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []
        # What other sources need from this file: IAM Identity Center sessions and what to do with
        # what they discover, SAML sources, and account names by id (for discovered accounts).
        self.sso_entries: list[Any] = []
        self.sso_discovery: dict[str, Any] = {}
        self.saml_entries: list[Any] = []
        self.account_names: dict[str, str] = {}

    def problem(self, where: LineDict | int | None, message: str, key: str | None = None) -> None:
        line = where
        if isinstance(where, LineDict):
            line = where.key_lines.get(key, where.line) if key is not None else where.line
        self.problems.append(Problem(self.source, line, message))

    def check_keys(self, node: LineDict, allowed: set[str], what: str) -> None:
        for key in node:
            if key not in allowed:
                hint = ""
                import difflib

                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                if close:
                    hint = f" (did you mean {close[0]!r}?)"
                self.problem(node, f"unknown key {key!r} in {what}{hint}", key)

    def settings(self, node: LineDict, inherited: dict[str, Any], what: str) -> dict[str, Any]:
        """The inheritable settings of one level, merged over what it inherits; bad ones dropped."""
        merged = dict(inherited)
        for key in INHERITED & set(node):
            value = self.check_value(node, key, node[key], what)
            if value is _BAD:
                merged[_INVALID] = True  # the profiles below would be assumed with the wrong setting
                continue
            if key in MERGED:
                merged[key] = {**merged.get(key, {}), **value}
            else:
                merged[key] = value
        return merged

    def check_value(self, node: LineDict, key: str, value: object, what: str) -> Any:
        def bad(message: str) -> Any:
            self.problem(node, f"{what}: {key} {message}", key)
            return _BAD

        if key in ("duration", "mfa_session_duration"):
            try:
                seconds = durations.parse_duration(value)
                low, high = (
                    (durations.ROLE_MIN, durations.ROLE_MAX)
                    if key == "duration"
                    else (durations.MFA_MIN, durations.MFA_MAX)
                )
                durations.check_range(seconds, low, high, key)
            except ValueError as exc:
                self.problem(node, f"{what}: {exc}", key)
                return _BAD
            return seconds
        if key == "region" and not is_region(value):
            return bad("is not a region name (like eu-west-1)")
        if key == "mfa":
            return value if isinstance(value, bool) else bad("must be true or false")
        if key in ("tags", "session_tags"):
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, (str, int, float)) and not isinstance(v, bool)
                for k, v in value.items()
            ):
                return bad("must be a mapping of names to text values")
            return {k: str(v) for k, v in value.items()}
        if key == "session_policy_arns":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return bad("must be a list of policy ARNs")
            return tuple(value)
        if key == "mfa_serial":
            if not isinstance(value, str) or not MFA_SERIAL.match(value):
                return bad("must be an MFA device ARN (arn:aws:iam::123456789012:mfa/name)")
            return value
        if key == "external_id":
            value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
            if not isinstance(value, str) or not EXTERNAL_ID.match(value):
                return bad("must be 2 to 1224 characters of letters, digits and +=,.@:/-")
            return value
        if key == "source_identity" and (not isinstance(value, str) or not SOURCE_IDENTITY.match(value)):
            return bad("must be 2 to 64 characters of letters, digits and +=,.@-")
        if key == "role_session_name" and (not isinstance(value, str) or not SOURCE_IDENTITY.match(value)):
            return bad("must be 2 to 64 characters of letters, digits and +=,.@-")
        if not isinstance(value, str) or not value.strip():
            return bad("must be text")
        return value

    def read(self, data: object) -> list[Found]:
        if data is None:
            self.problem(None, "the file is empty: expected `version: 1` and `accounts:`")
            return []
        if not isinstance(data, LineDict):
            self.problem(None, "expected a mapping with `version` and `accounts` at the top")
            return []
        self.check_keys(data, TOP_KEYS, "the file")
        if data.get("version", 1) != 1:
            self.problem(
                data, f"unsupported version {data.get('version')!r} (this rolecall reads version 1)", "version"
            )
        defaults = data.get("defaults") or LineDict()
        if not isinstance(defaults, LineDict):
            self.problem(data, "defaults must be a mapping", "defaults")
            defaults = LineDict()
        self.check_keys(defaults, INHERITED, "defaults")
        base = self.settings(defaults, {}, "defaults")
        self.sources(data)
        accounts = data.get("accounts")
        if accounts is None:
            if not (self.sso_entries or self.saml_entries):
                self.problem(data, "no `accounts:` list")
            return []
        if not isinstance(accounts, list):
            self.problem(data, "accounts must be a list", "accounts")
            return []
        found: list[Found] = []
        for account in accounts:
            found.extend(self.account(account, base, data))
        return found

    def sources(self, data: LineDict) -> None:
        """The `sso:`, `sso_discovery:` and `saml:` sections, kept for their own sources."""
        for key in ("sso", "saml"):
            entries = data.get(key)
            if entries is not None and not isinstance(entries, list):
                self.problem(data, f"{key} must be a list", key)
            elif entries:
                setattr(self, f"{key}_entries", entries)
        settings = data.get("sso_discovery")
        if settings is not None and not isinstance(settings, dict):
            self.problem(data, "sso_discovery must be a mapping", "sso_discovery")
        elif settings:
            self.sso_discovery = dict(settings)
            self.sso_discovery_line = data.key_lines.get("sso_discovery")

    def account(self, node: object, base: dict[str, Any], parent: LineDict) -> list[Found]:
        if not isinstance(node, LineDict):
            self.problem(parent.key_lines.get("accounts"), "each account must be a mapping with id, name and roles")
            return []
        self.check_keys(node, ACCOUNT_KEYS, "account")
        account_id = node.get("id")
        if isinstance(account_id, int) and not isinstance(account_id, bool):
            account_id = str(account_id)
        if account_id is None:
            self.problem(node, "account has no id")
            return []
        if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
            self.problem(node, f"account id {account_id!r} is not 12 digits (quote it to keep leading zeros)", "id")
            return []
        name = node.get("name", account_id)
        if not isinstance(name, str) or not name.strip():
            self.problem(node, "account name must be text", "name")
            return []
        self.account_names.setdefault(account_id, name)
        settings = self.settings(node, base, f"account {name}")
        found = self.federated_users(node, account_id, name, settings)
        roles = node.get("roles")
        if found and roles is None:
            return found
        if not isinstance(roles, list) or not roles:
            self.problem(node, f"account {name} has no roles list", "roles" if "roles" in node else None)
            return found
        for role in roles:
            profile = self.role(role, account_id, name, settings, node)
            if profile:
                found.append(profile)
        return found

    def federated_users(
        self, node: LineDict, account_id: str, account_name: str, settings: dict[str, Any]
    ) -> list[Found]:
        from rolecall.core.sources.federation import load_federated_users

        entries = node.get("federated_users")
        if entries is None:
            return []
        if not isinstance(entries, list):
            self.problem(node, "federated_users must be a list", "federated_users")
            return []
        found, problems = load_federated_users(entries, account_id, account_name, settings, self.source)
        self.problems += problems
        return [Found(profile, line) for profile, line in found]

    def role(
        self, node: object, account_id: str, account_name: str, base: dict[str, Any], parent: LineDict
    ) -> Found | None:
        if not isinstance(node, LineDict):
            self.problem(parent.key_lines.get("roles"), f"each role of account {account_name} must be a mapping")
            return None
        self.check_keys(node, ROLE_KEYS, "role")
        what = f"role in account {account_name}"
        settings = self.settings(node, base, what)
        if settings.get(_INVALID):
            return None
        region = settings.get("region")
        if "arn" in node:
            arn = node["arn"]
            match = ROLE_ARN.match(arn) if isinstance(arn, str) else None
            if not match:
                self.problem(node, f"{what}: arn {arn!r} is not a role ARN", "arn")
                return None
            if match.group(2) != account_id:
                self.problem(node, f"{what}: arn is in account {match.group(2)}, not {account_id}", "arn")
                return None
            role_name = match.group(3)
        elif "role" in node:
            role_path = node["role"]
            if not isinstance(role_path, str) or not ROLE_PATH.match(role_path):
                self.problem(node, f"{what}: role {role_path!r} is not a role name", "role")
                return None
            role_name = role_path.rsplit("/", 1)[-1]
            arn = f"arn:{partition_for(region)}:iam::{account_id}:role/{role_path}"
        else:
            self.problem(node, f"{what}: needs `role: NAME` or `arn: ARN`")
            return None
        name = node.get("name", f"{account_name}/{role_name}")
        if not isinstance(name, str) or not name or SPACE.search(name):
            self.problem(node, f"{what}: name {name!r} must be text without spaces", "name")
            return None
        via = node.get("via")
        if via is not None and not isinstance(via, str):
            self.problem(node, f"{name}: via must name a profile", "via")
            return None
        kind, source_settings = "role", Settings()
        web_identity = web_identity_settings(node)
        if web_identity:
            problems = WebIdentity.problems(node, self.source, node.line)
            if problems:
                self.problems += [p._replace(message=f"{name}: {p.message}") for p in problems]
                return None
            # The token is the proof: no keys, no MFA (even when defaults ask for them elsewhere).
            kind, source_settings = "web_identity", web_identity
            settings = {**settings, "mfa": False, "source_profile": None}
        mfa = settings.get("mfa", False)
        if mfa and not settings.get("mfa_serial"):
            self.problem(node, f"{name}: mfa is true but no mfa_serial is set (here or in defaults)")
            return None
        profile = Profile(
            name=name,
            role_arn=arn,
            account_id=account_id,
            account_name=account_name,
            role_name=role_name,
            source=SOURCE_YAML,
            origin=f"{self.source}:{node.line}",
            region=region,
            source_profile=settings.get("source_profile"),
            via=via,
            mfa=mfa,
            mfa_serial=settings.get("mfa_serial"),
            mfa_process=settings.get("mfa_process"),
            duration=settings.get("duration", durations.HOUR),
            mfa_session_duration=settings.get("mfa_session_duration", 8 * durations.HOUR),
            external_id=settings.get("external_id"),
            role_session_name=settings.get("role_session_name"),
            source_identity=settings.get("source_identity"),
            session_tags=settings.get("session_tags", {}),
            session_policy_arns=settings.get("session_policy_arns", ()),
            tags=settings.get("tags", {}),
            kind=kind,
            settings=source_settings,
            chromium_profile=settings.get("chromium_profile"),
        )
        return Found(profile, node.line, node.key_lines.get("via"))


_BAD = object()
_INVALID = "invalid setting"


def load_profiles_yaml(path: Path) -> tuple[list[Found], list[Problem], _Reader]:
    """Profiles (with their lines) and problems from one profiles.yaml, and the reader, which holds
    what the file says for other sources (`sso:`, `saml:`, account names). A missing file is no problem."""
    source = str(path)
    reader = _Reader(source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], [], reader
    except OSError as exc:
        return [], [Problem(source, None, f"cannot read: {exc.strerror or exc}", whole_file=True)], reader
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [], [Problem(source, None, "not a text file (expected UTF-8 YAML)", whole_file=True)], reader
    if "\x00" in text:
        return [], [Problem(source, None, "not a text file (it holds NUL bytes)", whole_file=True)], reader
    data, problems = read_yaml(text, source)
    if problems and data is None:
        return [], [p._replace(whole_file=True) for p in problems], reader
    found = reader.read(data)
    return found, problems + reader.problems, reader
