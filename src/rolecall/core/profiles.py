"""Profiles: profiles.yaml and the role profiles of ~/.aws/config, merged into one catalog.

Everything a user can get wrong is collected as a `Problem` (source, line, message) rather
than raised, so `rolecall check` can list them all and the app can keep the valid profiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rolecall.core import durations
from rolecall.core.errors import Problem, UnknownProfile

SOURCE_YAML = "profiles.yaml"
SOURCE_AWS = "aws-config"

# Keys that flow from `defaults` to accounts to roles; the nearest level wins.
INHERITED = {
    "region", "source_profile", "mfa", "mfa_serial", "duration", "mfa_session_duration",
    "mfa_process", "external_id", "session_tags", "source_identity", "session_policy_arns",
    "role_session_name", "tags",
}
TOP_KEYS = {"version", "defaults", "accounts"}
ACCOUNT_KEYS = INHERITED | {"id", "name", "roles"}
ROLE_KEYS = INHERITED | {"role", "arn", "name", "via"}
MERGED = {"tags", "session_tags"}  # dictionaries merged level by level rather than replaced

ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]{1,64})$")
MFA_SERIAL = re.compile(r"^(arn:aws[a-z-]*:iam::\d{12}:(mfa|u2f)/[\w+=,.@/-]+|GAHT[0-9A-Z]+|[\w+=/:,.@-]{9,256})$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
SOURCE_IDENTITY = re.compile(r"^[\w+=,.@-]{2,64}$")


@dataclass(frozen=True)
class Profile:
    """One role a user can assume."""

    name: str
    role_arn: str
    account_id: str
    account_name: str
    role_name: str
    source: str = SOURCE_YAML
    origin: str = ""  # "path:line" where it was defined
    region: str | None = None
    source_profile: str | None = None
    via: str | None = None
    mfa: bool = False
    mfa_serial: str | None = None
    mfa_process: str | None = None
    duration: int = durations.HOUR
    mfa_session_duration: int = 8 * durations.HOUR
    external_id: str | None = None
    role_session_name: str | None = None
    source_identity: str | None = None
    session_tags: dict[str, str] = field(default_factory=dict)
    session_policy_arns: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)

    __hash__ = object.__hash__

    @property
    def needs_mfa(self) -> bool:
        """MFA applies to the hop that uses the base credentials, so never to a chained role."""
        return self.mfa and self.via is None

    def to_dict(self) -> dict:
        # Shallow on purpose: the fields are plain values, and asdict's deep copy made
        # writing the index of 5,000 profiles take longer than parsing them.
        data = dict(vars(self))
        data["session_policy_arns"] = list(self.session_policy_arns)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Profile":
        data = dict(data)
        data["session_policy_arns"] = tuple(data.get("session_policy_arns") or ())
        return cls(**data)


@dataclass
class Catalog:
    """All profiles by name, plus every problem met while loading them."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            raise UnknownProfile(f"unknown profile {name!r}", hint=self._hint(name)) from None

    def _hint(self, name: str) -> str:
        import difflib

        close = difflib.get_close_matches(name, list(self.profiles), n=3)
        if close:
            return "did you mean " + ", ".join(close) + "?"
        if self.problems:
            return "some profiles did not load: run `rolecall check`"
        return "run `rolecall list` to see the profiles"

    def chain(self, profile: Profile) -> list[Profile]:
        """The profiles assumed in order to reach `profile`: the root first, `profile` last."""
        hops = [profile]
        while hops[-1].via:
            hops.append(self.get(hops[-1].via))
        return hops[::-1]


def partition_for(region: str | None) -> str:
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# --------------------------------------------------------------------------- YAML with lines


class LineDict(dict):
    """A mapping that remembers the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict


def _yaml_loader():
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def __init__(self, stream):
            super().__init__(stream)
            self.problems: list[tuple[int, str]] = []

    def construct_map(loader, node):
        data = LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                loader.problems.append((line, "a key must be a plain value"))
                continue
            if key in data:
                loader.problems.append((line, f"duplicate key {key!r} (line {data.key_lines[key]} has it too)"))
            data[key] = loader.construct_object(value_node, deep=True)
            data.key_lines[key] = line

    Loader.add_constructor("tag:yaml.org,2002:map", construct_map)
    return yaml, Loader


def read_yaml(text: str, source: str) -> tuple[object, list[Problem]]:
    """Parse YAML keeping line numbers; a syntax error becomes a Problem, never an exception."""
    yaml, Loader = _yaml_loader()
    loader = Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        return None, [Problem(source, line, f"YAML syntax error: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(source, None, f"YAML error: {str(exc).splitlines()[0]}")]
    except RecursionError:
        return None, [Problem(source, None, "YAML nested too deeply")]
    finally:
        loader.dispose()
    return data, [Problem(source, line, msg) for line, msg in loader.problems]


# --------------------------------------------------------------------------- profiles.yaml


class _Reader:
    """Turns the parsed profiles.yaml into Profiles, collecting problems as it goes."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

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

    def settings(self, node: LineDict, inherited: dict, what: str) -> dict:
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

    def check_value(self, node: LineDict, key: str, value: object, what: str):
        def bad(message: str):
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

    def read(self, data: object) -> list[tuple[Profile, int]]:
        if data is None:
            self.problem(None, "the file is empty: expected `version: 1` and `accounts:`")
            return []
        if not isinstance(data, LineDict):
            self.problem(None, "expected a mapping with `version` and `accounts` at the top")
            return []
        self.check_keys(data, TOP_KEYS, "the file")
        if data.get("version", 1) != 1:
            self.problem(data, f"unsupported version {data.get('version')!r} (this rolecall reads version 1)", "version")
        defaults = data.get("defaults") or LineDict()
        if not isinstance(defaults, LineDict):
            self.problem(data, "defaults must be a mapping", "defaults")
            defaults = LineDict()
        self.check_keys(defaults, INHERITED, "defaults")
        base = self.settings(defaults, {}, "defaults")
        accounts = data.get("accounts")
        if accounts is None:
            self.problem(data, "no `accounts:` list")
            return []
        if not isinstance(accounts, list):
            self.problem(data, "accounts must be a list", "accounts")
            return []
        found: list[tuple[Profile, int]] = []
        for account in accounts:
            found.extend(self.account(account, base, data))
        return found

    def account(self, node: object, base: dict, parent: LineDict) -> list[tuple[Profile, int]]:
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
        settings = self.settings(node, base, f"account {name}")
        roles = node.get("roles")
        if not isinstance(roles, list) or not roles:
            self.problem(node, f"account {name} has no roles list", "roles" if "roles" in node else None)
            return []
        found = []
        for role in roles:
            profile = self.role(role, account_id, name, settings, node)
            if profile:
                found.append(profile)
        return found

    def role(self, node, account_id: str, account_name: str, base: dict, parent: LineDict):
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
            if not isinstance(role_path, str) or not re.match(r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$", role_path):
                self.problem(node, f"{what}: role {role_path!r} is not a role name", "role")
                return None
            role_name = role_path.rsplit("/", 1)[-1]
            arn = f"arn:{partition_for(region)}:iam::{account_id}:role/{role_path}"
        else:
            self.problem(node, f"{what}: needs `role: NAME` or `arn: ARN`")
            return None
        name = node.get("name", f"{account_name}/{role_name}")
        if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name):
            self.problem(node, f"{what}: name {name!r} must be text without spaces", "name")
            return None
        via = node.get("via")
        if via is not None and not isinstance(via, str):
            self.problem(node, f"{name}: via must name a profile", "via")
            return None
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
        )
        return profile, node.line


_BAD = object()
_INVALID = "invalid setting"


def load_profiles_yaml(path: Path) -> tuple[list[tuple[Profile, int]], list[Problem]]:
    """Profiles (with their lines) and problems from one profiles.yaml; a missing file is no problem."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [Problem(source, None, f"cannot read: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [], [Problem(source, None, "not a text file (expected UTF-8 YAML)")]
    if "\x00" in text:
        return [], [Problem(source, None, "not a text file (it holds NUL bytes)")]
    data, problems = read_yaml(text, source)
    if problems and data is None:
        return [], problems
    reader = _Reader(source)
    found = reader.read(data)
    return found, problems + reader.problems


# --------------------------------------------------------------------------- ~/.aws/config


def _section_lines(text: str) -> dict[str, int]:
    lines = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def load_aws_config(config_path: Path, credentials_path: Path) -> tuple[list[tuple[Profile, int]], list[Problem]]:
    """Role profiles (those with role_arn) of the AWS config file, read by botocore's loader."""
    source = str(config_path)
    try:
        text = config_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [Problem(source, None, f"cannot read: {exc.strerror or exc}")]
    if "role_arn" not in text:
        return [], []
    from botocore import configloader
    from botocore.exceptions import ConfigParseError

    try:
        config = configloader.load_config(str(config_path)).get("profiles", {})
    except (ConfigParseError, UnicodeDecodeError) as exc:
        return [], [Problem(source, None, f"cannot parse: {str(exc).splitlines()[0]}")]
    except Exception as exc:  # configparser raises a zoo of its own errors
        return [], [Problem(source, None, f"cannot parse: {type(exc).__name__}: {str(exc).splitlines()[0]}")]
    credential_names = set(credential_profile_names(credentials_path))
    lines = _section_lines(text)
    found, problems = [], []
    for name, section in config.items():
        arn = section.get("role_arn")
        if not arn:
            continue
        line = lines.get(name)

        def problem(message: str, name=name, line=line) -> None:
            problems.append(Problem(source, line, f"profile {name}: {message}"))

        match = ROLE_ARN.match(arn.strip())
        if not match:
            problem(f"role_arn {arn!r} is not a role ARN")
            continue
        source_profile = section.get("source_profile")
        via = None
        if source_profile:
            parent = config.get(source_profile)
            if parent is None and source_profile not in credential_names:
                problem(f"source_profile {source_profile!r} is not in {config_path} or {credentials_path}")
                continue
            if parent and parent.get("role_arn") and source_profile != name:
                via, source_profile = source_profile, None
        elif section.get("credential_source") not in (None, "Environment"):
            problem(f"credential_source {section['credential_source']} is not supported; use source_profile")
            continue
        try:
            duration = int(section.get("duration_seconds", durations.HOUR))
            durations.check_range(duration, durations.ROLE_MIN, durations.ROLE_MAX, "duration_seconds")
        except ValueError as exc:
            problem(str(exc))
            continue
        serial = section.get("mfa_serial")
        found.append(
            (
                Profile(
                    name=name,
                    role_arn=arn.strip(),
                    account_id=match.group(2),
                    account_name=match.group(2),
                    role_name=match.group(3),
                    source=SOURCE_AWS,
                    origin=f"{source}:{line}" if line else source,
                    region=section.get("region"),
                    source_profile=source_profile,
                    via=via,
                    mfa=bool(serial),
                    mfa_serial=serial,
                    duration=duration,
                    external_id=section.get("external_id"),
                    role_session_name=section.get("role_session_name"),
                ),
                line or 0,
            )
        )
    return found, problems


def credential_profile_names(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return list(_section_lines(text))


# --------------------------------------------------------------------------- merging and checks


def build_catalog(
    yaml_found: list[tuple[Profile, int]],
    aws_found: list[tuple[Profile, int]],
    problems: list[Problem],
) -> Catalog:
    """Merge both sources (profiles.yaml wins), then check names, `via` targets and cycles."""
    catalog = Catalog(problems=list(problems))
    for profile, line in yaml_found:
        if profile.name in catalog.profiles:
            first = catalog.profiles[profile.name].origin.rsplit(":", 1)[-1]
            catalog.problems.append(
                Problem(profile.origin.rsplit(":", 1)[0], line, f"duplicate profile name {profile.name!r} (first at line {first})")
            )
            continue
        catalog.profiles[profile.name] = profile
    for profile, _ in aws_found:
        catalog.profiles.setdefault(profile.name, profile)
    _drop_bad_via(catalog)
    return catalog


def _where(profile: Profile) -> tuple[str, int | None]:
    source, _, line = profile.origin.rpartition(":")
    if source and line.isdigit():
        return source, int(line)
    return profile.origin, None


def _drop_bad_via(catalog: Catalog) -> None:
    profiles = catalog.profiles
    bad: set[str] = set()
    for profile in profiles.values():
        if profile.via and profile.via not in profiles:
            source, line = _where(profile)
            catalog.problems.append(Problem(source, line, f"{profile.name}: via {profile.via!r} names no profile"))
            bad.add(profile.name)
    for profile in profiles.values():
        seen = [profile.name]
        hop = profile
        while hop.via and hop.via in profiles:
            if hop.via in seen:
                source, line = _where(profile)
                loop = " -> ".join(seen[seen.index(hop.via):] + [hop.via])
                catalog.problems.append(Problem(source, line, f"{profile.name}: via makes a cycle ({loop})"))
                bad.add(profile.name)
                break
            seen.append(hop.via)
            hop = profiles[hop.via]
    # a profile whose chain passes through a bad one cannot be assumed either
    changed = True
    while changed:
        changed = False
        for profile in profiles.values():
            if profile.name not in bad and profile.via in bad:
                source, line = _where(profile)
                catalog.problems.append(Problem(source, line, f"{profile.name}: via {profile.via!r}, which has a problem"))
                bad.add(profile.name)
                changed = True
    for name in bad:
        del profiles[name]
