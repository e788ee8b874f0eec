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

from rolecall.core import audit, durations, layout, paths, runner
from rolecall.core.cache import SessionCache
from rolecall.core.clock import Clock, SystemClock
from rolecall.core.credentials import Credentials, Session
from rolecall.core.errors import (
    AwsError,
    ConfigError,
    InvalidMfaCode,
    MfaCodeRequired,
    Problem,
    StorageError,
)
from rolecall.core.mfa import CodeSource
from rolecall.core.profiles import Catalog, Profile

if TYPE_CHECKING:
    import threading

    from rolecall.core.sso.session import SsoSession
    from rolecall.core.sts import Gateway

TOKEN_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"}


@dataclass(frozen=True)
class MfaSession:
    """The GetSessionToken session one MFA code opened, shared by every role with that device."""

    serial: str
    credentials: Credentials

    @property
    def expiration(self) -> datetime | None:
        return self.credentials.expiration


def _default_gateway() -> Gateway:
    from rolecall.core.sts import StsGateway

    return StsGateway()


@dataclass
class Engine:
    catalog: Catalog
    cache: SessionCache = field(default_factory=lambda: SessionCache(paths.cache_dir()))
    clock: Clock = field(default_factory=SystemClock)
    gateway_factory: Callable[[], Gateway] = _default_gateway
    audit_path: Path | None = field(default_factory=paths.audit_file)
    session_name: str | None = None
    # Told about what went wrong but did not stop the work (a session that could not be saved).
    warn: Callable[[str], None] | None = None
    _gateway: Gateway | None = field(default=None, init=False, repr=False)

    @classmethod
    def open(cls, profiles_path: str | os.PathLike[str] | None = None, *, use_index: bool = True, **options: Any) -> Engine:
        """The engine over the user's profiles (profiles.yaml named by --profiles or
        $ROLECALL_PROFILES, or the default one, merged with ~/.aws/config).

        A profiles file named explicitly must exist: a typo in a path is an error, not an empty list.
        """
        from rolecall.core import settings
        from rolecall.core.index import load_catalog

        if profiles_path or settings.from_env("profiles"):
            path = paths.profiles_file(profiles_path)
            if not path.exists():
                how = "--profiles" if profiles_path else "$ROLECALL_PROFILES"
                raise ConfigError(f"the profiles file {path} (from {how}) does not exist",
                                  hint="check the path, or see profiles.example.yaml for a start")
        return cls(load_catalog(profiles_path, use_index=use_index), **options)

    @property
    def sts(self) -> Gateway:
        if self._gateway is None:
            self._gateway = self.gateway_factory()
        return self._gateway

    def now(self) -> datetime:
        return self.clock.now()

    # -- reading what is cached, without AWS

    def session(self, name: str) -> Session | None:
        """The cached session of a profile if it was made for that profile exactly as it is now
        (same layout.fingerprint: role, source, external id, policies, tags, MFA, region...), any time left."""
        profile = self.catalog.profiles.get(name)
        if profile is None:
            return self.cache.get(name)
        return self.cache.get(name, layout.fingerprint(profile.to_dict()))

    def usable(self, name: str) -> Session | None:
        """A cached session for the request as it is now, with at least 5 minutes left, or None."""
        session = self.session(name)
        if session and session.credentials.fresh(self.now()):
            return session
        return None

    def live_sessions(self) -> list[Session]:
        """Every cached session that still belongs to a known profile, expired ones included
        (a face marks them), chained parents included: what `rolecall sessions` lists."""
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
        found = self.cache.get_mfa(serial)
        return found if found and found.fresh(self.now()) else None

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
        if not root.needs_mfa or root.mfa_process or self.mfa_session(root.mfa_serial or ""):
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
            # A role session lasts up to 12 h; a federation token or a session token up to 36 h.
            longest = durations.MFA_MAX if profile.kind in ("federation", "static") else durations.ROLE_MAX
            try:
                durations.check_range(duration, durations.ROLE_MIN, longest, "duration")
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        return self._session(profile, code_source, force=refresh, duration=duration)

    def _session(self, profile: Profile, code_source: CodeSource, *, force: bool, duration: int | None) -> Session:
        with runner.getting(profile.name):
            return self._cached_or_new(profile, code_source, force=force, duration=duration)

    def _cached_or_new(self, profile: Profile, code_source: CodeSource, *, force: bool, duration: int | None) -> Session:
        if not force:
            found = self.usable(profile.name)
            if found:
                return found
        before = self.session(profile.name)
        with self.cache.lock(profile.name):
            # Another process may have refreshed it while we waited for the lock.
            found = self.session(profile.name)
            if found and found.credentials.fresh(self.now()) and (not force or found != before):
                return found
            session = self._assume(profile, code_source, duration)
            if session.expiration:  # credentials that never expire are not ours to keep
                self._keep(self.cache.put, session, layout.fingerprint(profile.to_dict()))
        if self.audit_path:
            self._keep(audit.record, self.audit_path, session, self.now())
        return session

    def _keep(self, write: Callable[..., Any], *args: Any) -> None:
        """Save something; if the disk refuses, say so and carry on with the credentials in hand."""
        try:
            write(*args)
        except StorageError as exc:
            if self.warn:
                self.warn(exc.message)

    def _assume(self, profile: Profile, code_source: CodeSource, duration: int | None) -> Session:
        seconds = duration or profile.duration
        if profile.via:
            via = self.catalog.get(profile.via)
            seconds = min(seconds, durations.CHAINED_MAX)
            creds = self.with_renewal(
                lambda source: self.call_assume(profile, source, seconds),
                self._session(via, code_source, force=False, duration=None).credentials,
                lambda: self._session(via, code_source, force=True, duration=None).credentials,
            )
        else:
            from rolecall.core.sources import kind_module

            creds = kind_module(profile.kind).credentials(profile, self, code_source, seconds)
        return Session(
            profile=profile.name,
            role_arn=profile.role_arn,
            credentials=creds,
            session_name=self.session_name_for(profile),
            source_identity=profile.source_identity,
            assumed_at=self.now(),
            region=profile.region,
        )

    @staticmethod
    def with_renewal(call: Callable[[Credentials], Credentials], source: Credentials,
                      renew: Callable[[], Credentials]) -> Credentials:
        """`call(source)`; when AWS says those cached source credentials died early (revoked, a clock
        change), renew them once and call again."""
        try:
            return call(source)
        except AwsError as exc:
            if exc.code not in TOKEN_EXPIRED:
                raise
            return call(renew())

    def mfa_credentials(self, profile: Profile, base: Credentials, code_source: CodeSource) -> Credentials:
        serial = profile.mfa_serial or ""
        found = self.mfa_session(serial)
        if found:
            return found
        with self.cache.lock_mfa(serial):
            found = self.mfa_session(serial)
            if found:
                return found
            creds = self.with_code(
                profile,
                code_source,
                lambda code: self.sts.get_session_token(
                    base, serial=serial, code=code, duration=profile.mfa_session_duration, region=profile.region
                ),
            )
            self._keep(self.cache.put_mfa, serial, creds)
            return creds

    def renew_mfa(self, profile: Profile, base: Credentials, code_source: CodeSource) -> Credentials:
        """A new MFA session for the profile's device: the cached one was refused by AWS."""
        self.forget_mfa(profile.mfa_serial or "")
        return self.mfa_credentials(profile, base, code_source)

    def with_code(self, profile: Profile, code_source: CodeSource, call: Callable[[str], Credentials]) -> Credentials:
        """Get a code and make the call; ask again (up to 3 codes) when AWS rejects one and the source can."""
        attempts = 3 if getattr(code_source, "retry_on_invalid", False) else 1
        rejected: InvalidMfaCode | None = None
        for _ in range(attempts):
            try:
                code = code_source(profile)
            except MfaCodeRequired:
                if rejected:
                    raise rejected from None
                raise
            try:
                return call(code)
            except InvalidMfaCode as exc:
                rejected = exc
        assert rejected is not None
        raise rejected

    def call_assume(self, profile: Profile, base: Credentials, seconds: int, code: str | None = None) -> Credentials:
        from rolecall.core.sts import AssumeRequest

        request = AssumeRequest(
            role_arn=profile.role_arn,
            session_name=self.session_name_for(profile),
            duration=seconds,
            region=profile.region,
            external_id=profile.external_id,
            mfa_serial=profile.mfa_serial if code else None,
            mfa_code=code,
            source_identity=profile.source_identity,
            session_tags=tuple(sorted(profile.session_tags.items())),
            policy_arns=profile.session_policy_arns,
        )
        return self.sts.assume_role(base, request)

    def session_name_for(self, profile: Profile) -> str:
        """The RoleSessionName an assume of `profile` carries."""
        from rolecall.core.sts import session_name

        return profile.role_session_name or self.session_name or session_name()

    # -- things done with a session

    def whoami(self, session: Session) -> dict[str, Any]:
        return self.sts.get_caller_identity(session.credentials, session.region)

    # -- IAM Identity Center sign-ins

    def sso_configured(self) -> list[SsoSession]:
        """Every configured IAM Identity Center session (~/.aws/config, then profiles.yaml `sso:`),
        as the catalog found them (kept in its index: no file is read again)."""
        return list(self.catalog.sso_sessions)

    def sso_sessions(self, configured: list[SsoSession] | None = None) -> list[tuple[SsoSession, datetime | None]]:
        """Each configured session (`configured`, else the catalog's) and when its sign-in (token) expires;
        None when signed out (no token, or a damaged or foreign token file: the next sign-in replaces it)."""
        from rolecall.core.sso.token import NotSignedIn, read_token

        found = []
        for session in self.sso_configured() if configured is None else configured:
            try:
                token = read_token(session)
            except NotSignedIn:
                token = None
            found.append((session, token.expires_at if token else None))
        return found

    def sso_session(self, name: str | None, configured: list[SsoSession]) -> SsoSession:
        """The session called `name` (the only one when None); a ConfigError names the choices."""
        from rolecall.core.sso.session import pick

        return pick(configured, name)

    def sso_discovered_at(self, session: SsoSession) -> datetime | None:
        """When the session's accounts and roles were last discovered; None when never."""
        from rolecall.core.sso import discovery

        found = discovery.read(session)
        return found.fetched_at if found else None

    def sso_login(self, session: SsoSession, prompt: Callable[[str, str | None], None], *,
                  notify: Callable[[str], None] = lambda message: None,
                  cancelled: threading.Event | None = None, browser: bool = True) -> datetime:
        """Sign in (browser with PKCE, or the device code flow); `prompt(url, user_code)` is told what
        the person must open. Returns when the sign-in expires."""
        from rolecall.core.sso.login import login

        token = login(session, self.clock, browser=browser, notify=notify, prompt=prompt, cancelled=cancelled)
        return token.expires_at

    def sso_sync(self, session: SsoSession) -> tuple[int, int]:
        """Discover the session's accounts and roles again (a failed sync keeps the last result);
        returns (accounts, roles). The catalog is made anew by `Engine.open`."""
        from rolecall.core.sso import discovery

        found = discovery.sync(session, self.clock)
        return len(found.accounts), found.role_count

    def sso_logins_watch(self, configured: list[SsoSession]) -> list[Path]:
        """What to stat to notice sessions, MFA sessions and sign-ins changed by any process: the
        cache's sessions/ and mfa/ directories and each session's token file."""
        from rolecall.core.sso.token import token_path

        return [self.cache.root / "sessions", self.cache.root / "mfa", *(token_path(s) for s in configured)]

    def sso_discoveries_watch(self, configured: list[SsoSession]) -> list[Path]:
        """The discovery files of every session: when one changes, the catalog must be made anew."""
        from rolecall.core.sso import discovery

        return [discovery.path(session) for session in configured]
