"""SSO sessions: `[sso-session NAME]` sections and legacy `sso_start_url` profiles of ~/.aws/config,
and profiles.yaml `sso:` entries. Parsed at the edge into SsoSession; what is wrong becomes a Problem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rolecall.core.domain.errors import Problem
from rolecall.core.domain.regions import is_region
from rolecall.core.text import ini_lines

DEFAULT_SCOPES: tuple[str, ...] = ("sso:account:access",)


@dataclass(frozen=True)
class SsoSession:
    """One IAM Identity Center sign-in. A legacy session (a profile with sso_start_url and no
    sso_session) is named after its first profile and keys its token by the start URL, as the AWS CLI does."""

    name: str
    start_url: str
    region: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    origin: str = ""
    legacy: bool = False

    @property
    def cache_key(self) -> str:
        """What the AWS CLI hashes to name the token file: the session name, or the start URL (legacy)."""
        return self.start_url if self.legacy else self.name

    @property
    def digest(self) -> str:
        """The sha1 of `cache_key`: the AWS CLI's token file name, and rolecall's for this session's files."""
        import hashlib  # OpenSSL (~5 ms): loaded only with an SSO session, never for a first frame without one

        return hashlib.sha1(self.cache_key.encode("utf-8")).hexdigest()


def _check(name: str, start_url: str | None, region: str | None, what: str) -> str | None:
    if not start_url:
        return f"{what} {name}: sso_start_url is missing"
    if not region:
        return f"{what} {name}: sso_region is missing"
    if not start_url.startswith("https://") or len(start_url) <= len("https://"):
        return f"{what} {name}: sso_start_url {start_url!r} is not an https:// URL"
    if not is_region(region):
        return f"{what} {name}: sso_region {region!r} is not an AWS region"
    return None


def _scopes(text: str | list[Any] | tuple[Any, ...] | None) -> tuple[str, ...]:
    if not text:
        return DEFAULT_SCOPES
    items = text if isinstance(text, (list, tuple)) else str(text).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip()) or DEFAULT_SCOPES


def load_config(path: Path) -> tuple[dict[str, Any], dict[tuple[str, str], int], list[Problem]]:
    """botocore's reading of the AWS config file (sso_sessions, profiles) and section lines."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}, {}, []
    except OSError as exc:
        return {}, {}, [Problem(str(path), None, f"cannot read: {exc.strerror or exc}")]
    if "sso_" not in text:
        return {}, {}, []
    from botocore import configloader

    try:
        config = configloader.load_config(str(path))
    except Exception as exc:  # configparser raises a zoo of its own errors
        return (
            {},
            {},
            [Problem(str(path), None, f"cannot parse: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")],
        )
    return config, ini_lines.section_lines(text), []


def sessions_from_config(path: Path) -> tuple[list[SsoSession], list[Problem]]:
    """Every `[sso-session]` and every legacy start URL of the AWS config file at `path`."""
    config, lines, problems = load_config(path)
    sessions: list[SsoSession] = []
    for name, section in (config.get("sso_sessions") or {}).items():
        line = lines.get(("sso-session", name))
        message = _check(name, section.get("sso_start_url"), section.get("sso_region"), "sso-session")
        if message:
            problems.append(Problem(str(path), line, message))
            continue
        sessions.append(
            SsoSession(
                name,
                section["sso_start_url"],
                section["sso_region"],
                _scopes(section.get("sso_registration_scopes")),
                f"{path}:{line}",
            )
        )
    seen_urls = set()
    for name, section in (config.get("profiles") or {}).items():
        if "sso_start_url" not in section or "sso_session" in section:
            continue
        line = lines.get(("profile", name))
        message = _check(name, section.get("sso_start_url"), section.get("sso_region"), "profile")
        if message:
            problems.append(Problem(str(path), line, message))
            continue
        if section["sso_start_url"] in seen_urls:
            continue
        seen_urls.add(section["sso_start_url"])
        sessions.append(
            SsoSession(
                name, section["sso_start_url"], section["sso_region"], DEFAULT_SCOPES, f"{path}:{line}", legacy=True
            )
        )
    return sessions, problems


def sessions_from_yaml(
    entries: list[Any], path: str, lines: list[int | None] | None = None
) -> tuple[list[SsoSession], list[Problem]]:
    """profiles.yaml `sso:` entries (name, start_url, region, scopes); `lines` gives each entry's line."""
    sessions, problems = [], []
    for index, entry in enumerate(entries or []):
        line = lines[index] if lines and index < len(lines) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            problems.append(Problem(path, line, "sso: each entry needs a name"))
            continue
        name = entry["name"].strip()
        unknown = set(entry) - {"name", "start_url", "region", "scopes"}
        if unknown:
            problems.append(Problem(path, line, f"sso {name}: unknown field(s) {', '.join(sorted(unknown))}"))
            continue
        message = _check(name, entry.get("start_url"), entry.get("region"), "sso")
        if message:
            problems.append(
                Problem(path, line, message.replace("sso_start_url", "start_url").replace("sso_region", "region"))
            )
            continue
        sessions.append(
            SsoSession(
                name,
                entry["start_url"],
                entry["region"],
                _scopes(entry.get("scopes")),
                f"{path}:{line}" if line else path,
            )
        )
    return sessions, problems


def pick(sessions: list[SsoSession], name: str | None) -> SsoSession:
    """The session called `name`, or the only one when `name` is None; a ConfigError otherwise."""
    from rolecall.core.domain.errors import ConfigError

    if name is None:
        if len(sessions) == 1:
            return sessions[0]
        if not sessions:
            raise ConfigError(
                "no IAM Identity Center session is configured",
                hint="add an [sso-session NAME] section to ~/.aws/config or an sso: entry to profiles.yaml",
            )
        raise ConfigError("more than one SSO session: name one of " + ", ".join(s.name for s in sessions))
    for session in sessions:
        if session.name == name:
            return session
    known = ", ".join(s.name for s in sessions) or "none configured"
    raise ConfigError(f"unknown SSO session {name!r} (known: {known})")
