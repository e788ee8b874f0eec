"""Kind "sso": IAM Identity Center. Discovered accounts and roles become profiles, and a profile of this
kind gets its credentials with GetRoleCredentials and the session's token (refreshed when need be;
never a browser: without a valid token it fails with "run `rolecall login NAME`").

Names: `<account name>/<role name>`. profiles.yaml and ~/.aws/config names win a clash (the catalog
merges them first). When two SSO sessions give the same name, the session listed first keeps it and
the other's profile is named `<session>/<account name>/<role name>`.

Discovery settings (a plain dict, from profiles.yaml):
  region         default region of discovered profiles (else the session's sso_region)
  tags           tags given to every discovered profile
  account_names  {account id: name} overrides of the portal's account names
  include        ids or globs (on id, account name, or profile name); when given, only matches are kept
  exclude        ids or globs; matches are dropped
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rolecall.core.domain.errors import Problem, split_origin
from rolecall.core.domain.profiles import ACCOUNT_ID, Profile, partition_for
from rolecall.core.sources.base import CredentialSource, Settings, settings_of
from rolecall.core.sso.session import DEFAULT_SCOPES, SsoSession

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.sources.base import SourceContext

SETTINGS = {"region", "tags", "account_names", "include", "exclude"}


def source_name(session: SsoSession) -> str:
    return f"sso:{session.name}"


@dataclass(frozen=True)
class SsoSettings(Settings):
    """The role a profile gets, and the session it signs in with (all of it, so no file is read again)."""

    session: str
    account_id: str
    role_name: str
    start_url: str
    region: str
    legacy: bool = False


def _settings(session: SsoSession, account_id: str, role: str) -> SsoSettings:
    return SsoSettings(session.name, account_id, role, session.start_url, session.region, session.legacy)


class IdentityCenter(CredentialSource):
    kind = "sso"
    settings = SsoSettings

    def describe(self, profile: Profile) -> list[tuple[str, str]]:
        settings = settings_of(profile, SsoSettings)
        return [("sso session", settings.session), ("start URL", settings.start_url)]

    def sign_in_session(self, profile: Profile) -> SsoSession:
        settings = settings_of(profile, SsoSettings)
        return SsoSession(settings.session, settings.start_url, settings.region, DEFAULT_SCOPES, legacy=settings.legacy)

    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        """GetRoleCredentials with the session's token; the role's duration is the permission set's."""
        from rolecall.core.sso.login import valid_token
        from rolecall.core.sso.portal import Portal

        settings, session = settings_of(profile, SsoSettings), self.sign_in_session(profile)
        return Portal(session, valid_token(session, ctx)).role_credentials(settings.account_id, settings.role_name)

    def console_shortcut(self, profile: Profile, destination: str) -> str:
        """The portal's console shortcut: the browser signs in through the portal (its own session,
        multi-session aware), so no credentials are minted and none are in the URL."""
        from urllib.parse import urldefrag, urlencode

        settings = settings_of(profile, SsoSettings)
        start = urldefrag(settings.start_url).url.rstrip("/")
        query = urlencode(
            {"account_id": settings.account_id, "role_name": settings.role_name, "destination": destination}
        )
        return f"{start}/#/console?{query}"


def check_settings(settings: dict[str, Any], origin: str) -> list[Problem]:
    where = split_origin(origin)
    problems = []
    for key in sorted(set(settings) - SETTINGS):
        problems.append(Problem(where[0], where[1], f"sso discovery: unknown setting {key!r}"))
    for key in ("include", "exclude"):
        value = settings.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value)):
            problems.append(Problem(where[0], where[1], f"sso discovery: {key} must be a list of account ids or globs"))
    for key in ("tags", "account_names"):
        value = settings.get(key)
        if value is not None and not isinstance(value, dict):
            problems.append(Problem(where[0], where[1], f"sso discovery: {key} must be a mapping"))
    if settings.get("region") is not None and not isinstance(settings["region"], str):
        problems.append(Problem(where[0], where[1], "sso discovery: region must be text"))
    return problems


def _matches(patterns: list[Any], *values: str) -> bool:
    return any(fnmatch.fnmatchcase(value, str(pattern)) for pattern in patterns for value in values)


def load(
    sessions: list[SsoSession], settings: dict[str, Any] | None = None, *, origin: str = "profiles.yaml"
) -> tuple[list[Profile], list[Problem]]:
    """Profiles from each session's cached discovery (no network). A session never synced gives none."""
    from rolecall.core.sso import discovery

    settings = settings or {}
    problems = check_settings(settings, origin)
    if problems:
        return [], problems
    include = settings.get("include") or []
    exclude = settings.get("exclude") or []
    names = {str(k): str(v) for k, v in (settings.get("account_names") or {}).items()}
    tags = {str(k): str(v) for k, v in (settings.get("tags") or {}).items()}
    taken: set[str] = set()
    found: list[Profile] = []
    for session in sessions:
        cached = discovery.read(session)
        if cached is None:
            continue
        region = settings.get("region") or session.region
        partition = partition_for(session.region)
        for account in cached.accounts:
            account_name = names.get(account.account_id, account.name)
            for role in account.roles:
                name = f"{account_name}/{role}"
                values = (account.account_id, account_name, name)
                if include and not _matches(include, *values):
                    continue
                if exclude and _matches(exclude, *values):
                    continue
                if name in taken:
                    name = f"{session.name}/{name}"
                taken.add(name)
                found.append(
                    Profile(
                        name=name,
                        role_arn=f"arn:{partition}:iam::{account.account_id}:role/{role}",
                        account_id=account.account_id,
                        account_name=account_name,
                        role_name=role,
                        source=source_name(session),
                        origin=session.origin,
                        region=region,
                        tags=dict(tags),
                        kind="sso",
                        settings=_settings(session, account.account_id, role),
                    )
                )
    return found, []


def profile_from_config(
    name: str, section: dict[str, Any], sessions: list[SsoSession], origin: str = ""
) -> Profile | Problem:
    """A ~/.aws/config profile with sso_session (or legacy sso_start_url) + sso_account_id + sso_role_name."""
    where = split_origin(origin)

    def problem(message: str) -> Problem:
        return Problem(where[0], where[1], f"profile {name}: {message}")

    account_id = str(section.get("sso_account_id") or "")
    role = section.get("sso_role_name")
    if not ACCOUNT_ID.match(account_id):
        return problem(
            f"sso_account_id {account_id!r} is not a 12-digit account id" if account_id else "sso_account_id is missing"
        )
    if not role:
        return problem("sso_role_name is missing")
    if "sso_session" in section:
        session = next((s for s in sessions if s.name == section["sso_session"] and not s.legacy), None)
        if session is None:
            return problem(f"sso_session {section['sso_session']!r} names no [sso-session] section")
    else:
        start_url, region = section.get("sso_start_url"), section.get("sso_region")
        if not start_url or not region:
            return problem("needs sso_session, or sso_start_url and sso_region")
        session = next((s for s in sessions if s.legacy and s.start_url == start_url), None)
        if session is None:
            if not str(start_url).startswith("https://"):
                return problem(f"sso_start_url {start_url!r} is not an https:// URL")
            session = SsoSession(name, start_url, region, DEFAULT_SCOPES, origin, legacy=True)
    return Profile(
        name=name,
        role_arn=f"arn:{partition_for(session.region)}:iam::{account_id}:role/{role}",
        account_id=account_id,
        account_name=account_id,
        role_name=role,
        source="aws-config",
        origin=origin,
        region=section.get("region") or session.region,
        kind="sso",
        settings=_settings(session, account_id, role),
    )
