"""The Profile model and the catalog that merges what every source found.

Sources (core/sources/) turn their input into Profiles and Problems; nothing a user can get
wrong is raised, so `rolecall check` can list it all and the app can keep the valid profiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from rolecall.core.domain import durations
from rolecall.core.domain.errors import ConfigError, Problem, UnknownProfile, split_origin
from rolecall.core.sources.base import Settings

if TYPE_CHECKING:
    from rolecall.core.sources.base import CredentialSource

SOURCE_YAML = "profiles.yaml"
SOURCE_AWS = "aws-config"

ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]{1,64})$")
MFA_SERIAL = re.compile(r"^(arn:aws[a-z-]*:iam::\d{12}:(mfa|u2f)/[\w+=,.@/-]+|GAHT[0-9A-Z]+|[\w+=/:,.@-]{9,256})$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
SOURCE_IDENTITY = re.compile(r"^[\w+=,.@-]{2,64}$")


@dataclass(frozen=True)
class Profile:
    """One identity a user can get temporary credentials for.

    `kind` names the credential source that gets its first hop's credentials (core/sources/registry.py);
    `settings` is what only that kind needs, typed by the source (its `settings` dataclass).
    """

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
    kind: str = "role"
    settings: Settings = field(default_factory=Settings)
    chromium_profile: str | None = None  # the console's browser profile: a profile directory name or a path

    __hash__ = object.__hash__

    @property
    def needs_mfa(self) -> bool:
        """MFA applies to the hop that uses the base credentials, so never to a chained role."""
        return self.mfa and self.via is None

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose: the fields are plain values, and asdict's deep copy made
        # writing the index of 5,000 profiles take longer than parsing them.
        data = dict(vars(self))
        data["session_policy_arns"] = list(self.session_policy_arns)
        data["settings"] = self.settings.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        from rolecall.core.sources.registry import settings_type

        data = dict(data)
        data["session_policy_arns"] = tuple(data.get("session_policy_arns") or ())
        data["settings"] = settings_type(data.get("kind", "role")).from_dict(data.get("settings") or {})
        return cls(**data)

    @property
    def credential_source(self) -> CredentialSource:
        """The source that gets this profile's first-hop credentials (its kind's)."""
        from rolecall.core.sources.registry import source_for

        return source_for(self.kind)


@dataclass
class Catalog:
    """All profiles by name, plus every problem met while loading them."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # The IAM Identity Center sessions configured (core/sso/session.py SsoSession), kept with the
    # catalog (and its index) so the faces never read the files again to know them.
    sso_sessions: list[Any] = field(default_factory=list)
    # ~/.aws/config profiles that only hold settings (region, output), by name: not a problem (a base
    # for other tools' settings), but not something to get credentials for either.
    without_credentials: dict[str, Problem] = field(default_factory=dict)

    def get(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            if name in self.without_credentials:
                raise ConfigError(
                    f"{self.without_credentials[name].message}: give it role_arn with source_profile, sso_session, "
                    "credential_process or login_session, or keys in ~/.aws/credentials"
                ) from None
            raise UnknownProfile(f"unknown profile {name!r}", hint=self._hint(name)) from None

    def _hint(self, name: str) -> str:
        import difflib

        folded: dict[str, list[str]] = {}
        for known in self.profiles:
            folded.setdefault(known.casefold(), []).append(known)
        close = [
            known for match in difflib.get_close_matches(name.casefold(), list(folded), n=3) for known in folded[match]
        ][:3]
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


# --------------------------------------------------------------------------- merging and checks


class Found(NamedTuple):
    """A profile as a source found it: the line it starts on, and the line of its `via`."""

    profile: Profile
    line: int
    via_line: int | None = None


def build_catalog(yaml_found: list[Found], other_found: list[Found], problems: list[Problem]) -> Catalog:
    """Merge the sources (profiles.yaml wins, then the others in the order given), then check
    names, `via` targets and cycles."""
    catalog = Catalog(problems=list(problems))
    for found in yaml_found:
        profile = found.profile
        if profile.name in catalog.profiles:
            first = catalog.profiles[profile.name].origin.rsplit(":", 1)[-1]
            catalog.problems.append(
                Problem(
                    profile.origin.rsplit(":", 1)[0],
                    found.line,
                    f"duplicate profile name {profile.name!r} (first at line {first})",
                )
            )
            continue
        catalog.profiles[profile.name] = profile
    for found in other_found:
        catalog.profiles.setdefault(found.profile.name, found.profile)
    via_lines = {f.profile.name: f.via_line for f in [*yaml_found, *other_found] if f.via_line}
    _drop_bad_via(catalog, via_lines)
    return catalog


def _drop_bad_via(catalog: Catalog, via_lines: dict[str, int]) -> None:
    profiles = catalog.profiles
    bad: set[str] = set()
    for profile in profiles.values():
        if profile.via and profile.via not in profiles:
            source, line = split_origin(profile.origin)
            line = via_lines.get(profile.name, line)
            catalog.problems.append(Problem(source, line, f"{profile.name}: via {profile.via!r} names no profile"))
            bad.add(profile.name)
    for profile in profiles.values():
        seen = [profile.name]
        hop = profile
        while hop.via and hop.via in profiles:
            if hop.via in seen:
                source, line = split_origin(profile.origin)
                loop = " -> ".join(seen[seen.index(hop.via) :] + [hop.via])
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
                source, line = split_origin(profile.origin)
                catalog.problems.append(
                    Problem(source, line, f"{profile.name}: via {profile.via!r}, which has a problem")
                )
                bad.add(profile.name)
                changed = True
    for name in bad:
        del profiles[name]
