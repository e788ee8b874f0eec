"""The engine both faces use: profiles in, live sessions out, through the cache, MFA and STS.

Collaborators are passed in (clock, cache, STS gateway factory, audit file), so tests and the
demo hand it a fake clock and a local STS; the CLI and the TUI hand it the real ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolecall.core.domain import durations
from rolecall.core.domain.clock import Clock, SystemClock
from rolecall.core.domain.errors import ConfigError, Problem, RolecallError
from rolecall.core.store import paths

if TYPE_CHECKING:
    import threading

    from rolecall.core.domain.credentials import Credentials, Session
    from rolecall.core.domain.profiles import Catalog, Profile
    from rolecall.core.engine.assumer import Assumer
    from rolecall.core.engine.signins import Logout, Progress, SignIns, Synced
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.gateways.sts import Gateway
    from rolecall.core.sso.discovery import Discovery
    from rolecall.core.sso.session import SsoSession
    from rolecall.core.store.cache import SessionCache


@dataclass(frozen=True)
class MfaSession:
    """The GetSessionToken session one MFA code opened, shared by every role with that device."""

    serial: str
    credentials: Credentials

    @property
    def expiration(self) -> datetime | None:
        return self.credentials.expiration


def _default_cache() -> SessionCache:
    from rolecall.core.store.cache import SessionCache  # with the first engine: the app's first frame needs none

    return SessionCache(paths.cache_dir())


def _default_gateway() -> Gateway:
    from rolecall.core.gateways.sts import StsGateway

    return StsGateway()


@dataclass
class Engine:
    catalog: Catalog
    cache: SessionCache = field(default_factory=_default_cache)
    clock: Clock = field(default_factory=SystemClock)
    gateway_factory: Callable[[], Gateway] = _default_gateway
    audit_path: Path | None = field(default_factory=paths.audit_file)
    session_name: str | None = None
    # Told about what went wrong but did not stop the work (a session that could not be saved).
    warn: Callable[[str], None] | None = None
    # Where the catalog came from (--profiles), for what reads profiles.yaml again (a SAML sync).
    profiles_path: str | os.PathLike[str] | None = None
    # The services behind this facade: getting sessions, and sign-ins.
    assumer: Assumer = field(init=False, repr=False)
    signins: SignIns = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # loaded with the first engine: the app's first frame, drawn from the index, needs neither
        from rolecall.core.engine.assumer import Assumer
        from rolecall.core.engine.signins import SignIns

        self.assumer = Assumer(
            self.catalog, self.cache, self.clock, self.gateway_factory, self.audit_path, self.session_name, self._warn
        )
        self.signins = SignIns(self.catalog, self.cache, self.clock, self.profiles_path)

    def _warn(self, message: str) -> None:
        if self.warn:
            self.warn(message)

    @classmethod
    def open(
        cls, profiles_path: str | os.PathLike[str] | None = None, *, use_index: bool = True, **options: Any
    ) -> Engine:
        """The engine over the user's profiles (profiles.yaml named by --profiles or
        $ROLECALL_PROFILES, or the default one, merged with ~/.aws/config).

        A profiles file named explicitly must exist: a typo in a path is an error, not an empty list.
        """
        from rolecall.core.sources.index import load_catalog

        _check_named_file(profiles_path)
        return cls(load_catalog(profiles_path, use_index=use_index), profiles_path=profiles_path, **options)

    @classmethod
    def from_index(cls, profiles_path: str | os.PathLike[str] | None = None, **options: Any) -> IndexedStart | None:
        """The engine's start from a current profiles index (one JSON read): its first profiles
        at once, the engine `open` would make after. None when the sources must be parsed (or a
        named file is missing: `open` says so)."""
        from rolecall.core.sources.index import current_index

        try:
            _check_named_file(profiles_path)
        except RolecallError:
            return None
        text = current_index(profiles_path)
        return None if text is None else IndexedStart(text, profiles_path, options)

    @property
    def sts(self) -> Gateway:
        return self.assumer.sts

    def now(self) -> datetime:
        return self.clock.now()

    # -- reading what is cached, without AWS

    def session(self, name: str) -> Session | None:
        """The cached session of a profile if it was made for that profile exactly as it is now
        (same layout.fingerprint: role, source, external id, policies, tags, MFA, region...), any time left."""
        profile = self.catalog.profiles.get(name)
        if profile is None:
            return self.cache.get(name)
        return self.assumer.cached(profile)

    def usable(self, name: str) -> Session | None:
        """A cached session for the request as it is now, with at least 5 minutes left, or None."""
        session = self.session(name)
        if session and session.credentials.fresh(self.now()):
            return session
        return None

    def cached_sessions(self) -> list[Session]:
        """Every cached session made for a known profile as it is now, expired ones included (a face
        marks them), chained parents included: what `rolecall sessions` and the sessions panel list."""
        return [s for s in self.cache.sessions() if s.profile in self.catalog.profiles and self.session(s.profile)]

    def mfa_sessions(self) -> list[MfaSession]:
        found = []
        for serial in self.cache.mfa_serials():
            credentials = self.cache.get_mfa(serial)
            if credentials:
                found.append(MfaSession(serial, credentials))
        return found

    def forget(self, name: str) -> bool:
        return self.cache.forget(name)

    def forget_mfa(self, serial: str) -> None:
        self.cache.forget_mfa(serial)

    def forget_all(self) -> int:
        """Forget every cached session and MFA session; how many there were."""
        return self.cache.clear()

    def mfa_session(self, serial: str) -> Credentials | None:
        return self.assumer.mfa_session(serial)

    # -- questions the faces ask

    def profile(self, name: str) -> Profile:
        return self.catalog.get(name)

    def problems(self) -> list[Problem]:
        return list(self.catalog.problems)

    def unreadable(self) -> list[Problem]:
        """Problems that kept a whole file from being read (a YAML syntax error, say)."""
        return [p for p in self.catalog.problems if p.whole_file]

    def chain(self, name: str) -> list[Profile]:
        """The profiles assumed to reach `name`: the first hop first, `name` last."""
        return self.catalog.chain(self.catalog.get(name))

    def source_facts(self, name: str) -> list[tuple[str, str]]:
        """(label, value) facts about where `name`'s first hop gets its credentials, for a person."""
        root = self.chain(name)[0]
        return root.credential_source.describe(root)

    def code_needed(self, name: str, refresh: bool = False) -> str | None:
        """The MFA device a person must type a code for before `name` can be had, else None.

        None when a session on the way is still live (on refresh, `name`'s own does not count),
        when the shared MFA session is live, or when the profile's mfa_process gives codes.
        """
        hops = self.chain(name)
        for hop in hops[:-1] if refresh else hops:
            if self.usable(hop.name):
                return None
        root = hops[0]
        if not root.credential_source.needs_code(root) or root.mfa_process or self.mfa_session(root.mfa_serial or ""):
            return None
        return root.mfa_serial

    # -- getting credentials, calling AWS when the cache cannot serve

    def assume(
        self,
        name: str,
        code_source: CodeSource,
        *,
        refresh: bool = False,
        duration: int | None = None,
    ) -> Session:
        """A session for `name` with at least 5 minutes left: from the cache, or freshly assumed
        (always anew with `refresh`)."""
        profile = self.catalog.get(name)
        if duration is not None:
            try:
                durations.check_range(duration, durations.ROLE_MIN, profile.credential_source.max_duration, "duration")
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        return self.assumer.session(profile, code_source, force=refresh, duration=duration)

    # -- things done with a session

    def whoami(self, session: Session) -> dict[str, Any]:
        return self.sts.get_caller_identity(session.credentials, session.region)

    # -- IAM Identity Center sign-ins and SAML sources (core/engine/signins.py)

    def sso_configured(self) -> list[SsoSession]:
        return self.signins.configured()

    def sso_sessions(self, configured: list[SsoSession] | None = None) -> list[tuple[SsoSession, datetime | None]]:
        return self.signins.states(configured)

    def sso_session(self, name: str | None, configured: list[SsoSession] | None = None) -> SsoSession:
        return self.signins.pick(name, configured)

    def sso_discovery(self, session: SsoSession) -> Discovery | None:
        return self.signins.discovery(session)

    def sso_discovered_at(self, session: SsoSession) -> datetime | None:
        return self.signins.discovered_at(session)

    def sso_login(
        self,
        session: SsoSession,
        prompt: Callable[[str, str | None], None] | None = None,
        *,
        notify: Callable[[str], None] = lambda message: None,
        cancelled: threading.Event | None = None,
        browser: bool = True,
        open_url: Callable[[str], bool] | None = None,
    ) -> datetime:
        return self.signins.login(
            session, prompt, notify=notify, cancelled=cancelled, browser=browser, open_url=open_url
        )

    def sso_sync(
        self, session: SsoSession, progress: Progress | None = None, cancelled: threading.Event | None = None
    ) -> Synced:
        return self.signins.sync(session, progress, cancelled)

    def sso_logout(self, session: SsoSession) -> Logout:
        return self.signins.logout(session)

    def sso_resync_at(self, session: SsoSession) -> datetime:
        return self.signins.resync_at(session)

    def sign_in_session(self, name: str) -> SsoSession | None:
        """The IAM Identity Center session a person signs in to for profile `name`, if any."""
        return self.signins.of_profile(name)

    def saml_sync(self, name: str) -> list[str] | None:
        return self.signins.saml_sync(name)

    def sso_logins_watch(self, configured: list[SsoSession]) -> list[Path]:
        return self.signins.logins_watch(configured)

    def sso_discoveries_watch(self, configured: list[SsoSession]) -> list[Path]:
        return self.signins.discoveries_watch(configured)


def _check_named_file(profiles_path: str | os.PathLike[str] | None) -> None:
    """A profiles file named explicitly (--profiles, $ROLECALL_PROFILES) must exist."""
    from rolecall.core.store import settings

    if profiles_path or settings.from_env("profiles"):
        path = paths.profiles_file(profiles_path)
        if not path.exists():
            how = "--profiles" if profiles_path else "$ROLECALL_PROFILES"
            raise ConfigError(
                f"the profiles file {path} (from {how}) does not exist",
                hint="check the path, or see profiles.example.yaml for a start",
            )


@dataclass
class IndexedStart:
    """A current profiles index, read: its first profiles for a first frame, then the engine."""

    text: str  # the index, parsed whole only by `engine`
    profiles_path: str | os.PathLike[str] | None
    options: dict[str, Any]

    def first(self, count: int) -> list[Profile] | None:
        """The first `count` profiles in catalog order (None: the index is damaged)."""
        from rolecall.core.sources.index import first_profiles

        return first_profiles(self.text, count)

    def engine(self) -> Engine | None:
        """The engine over the whole index (None: the index is damaged, `Engine.open` reads the sources)."""
        from rolecall.core.sources.index import catalog_of_text

        catalog = catalog_of_text(self.text)
        return None if catalog is None else Engine(catalog, profiles_path=self.profiles_path, **self.options)
