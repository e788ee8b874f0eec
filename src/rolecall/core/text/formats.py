"""Export and copy formats: the credentials as text each consumer reads (a shell, the SDKs' INI file, JSON)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping

from rolecall.core.domain.errors import ConfigError
from rolecall.core.text.environ import REMOVED, role_variables

TYPE_CHECKING = False  # the fast path imports this module: no typing at run time
if TYPE_CHECKING:
    from typing import Any

    from rolecall.core.domain.credentials import Session

FORMATS = ("env", "fish", "powershell", "json", "dotenv", "credentials")


PS_QUOTES = "'\u2018\u2019\u201a\u201b"  # every character PowerShell takes as a single quote
LINE_BREAKS = ("\n", "\r")


def sh_quote(value: str) -> str:
    """A POSIX shell word (shlex.quote), also for zsh: there an unquoted `=` at the start of a word,
    or after a `:` in an assignment's value, is replaced by a command's path (EQUALS), so a word
    holding `=` is quoted too."""
    quoted = shlex.quote(value)
    return f"'{quoted}'" if "=" in quoted and quoted == value else quoted  # left bare: holds no quote


def fish_quote(value: str) -> str:
    """A fish single-quoted word: inside, only backslash and the quote are special."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def ps_quote(value: str) -> str:
    """A PowerShell single-quoted string: any of its quote characters is doubled, nothing else expands."""
    return "'" + "".join(c + c if c in PS_QUOTES else c for c in value) + "'"


def _check(fmt: str, variables: Mapping[str, str], profile: str) -> None:
    """Refuse what a format cannot carry as data (never let a value become code or structure)."""
    for name, value in variables.items():
        if "\0" in value:
            raise ConfigError(f"{name} contains a NUL character; no export format can carry it")
        if fmt == "credentials" and (any(b in value for b in LINE_BREAKS) or value != value.strip()):
            raise ConfigError(
                f"{name} has a line break or surrounding spaces, which the credentials (INI) format cannot hold",
                hint="use --format json",
            )
    if fmt == "credentials" and (
        any(c in profile for c in "[]\0" + "".join(LINE_BREAKS)) or profile != profile.strip() or not profile
    ):
        raise ConfigError(
            f"the profile name {profile!r} cannot be an INI section name (brackets, line breaks, surrounding spaces)",
            hint="use --format json",
        )


def render(fmt: str, session: Session) -> str:
    """A Session's credentials in format `fmt`."""
    return render_credentials(fmt, session.credentials.to_dict(), session.profile, session.region)


def render_credentials(fmt: str, credentials: Mapping[str, str | None], profile: str, region: str | None) -> str:
    """Credentials in credential_process form (AccessKeyId, ...) as text in format `fmt`.

    Every value is data in every format: shell formats quote it, the INI format refuses what
    would change its structure (ConfigError), json escapes it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    variables = role_variables(credentials, region)
    if fmt != "json":
        _check(fmt, variables, profile)
    if fmt == "env":
        lines = [f"unset {name}" for name in REMOVED]
        lines += [f"export {k}={sh_quote(v)}" for k, v in variables.items()]
    elif fmt == "fish":
        # `set -e` of an unset variable is status 4, and fish's `set -gx` keeps the status before it:
        # `or true` makes the last status 0, so `... | source; or exit` works.
        lines = [f"set -e {name}; or true" for name in REMOVED]
        lines += [f"set -gx {k} {fish_quote(v)}" for k, v in variables.items()]
    elif fmt == "powershell":
        lines = [f"Remove-Item Env:{name} -ErrorAction SilentlyContinue" for name in REMOVED]
        lines += [f"$Env:{k} = {ps_quote(v)}" for k, v in variables.items()]
    elif fmt == "dotenv":
        # Sourced by sh (`set -a; . ./.env`) as often as read by dotenv libraries: single quotes suit both.
        lines = [f"{k}={sh_quote(v)}" for k, v in variables.items()]
    elif fmt == "json":
        return json.dumps(process_json(credentials) | ({"Region": region} if region else {}), indent=2) + "\n"
    else:
        lines = [
            f"[{profile}]",
            f"aws_access_key_id = {variables['AWS_ACCESS_KEY_ID']}",
            f"aws_secret_access_key = {variables['AWS_SECRET_ACCESS_KEY']}",
        ]
        if "AWS_SESSION_TOKEN" in variables:
            lines.append(f"aws_session_token = {variables['AWS_SESSION_TOKEN']}")
        if region:
            lines.append(f"region = {region}")
    return "\n".join(lines) + "\n"


def process_json(credentials: Mapping[str, str | None]) -> dict[str, Any]:
    """The credential_process answer (Version 1) for credentials in that same form."""
    data: dict[str, object] = {"Version": 1}
    for key in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"):
        if credentials.get(key) is not None:
            data[key] = credentials[key]
    return data
