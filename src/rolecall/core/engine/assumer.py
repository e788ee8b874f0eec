"""Getting a session for a profile: its credential source wrapped with the session cache (one
fingerprint per request), the shared MFA session, single-flight locking and the audit line.

aws-vault's CachedSessionProvider is the model. The Assumer is also the context the sources use
(core/sources/base.py SourceContext): STS, the clock, MFA sessions and code prompting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolecall.core.domain import durations
from rolecall.core.domain.credentials import Credentials, Session
from rolecall.core.domain.errors import AwsError, InvalidMfaCode, MfaCodeRequired, StorageError
from rolecall.core.gateways import runner
from rolecall.core.store import audit, layout

if TYPE_CHECKING:
    from rolecall.core.domain.clock import Clock
    from rolecall.core.domain.profiles import Catalog, Profile
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.gateways.sts import Gateway
    from rolecall.core.store.cache import SessionCache

TOKEN_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"}


@dataclass
class Assumer:
    catalog: Catalog
    cache: SessionCache
    clock: Clock
    gateway_factory: Callable[[], Gateway]
    audit_path: Path | None
    session_name: str | None
    # Told about what went wrong but did not stop the work (a session that could not be saved).
    warn: Callable[[str], None] | None
    _gateway: Gateway | None = field(default=None, init=False, repr=False)

    @property
    def sts(self) -> Gateway:
        if self._gateway is None:
            self._gateway = self.gateway_factory()
        return self._gateway

    def now(self) -> datetime:
        return self.clock.now()

    # -- what the cache holds

    def cached(self, profile: Profile, fingerprint: str | None = None) -> Session | None:
        """The cached session of `profile` if it was made for the profile exactly as it is now."""
        return self.cache.get(profile.name, fingerprint or layout.fingerprint(profile.to_dict()))

    def usable(self, profile: Profile, fingerprint: str | None = None) -> Session | None:
        """The cached session with at least 5 minutes left, or None."""
        found = self.cached(profile, fingerprint)
        return found if found and found.credentials.fresh(self.now()) else None

    def mfa_session(self, serial: str) -> Credentials | None:
        found = self.cache.get_mfa(serial)
        return found if found and found.fresh(self.now()) else None

    # -- getting a session

    def session(self, profile: Profile, code_source: CodeSource, *, force: bool, duration: int | None) -> Session:
        """A session with at least 5 minutes left: the cached one, unless `force`, or a new one.
        One process at a time asks AWS for a profile; the others wait and take its answer."""
        with runner.getting(profile.name):
            fingerprint = layout.fingerprint(profile.to_dict())
            if not force:
                found = self.usable(profile, fingerprint)
                if found:
                    return found
            before = self.cached(profile, fingerprint)
            with self.cache.lock(profile.name):
                # Another process may have refreshed it while we waited for the lock.
                found = self.usable(profile, fingerprint)
                if found and (not force or found != before):
                    return found
                session = self._new(profile, code_source, duration)
                if session.expiration:  # credentials that never expire are not ours to keep
                    self._keep(self.cache.put, session, fingerprint)
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

    def _new(self, profile: Profile, code_source: CodeSource, duration: int | None) -> Session:
        seconds = duration or profile.duration
        if profile.via:
            via = self.catalog.get(profile.via)
            seconds = min(seconds, durations.CHAINED_MAX)
            creds = self.with_renewal(
                lambda source: self.call_assume(profile, source, seconds),
                self.session(via, code_source, force=False, duration=None).credentials,
                lambda: self.session(via, code_source, force=True, duration=None).credentials,
            )
        else:
            creds = profile.credential_source.credentials(profile, self, code_source, seconds)
        return Session(
            profile=profile.name,
            role_arn=profile.role_arn,
            credentials=creds,
            session_name=self.session_name_for(profile),
            source_identity=profile.source_identity,
            assumed_at=self.now(),
            region=profile.region,
        )

    # -- what sources use (SourceContext)

    @staticmethod
    def with_renewal(
        call: Callable[[Credentials], Credentials], source: Credentials, renew: Callable[[], Credentials]
    ) -> Credentials:
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
        self.cache.forget_mfa(profile.mfa_serial or "")
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
        from rolecall.core.gateways.sts import AssumeRequest

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
        from rolecall.core.gateways.sts import session_name

        return profile.role_session_name or self.session_name or session_name()
