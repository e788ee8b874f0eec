"""The one interface every kind of credential source implements.

A kind (`Profile.kind`) names a CredentialSource class in the registry (core/sources/registry.py).
The class knows everything about its kind: its typed settings (a frozen dataclass deriving from
Settings, kept in `Profile.settings`), how to check them (Problems with path and line), how long a
session it can give (`max_duration`), whether a person must type a code (`needs_code`), what the
details pane says about it (`describe`), which IAM Identity Center session signs it in
(`sign_in_session`), how the console takes it (`console_shortcut`, `console_refusal`), and how
to get credentials (`credentials`). Nothing outside core/sources/
asks which kind a profile is: it asks the profile's source.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypeVar

from rolecall.core.domain import durations

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.domain.profiles import Profile
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.gateways.sts import Gateway
    from rolecall.core.sso.session import SsoSession


@dataclasses.dataclass(frozen=True)
class Settings:
    """What only one kind needs, typed; each kind's settings derive from this (no fields: none)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (tuples as lists), for the index and the session fingerprint."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in vars(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})


S = TypeVar("S", bound=Settings)


def settings_of(profile: Profile, expected: type[S]) -> S:
    """`profile.settings` as the `expected` type (a profile always carries its own kind's settings)."""
    if not isinstance(profile.settings, expected):
        raise TypeError(f"{profile.name}: a {profile.kind} profile carries {type(profile.settings).__name__}")
    return profile.settings


class SourceContext(Protocol):
    """What a source may use from the engine: STS, the clock, the shared MFA session and code
    prompting (core/engine/assumer.py Assumer is the one implementation)."""

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

    def with_renewal(
        self, call: Callable[[Credentials], Credentials], source: Credentials, renew: Callable[[], Credentials]
    ) -> Credentials:
        """`call(source)`, once more with `renew()` when AWS says `source` has expired."""


class CredentialSource(ABC):
    """How profiles of one kind get their first hop's temporary credentials."""

    kind: ClassVar[str]
    settings: ClassVar[type[Settings]] = Settings
    # The longest session a request may ask of this kind (`--duration`); the shortest is 15 minutes.
    max_duration: ClassVar[int] = durations.ROLE_MAX

    # A profile of ~/.aws/config is of this kind when it sets one of these keys (kinds the AWS CLI
    # recognises by keys of their own; role, SSO and key profiles are told apart by the loader).
    config_keys: ClassVar[tuple[str, ...]] = ()
    # What `list` shows in the role column for profiles of this kind that have no role.
    label: ClassVar[str] = ""

    def settings_from_config(self, section: dict[str, Any]) -> Settings | tuple[str, str]:
        """Settings from an ~/.aws/config section with one of `config_keys`, or (problem, key)."""
        return self.settings()

    def account_of(self, settings: Settings) -> str:
        """The account id a profile with these settings is in, when they say (else "")."""
        return ""

    def needs_code(self, profile: Profile) -> bool:
        """Whether getting credentials may need a person's MFA code (when no MFA session is live)."""
        return profile.needs_mfa

    def describe(self, profile: Profile) -> list[tuple[str, str]]:
        """(label, value) facts about where the credentials come from, for a person to read."""
        return [("source profile", profile.source_profile)] if profile.source_profile else []

    def sign_in_session(self, profile: Profile) -> SsoSession | None:
        """The IAM Identity Center session a person signs in to for this profile, if any."""
        return None

    def console_shortcut(self, profile: Profile, destination: str) -> str | None:
        """A console address that signs in by itself, minting no credentials (None: this kind has none)."""
        return None

    def console_refusal(self, profile: Profile) -> str | None:
        """Why the console refuses this profile's sessions (None: it takes them)."""
        return None

    @abstractmethod
    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        """Temporary credentials for `profile`'s first hop, lasting `seconds` where the kind lets the caller choose."""
