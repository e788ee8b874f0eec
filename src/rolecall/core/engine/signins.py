"""Signing in and out and discovering again: IAM Identity Center sessions and SAML sources.

One of the engine's services (core/engine/__init__.py, Engine, is the facade the faces ask): the rules live here,
so a face only prompts and formats (which role sessions a logout forgets, what a failed sync
keeps, when a sign-in's discovery is old enough to be made again).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from rolecall.core.domain.errors import ConfigError, RolecallError
from rolecall.core.store import paths

if TYPE_CHECKING:
    from rolecall.core.domain.clock import Clock
    from rolecall.core.domain.profiles import Catalog
    from rolecall.core.sso.discovery import Discovery
    from rolecall.core.sso.session import SsoSession
    from rolecall.core.store.cache import SessionCache

RESYNC_AFTER = timedelta(hours=24)  # a sign-in's discovery older than this is made again

Progress = Callable[[int, int, int], None]  # (accounts done, accounts known, roles found)


@dataclass(frozen=True)
class Logout:
    was_signed_in: bool
    forgotten: int  # role sessions got with that sign-in, now forgotten


class Synced(NamedTuple):
    accounts: int
    roles: int


@dataclass
class SignIns:
    catalog: Catalog
    cache: SessionCache
    clock: Clock
    profiles_path: str | os.PathLike[str] | None = None

    def configured(self) -> list[SsoSession]:
        """Every configured IAM Identity Center session (~/.aws/config, then profiles.yaml `sso:`),
        as the catalog found them (kept in its index: no file is read again)."""
        return list(self.catalog.sso_sessions)

    def states(self, configured: list[SsoSession] | None = None) -> list[tuple[SsoSession, datetime | None]]:
        """Each session and when its sign-in (token) expires; None when signed out (no token, or a
        damaged or foreign token file: the next sign-in replaces it)."""
        from rolecall.core.sso.token import NotSignedIn, read_token

        found = []
        for session in self.configured() if configured is None else configured:
            try:
                token = read_token(session)
            except NotSignedIn:
                token = None
            found.append((session, token.expires_at if token else None))
        return found

    def pick(self, name: str | None, configured: list[SsoSession] | None = None) -> SsoSession:
        """The session called `name` (the only one when None); a ConfigError names the choices, or
        what is wrong with the session of that name when the configuration has it but broken."""
        from rolecall.core.sources import session_problem
        from rolecall.core.sso.session import pick

        sessions = self.configured() if configured is None else configured
        if name is not None and all(s.name != name for s in sessions):
            problem = session_problem(self.catalog.problems, name)
            if problem is not None:
                raise ConfigError(str(problem))
        return pick(sessions, name)

    def of_profile(self, name: str) -> SsoSession | None:
        """The session a person signs in to for profile `name` (its chain's first hop's), if any."""
        root = self.catalog.chain(self.catalog.get(name))[0]
        return root.credential_source.sign_in_session(root)

    def discovery(self, session: SsoSession) -> Discovery | None:
        """The session's last discovered accounts and roles (no network); None when never."""
        from rolecall.core.sso import discovery

        return discovery.read(session)

    def discovered_at(self, session: SsoSession) -> datetime | None:
        """When the session's accounts and roles were last discovered; None when never."""
        found = self.discovery(session)
        return found.fetched_at if found else None

    def resync_at(self, session: SsoSession) -> datetime:
        """When a signed-in session's discovery should be made again (now, if it never was)."""
        discovered = self.discovered_at(session)
        return discovered + RESYNC_AFTER if discovered else self.clock.now()

    def login(
        self,
        session: SsoSession,
        prompt: Callable[[str, str | None], None] | None = None,
        *,
        notify: Callable[[str], None] = lambda message: None,
        cancelled: threading.Event | None = None,
        browser: bool = True,
        open_url: Callable[[str], bool] | None = None,
    ) -> datetime:
        """Sign in (browser with PKCE, or the device code flow); `prompt(url, user_code)` is told what
        the person must open (`open_url` opens a URL instead of the browser). Returns when the sign-in expires."""
        from rolecall.core.sso.login import login

        token = login(
            session, self.clock, browser=browser, notify=notify, prompt=prompt, cancelled=cancelled, open_url=open_url
        )
        return token.expires_at

    def sync(
        self, session: SsoSession, progress: Progress | None = None, cancelled: threading.Event | None = None
    ) -> Synced:
        """Discover the session's accounts and roles again (`cancelled` stops it). A failed sync keeps
        the last result and its error's hint says so. The catalog is made anew by `Engine.open`."""
        from rolecall.core.sso import discovery

        previous = discovery.read(session)
        try:
            found = discovery.sync(session, self.clock, progress=progress, cancelled=cancelled)
        except RolecallError as exc:
            if previous is not None:
                exc.hint = (
                    f"kept the previous discovery ({len(previous.accounts)} accounts, "
                    f"from {previous.fetched_at:%Y-%m-%d %H:%M} UTC)"
                )
            raise
        return Synced(len(found.accounts), found.role_count)

    def logout(self, session: SsoSession) -> Logout:
        """Sign out on the portal (when the sign-in is live), remove the token, and forget the role
        sessions got with it: those of every profile whose chain starts with this session."""
        from rolecall.core.sso.portal import Portal
        from rolecall.core.sso.token import NotSignedIn, read_token, remove_token

        try:
            token = read_token(session)
        except NotSignedIn:
            token = None  # a damaged file: removing it is what logging out asks for
        if token is not None and token.remaining(self.clock.now()).total_seconds() > 0:
            Portal(session, token).logout()
        removed = remove_token(session)
        forgotten = 0
        for name in self.catalog.profiles:
            signs_in = self.of_profile(name)
            if signs_in is not None and signs_in.name == session.name:
                forgotten += self.cache.forget(name)
        return Logout(removed, forgotten)

    def saml_sync(self, name: str) -> list[str] | None:
        """Run the SAML source `name`'s assertion_process once (the person signs in) and remember the
        roles it offers; the names of their profiles, or None when no SAML source is called `name`."""
        from rolecall.core.sources.profiles_yaml import load_profiles_yaml
        from rolecall.core.sources.saml import Saml, discover

        yaml_path = paths.profiles_file(self.profiles_path)
        _, _, yaml = load_profiles_yaml(yaml_path)
        entry = next((e for e in yaml.saml_entries if isinstance(e, dict) and e.get("name") == name), None)
        if entry is None:
            return None
        problems = Saml.problems(entry, yaml_path, getattr(entry, "line", None))
        if problems:
            raise ConfigError(str(problems[0]))
        return [profile.name for profile, _ in discover(entry, yaml.account_names, yaml_path, self.clock.now())]

    def logins_watch(self, configured: list[SsoSession]) -> list[Path]:
        """What to stat to notice sessions, MFA sessions and sign-ins changed by any process: the
        cache's sessions/ and mfa/ directories and each session's token file."""
        from rolecall.core.sso.token import token_path

        return [self.cache.root / "sessions", self.cache.root / "mfa", *(token_path(s) for s in configured)]

    def discoveries_watch(self, configured: list[SsoSession]) -> list[Path]:
        """The discovery files of every session: when one changes, the catalog must be made anew."""
        from rolecall.core.sso import discovery

        return [discovery.path(session) for session in configured]
