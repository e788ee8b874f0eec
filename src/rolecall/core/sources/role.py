"""Kind "role": AssumeRole with base credentials (static keys, credential_process or the
environment), through a shared MFA session when the profile needs MFA."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rolecall.core.sources.base import CredentialSource
from rolecall.core.sources.keys import base_credentials

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.domain.profiles import Profile
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.sources.base import SourceContext


class RoleSource(CredentialSource):
    kind = "role"

    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        base = base_credentials(profile)
        if not profile.needs_mfa:
            return ctx.call_assume(profile, base, seconds)
        if base.temporary:
            # GetSessionToken needs long-term keys: pass the code to AssumeRole itself.
            return ctx.with_code(profile, code_source, lambda code: ctx.call_assume(profile, base, seconds, code))
        return ctx.with_renewal(
            lambda source: ctx.call_assume(profile, source, seconds),
            ctx.mfa_credentials(profile, base, code_source),
            lambda: ctx.renew_mfa(profile, base, code_source),
        )
