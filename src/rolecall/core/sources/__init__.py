"""Credential sources: where profiles come from, and how each kind of profile gets credentials.

Loaders turn one input (a file, a cached discovery) into Profiles and Problems (`path:line`):
profiles_yaml (the user's profiles.yaml, with its federated users and web identity roles),
aws_config (~/.aws/config as the AWS CLI reads it), sso (what each IAM Identity Center session
last discovered) and saml (the roles each SAML source's assertion last offered). `load` runs
them all; the catalog merges them, profiles.yaml first.

Kinds say how a profile's first hop gets temporary credentials: each is a CredentialSource class
(base.py) in a module of its own, named in the registry (registry.py) and imported only when a
profile of that kind is used. A chained profile (`via`) is always an AssumeRole with its parent's
credentials, whatever the parent's kind.

Adding a kind: its module here and one line in registry.KINDS (plus a loader call below if it
reads an input of its own), and its tests.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rolecall.core.domain.errors import Problem
    from rolecall.core.domain.profiles import Catalog, Profile
    from rolecall.core.sources.profiles_yaml import _Reader


def load(yaml_path: Path, config_path: Path, credentials_path: Path) -> tuple[Catalog, list[Path]]:
    """The catalog of every source, and the files besides these three that it was made from
    (discovery caches): the index must be made anew when any of them changes."""
    from rolecall.core.domain.profiles import Found, build_catalog
    from rolecall.core.sources import saml, sso
    from rolecall.core.sources.aws_config import load_aws_config
    from rolecall.core.sources.profiles_yaml import load_profiles_yaml
    from rolecall.core.sso import discovery
    from rolecall.core.store import paths

    yaml_found, problems, yaml = load_profiles_yaml(yaml_path)
    sessions, session_problems = sso_sessions(config_path, yaml)
    aws_found, aws_problems, bare = load_aws_config(config_path, credentials_path, sessions)
    discovered, sso_problems = sso.load(sessions, yaml.sso_discovery, origin=str(yaml_path))
    saml_found, saml_problems = saml.load_saml_sources(yaml.saml_entries, yaml.account_names, yaml_path)
    names = dict(yaml.account_names)
    for profile in discovered:
        names.setdefault(profile.account_id, profile.account_name)
    aws_found = [f._replace(profile=_named(f.profile, names)) for f in aws_found]
    others = aws_found + [Found(p, 0) for p in discovered] + [Found(p, line) for p, line in saml_found]
    catalog = build_catalog(
        yaml_found, others, problems + session_problems + aws_problems + sso_problems + saml_problems
    )
    catalog.sso_sessions = sessions
    catalog.without_credentials = {name: note for name, note in bare.items() if name not in catalog.profiles}
    watched = [discovery.path(s) for s in sessions] + [paths.keyring_keys_file()]
    watched += [saml.discovery_file(e["name"]) for e in yaml.saml_entries if isinstance(e, dict) and "name" in e]
    return catalog, watched


def sso_sessions(config_path: Path, yaml: _Reader) -> tuple[list[Any], list[Problem]]:
    """Every IAM Identity Center session: ~/.aws/config `[sso-session]` sections and legacy start
    URLs, then profiles.yaml `sso:` entries (a name the config already has is the config's)."""
    from rolecall.core.sso.session import sessions_from_config, sessions_from_yaml

    sessions, problems = sessions_from_config(config_path)
    if yaml.sso_entries:
        found, more = sessions_from_yaml(
            yaml.sso_entries, yaml.source, [getattr(e, "line", None) for e in yaml.sso_entries]
        )
        names = {s.name for s in sessions}
        sessions += [s for s in found if s.name not in names]
        problems += more
    return sessions, problems


def _named(profile: Profile, names: dict[str, str]) -> Profile:
    """A ~/.aws/config profile labelled with its account's name when another source knows it."""
    if profile.account_id and profile.account_name == profile.account_id and profile.account_id in names:
        return replace(profile, account_name=names[profile.account_id])
    return profile


def session_problem(problems: list[Problem], name: str) -> Problem | None:
    """The problem that kept the IAM Identity Center session `name` from being configured, if any
    (core/sso/session.py starts each with the section's kind and name)."""
    prefixes = tuple(f"{what} {name}: " for what in ("sso-session", "profile", "sso"))
    return next((problem for problem in problems if problem.message.startswith(prefixes)), None)
