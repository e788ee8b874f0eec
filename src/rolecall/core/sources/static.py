"""Kind "static": a profile with long-lived keys of its own (e.g. `default` in ~/.aws/credentials).

What it hands out is a GetSessionToken session, never the keys themselves; with `mfa_serial` it is
the shared MFA session of that device. Keys that are already temporary are used as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rolecall.core.sources.keys import from_source_profile

if TYPE_CHECKING:
    from rolecall.core.credentials import Credentials
    from rolecall.core.mfa import CodeSource
    from rolecall.core.profiles import Profile
    from rolecall.core.sources import SourceContext


def credentials(profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
    keys = from_source_profile(profile.name)
    if keys.temporary:
        return keys
    if profile.needs_mfa:
        return ctx.mfa_credentials(profile, keys, code_source)
    return ctx.sts.get_session_token(keys, duration=seconds, region=profile.region)


def console_refusal(profile: Profile) -> str | None:
    """Why the console cannot take this profile's session: AWS's sign-in endpoint refuses a
    GetSessionToken session, which is all that long-lived keys give."""
    if from_source_profile(profile.name).temporary:
        return None
    return f"{profile.name} has long-lived keys only, and the console refuses a session made from them"
