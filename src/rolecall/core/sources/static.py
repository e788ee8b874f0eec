"""Kind "static": a profile with long-lived keys of its own (e.g. `default` in ~/.aws/credentials).

What it hands out is a GetSessionToken session, never the keys themselves; with `mfa_serial` it is
the shared MFA session of that device. Keys that are already temporary are used as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rolecall.core.domain import durations
from rolecall.core.sources.base import CredentialSource
from rolecall.core.sources.keys import from_source_profile

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.domain.profiles import Profile
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.sources.base import SourceContext


class StaticKeys(CredentialSource):
    kind = "static"
    max_duration = durations.MFA_MAX  # a GetSessionToken session lasts up to 36 h

    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        keys = from_source_profile(profile.name)
        if keys.temporary:
            return keys
        if profile.needs_mfa:
            return ctx.mfa_credentials(profile, keys, code_source)
        return ctx.sts.get_session_token(keys, duration=seconds, region=profile.region)

    def console_refusal(self, profile: Profile) -> str | None:
        """AWS's sign-in endpoint refuses a GetSessionToken session, which is all long-lived keys give."""
        if from_source_profile(profile.name).temporary:
            return None
        return f"{profile.name} has long-lived keys only, and the console refuses a session made from them"
