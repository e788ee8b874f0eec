"""Kind "process": a `credential_process` profile, run with a timeout; its Expiration is honoured
(credentials without one are used once and never cached)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rolecall.core.sources.keys import run_credential_process

if TYPE_CHECKING:
    from rolecall.core.credentials import Credentials
    from rolecall.core.mfa import CodeSource
    from rolecall.core.profiles import Profile
    from rolecall.core.sources import SourceContext


def credentials(profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
    return run_credential_process(profile.name, profile.params["credential_process"])
