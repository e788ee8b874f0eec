"""Credential sources: where profiles come from, and how each kind of profile gets credentials.

Loaders turn one input (a file, a cached discovery) into Profiles and Problems (`path:line`):
profiles_yaml (the user's profiles.yaml, with its federated users and web identity roles),
aws_config (~/.aws/config as the AWS CLI reads it), sso (what each IAM Identity Center session
last discovered) and saml (the roles each SAML source's assertion last offered). `load` runs
them all; the catalog merges them, profiles.yaml first.

Kinds say how a profile's first hop gets temporary credentials. Each kind is a module here with
`credentials(profile, ctx, code_source, seconds) -> Credentials`, imported only when a profile of that kind is used,
so the cached paths never load what they do not need. A chained profile (`via`) is always an
AssumeRole with its parent's credentials, whatever the parent's kind.

Adding a source: its module here, a line in KINDS (and LOADERS if it reads an input of its own),
and its tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from rolecall.core.errors import Problem

if TYPE_CHECKING:
    from rolecall.core.credentials import Credentials
    from rolecall.core.mfa import CodeSource
    from rolecall.core.profiles import Catalog, Profile
    from rolecall.core.sources.profiles_yaml import _Reader
    from rolecall.core.sts import Gateway


KINDS: dict[str, str] = {
    "role": "rolecall.core.sources.role",
    "static": "rolecall.core.sources.static",
    "process": "rolecall.core.sources.process",
    "web_identity": "rolecall.core.sources.web_identity",
    "saml": "rolecall.core.sources.saml",
    "federation": "rolecall.core.sources.federation",
    "sso": "rolecall.core.sources.sso",
}


class Kind(Protocol):
    """A kind's module (KINDS): how a profile of that kind gets credentials."""

    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        ...


class SourceContext(Protocol):
    """What a kind may use from the engine (core/engine.py Engine is the one implementation)."""

    @property
    def sts(self) -> Gateway: ...

    def now(self) -> datetime: ...

    def session_name_for(self, profile: Profile) -> str:
        """The RoleSessionName an assume of `profile` carries."""

    def call_assume(self, profile: Profile, base: Credentials, seconds: int, code: str | None = None) -> Credentials:
        """AssumeRole for `profile` with everything it configures (external id, tags, ...)."""

    def mfa_credentials(self, profile: Profile, base: Credentials, code_source: CodeSource) -> Credentials:
        """The shared MFA session (GetSessionToken) of the profile's mfa_serial, opened when needed."""

    def renew_mfa(self, profile: Profile, base: Credentials, code_source: CodeSource) -> Credentials:
        """A new MFA session after AWS refused the cached one."""

    def with_code(self, profile: Profile, code_source: CodeSource, call: Callable[[str], Credentials]) -> Credentials:
        """`call(code)` with a code from `code_source`, asking again when AWS rejects it."""

    def with_renewal(self, call: Callable[[Credentials], Credentials], source: Credentials,
                     renew: Callable[[], Credentials]) -> Credentials:
        """`call(source)`, once more with `renew()` when AWS says `source` has expired."""


def load(yaml_path: Path, config_path: Path, credentials_path: Path) -> tuple[Catalog, list[Path]]:
    """The catalog of every source, and the files besides these three that it was made from
    (discovery caches): the index must be made anew when any of them changes."""
    from rolecall.core import paths
    from rolecall.core.profiles import Found, build_catalog
    from rolecall.core.sources import saml, sso
    from rolecall.core.sources.aws_config import load_aws_config
    from rolecall.core.sources.profiles_yaml import load_profiles_yaml
    from rolecall.core.sso import discovery

    yaml_found, problems, yaml = load_profiles_yaml(yaml_path)
    sessions, session_problems = sso_sessions(config_path, yaml)
    aws_found, aws_problems = load_aws_config(config_path, credentials_path, sessions)
    discovered, sso_problems = sso.load(sessions, yaml.sso_discovery, origin=str(yaml_path))
    saml_found, saml_problems = saml.load_saml_sources(yaml.saml_entries, yaml.account_names, yaml_path)
    names = dict(yaml.account_names)
    for profile in discovered:
        names.setdefault(profile.account_id, profile.account_name)
    aws_found = [f._replace(profile=_named(f.profile, names)) for f in aws_found]
    others = aws_found + [Found(p, 0) for p in discovered] + [Found(p, line) for p, line in saml_found]
    catalog = build_catalog(yaml_found, others, problems + session_problems + aws_problems + sso_problems
                            + saml_problems)
    catalog.sso_sessions = sessions
    watched = [discovery.path(s) for s in sessions] + [paths.keyring_keys_file()]
    watched += [saml.discovery_file(e["name"]) for e in yaml.saml_entries if isinstance(e, dict) and "name" in e]
    return catalog, watched


def sso_sessions(config_path: Path, yaml: _Reader) -> tuple[list[Any], list[Problem]]:
    """Every IAM Identity Center session: ~/.aws/config `[sso-session]` sections and legacy start
    URLs, then profiles.yaml `sso:` entries (a name the config already has is the config's)."""
    from rolecall.core.sso.session import sessions_from_config, sessions_from_yaml

    sessions, problems = sessions_from_config(config_path)
    if yaml.sso_entries:
        found, more = sessions_from_yaml(yaml.sso_entries, yaml.source,
                                         [getattr(e, "line", None) for e in yaml.sso_entries])
        names = {s.name for s in sessions}
        sessions += [s for s in found if s.name not in names]
        problems += more
    return sessions, problems


def _named(profile: Profile, names: dict[str, str]) -> Profile:
    """A ~/.aws/config profile labelled with its account's name when another source knows it."""
    if profile.account_id and profile.account_name == profile.account_id and profile.account_id in names:
        return replace(profile, account_name=names[profile.account_id])
    return profile


def kind_module(kind: str) -> Kind:
    """The module that gets credentials for profiles of `kind`."""
    from rolecall.core.errors import ConfigError

    try:
        return cast("Kind", importlib.import_module(KINDS[kind]))
    except KeyError:
        raise ConfigError(f"profiles of kind {kind!r} are not supported by this rolecall") from None
