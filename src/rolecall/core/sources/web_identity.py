"""Kind "web_identity": AssumeRoleWithWebIdentity with an OIDC token (CI systems, EKS service
accounts, Cognito). The token is the proof, so no base credentials are needed.

Settings: `web_identity_token_file` (a path, read on every call: the issuer rotates it) or
`web_identity_token_process` (a command that prints the token). A token that is a JWT with an
`exp` in the past is refused here, in one line, before AWS is asked.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolecall.core.domain import durations
from rolecall.core.domain.credentials import iso
from rolecall.core.domain.errors import ConfigError, Problem
from rolecall.core.gateways.runner import command_output
from rolecall.core.sources.base import CredentialSource, Settings, settings_of

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials
    from rolecall.core.domain.profiles import Profile
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.sources.base import SourceContext

TOKEN_FILE = "web_identity_token_file"
TOKEN_PROCESS = "web_identity_token_process"
PROCESS_TIMEOUT = 60.0
MAX_TOKEN = 20000  # AWS accepts up to 20,000 characters


@dataclass(frozen=True)
class WebIdentitySettings(Settings):
    """Where the token comes from: a file (read on every call: the issuer rotates it) or a command."""

    token_file: str | None = None
    token_process: str | None = None

    def origin(self, profile: str) -> str:
        if self.token_file:
            return f"the web identity token file {self.token_file}"
        return f"the web identity token from {profile}'s web_identity_token_process"


class WebIdentity(CredentialSource):
    kind = "web_identity"
    settings = WebIdentitySettings

    def needs_code(self, profile: Profile) -> bool:
        return False  # the token is the proof

    def describe(self, profile: Profile) -> list[tuple[str, str]]:
        settings = settings_of(profile, WebIdentitySettings)
        if settings.token_file:
            return [(TOKEN_FILE, settings.token_file)]
        return [(TOKEN_PROCESS, settings.token_process or "")]

    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        from rolecall.core.gateways.sts import AssumeRequest

        token = read_token(profile)
        check_not_expired(token, ctx.now(), settings_of(profile, WebIdentitySettings).origin(profile.name))
        request = AssumeRequest(
            role_arn=profile.role_arn,
            session_name=ctx.session_name_for(profile),
            duration=seconds,
            region=profile.region,
            policy_arns=profile.session_policy_arns,
        )
        return ctx.sts.assume_role_with_web_identity(request, token)

    @staticmethod
    def problems(node: dict[str, Any], source_path: str, line: int | None) -> list[Problem]:
        """Problems with one role's web identity settings (a profiles.yaml role or an ~/.aws/config profile)."""
        return validate_web_identity(node, source_path, line)


def read_token(profile: Profile) -> str:
    settings = settings_of(profile, WebIdentitySettings)
    if settings.token_process:
        token = command_output(f"{profile.name}: web_identity_token_process", settings.token_process, PROCESS_TIMEOUT)
    elif settings.token_file:
        file = Path(os.path.expanduser(settings.token_file))
        try:
            token = file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise ConfigError(
                f"{profile.name}: the web identity token file {file} does not exist",
                hint="the token issuer (CI job, EKS, ...) writes it; check the path",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigError(f"{profile.name}: cannot read the web identity token file {file}: {reason}") from None
        if not token:
            raise ConfigError(f"{profile.name}: the web identity token file {file} is empty")
    else:
        raise ConfigError(f"{profile.name}: needs {TOKEN_FILE} or {TOKEN_PROCESS}")
    if len(token) > MAX_TOKEN or any(c.isspace() for c in token):
        raise ConfigError(
            f"{profile.name}: {settings.origin(profile.name)} is not a token (one line of at most {MAX_TOKEN} characters)"
        )
    return token


def expiry(token: str) -> datetime | None:
    """The `exp` of a JWT, or None when the token is not a JWT with one (opaque OAuth tokens are AWS's to judge)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        exp = claims["exp"]
        if isinstance(exp, bool) or not isinstance(exp, (int, float)):
            return None
        return datetime.fromtimestamp(exp, tz=UTC)
    except (binascii.Error, ValueError, KeyError, TypeError, OverflowError, OSError):
        return None


def check_not_expired(token: str, now: datetime, origin: str) -> None:
    ends = expiry(token)
    if ends is not None and ends <= now:
        ago = durations.format_duration(int((now - ends).total_seconds()) or 1)
        raise ConfigError(
            f"{origin} expired at {iso(ends)} ({ago} ago)",
            hint="get a fresh token from its issuer (a new CI job, a refreshed projected token)",
        )


def web_identity_settings(node: dict[str, Any]) -> WebIdentitySettings | None:
    """The settings of a web identity profile from a profiles.yaml role or an ~/.aws/config section,
    or None when `node` sets neither key (it is some other kind)."""
    found = {key: str(node[key]).strip() for key in (TOKEN_FILE, TOKEN_PROCESS) if node.get(key)}
    if not found:
        return None
    return WebIdentitySettings(found.get(TOKEN_FILE), found.get(TOKEN_PROCESS))


def validate_web_identity(node: dict[str, Any], source_path: str, line: int | None) -> list[Problem]:
    """Problems with one role's web identity settings (a profiles.yaml role or an ~/.aws/config profile)."""
    problems = []

    def problem(message: str) -> None:
        problems.append(Problem(str(source_path), line, message))

    path, command = node.get(TOKEN_FILE), node.get(TOKEN_PROCESS)
    if path is not None and command is not None:
        problem(f"set {TOKEN_FILE} or {TOKEN_PROCESS}, not both")
    for key, value in ((TOKEN_FILE, path), (TOKEN_PROCESS, command)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            problem(f"{key} must be text")
    if path is None and command is None:
        problem(f"needs {TOKEN_FILE} or {TOKEN_PROCESS}")
    for key in ("source_profile", "mfa", "mfa_serial", "via"):
        if node.get(key):
            problem(f"{key} does not apply to a web identity role (the token is the proof)")
    return problems
