"""Kind "process": a `credential_process` profile, run with a timeout and an output cap; its
Expiration is honoured (credentials without one are used once and never cached)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rolecall.core.sources.base import CredentialSource, Settings, settings_of
from rolecall.core.sources.keys import run_credential_process

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.domain.profiles import Profile
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.sources.base import SourceContext


@dataclass(frozen=True)
class ProcessSettings(Settings):
    command: str


class CredentialProcess(CredentialSource):
    kind = "process"
    settings = ProcessSettings
    config_keys = ("credential_process",)
    label = "credential_process"

    def settings_from_config(self, section: dict[str, Any]) -> ProcessSettings:
        return ProcessSettings(section["credential_process"])

    def describe(self, profile: Profile) -> list[tuple[str, str]]:
        return [("credential_process", settings_of(profile, ProcessSettings).command)]

    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        return run_credential_process(profile.name, settings_of(profile, ProcessSettings).command)
