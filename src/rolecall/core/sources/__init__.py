"""Credential sources: where profiles come from, and how each kind of profile gets credentials.

Loaders turn one input (a file, a cached discovery) into Profiles and Problems (`path:line`):
profiles_yaml (the user's profiles.yaml) and aws_config (~/.aws/config as the AWS CLI reads it).

Kinds say how a profile's first hop gets temporary credentials. Each kind is a module here with
`credentials(profile, ctx, code_source, seconds) -> Credentials`, imported only when a profile of that kind is used,
so the cached paths never load what they do not need. A chained profile (`via`) is always an
AssumeRole with its parent's credentials, whatever the parent's kind.

Adding a source: its module here, a line in KINDS (and LOADERS if it reads an input of its own),
and its tests.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from rolecall.core.credentials import Credentials
    from rolecall.core.mfa import CodeSource
    from rolecall.core.profiles import Profile


KINDS: dict[str, str] = {
    "role": "rolecall.core.sources.role",
    "static": "rolecall.core.sources.static",
    "process": "rolecall.core.sources.process",
    "web_identity": "rolecall.core.sources.web_identity",
    "saml": "rolecall.core.sources.saml",
    "federation": "rolecall.core.sources.federation",
}


class SourceContext(Protocol):
    """What a kind may use from the engine (core/engine.py Engine is the one implementation)."""

    @property
    def sts(self) -> Any: ...  # core/sts.py StsGateway

    def now(self) -> datetime: ...

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


def kind_module(kind: str):
    """The module that gets credentials for profiles of `kind`."""
    from rolecall.core.errors import ConfigError

    try:
        return importlib.import_module(KINDS[kind])
    except KeyError:
        raise ConfigError(f"profiles of kind {kind!r} are not supported by this rolecall") from None
