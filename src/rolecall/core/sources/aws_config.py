"""The ~/.aws/config source: every profile the AWS CLI would use, read with botocore's own parser.

A profile's kind follows botocore's order for a profile: `role_arn` with a
`web_identity_token_file` is web identity, else `role_arn` is a role (chained through its
`source_profile` when that is itself usable, else assumed from its keys); `sso_*` is IAM Identity
Center; keys (in the credentials or the config file) are static keys, used through
GetSessionToken, never handed out as they are; `credential_process` runs that process.
What the AWS CLI itself would ignore, or could not use, is a Problem with its line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolecall.core.domain import durations
from rolecall.core.domain.errors import Problem
from rolecall.core.domain.profiles import ROLE_ARN, SOURCE_AWS, Found, Profile
from rolecall.core.domain.regions import is_region
from rolecall.core.sources.base import CredentialSource, Settings
from rolecall.core.sources.registry import KINDS, source_for
from rolecall.core.sources.web_identity import web_identity_settings
from rolecall.core.store.key_vault import stored_profiles
from rolecall.core.text import ini_lines

if TYPE_CHECKING:
    from rolecall.core.sso.session import SsoSession

# Sections of the config file that are not profiles, and that the AWS CLI reads for itself.
SSO_KEYS = ("sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "sso_region")


def _parse(path: Path) -> tuple[dict[str, dict[str, Any]], str, list[Problem]]:
    """The raw sections of an INI file (botocore's parser), its text, and why it could not be read."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, "", []
    except UnicodeDecodeError:
        return {}, "", [Problem(source, None, "not a text file (expected UTF-8)", whole_file=True)]
    except OSError as exc:
        return {}, "", [Problem(source, None, f"cannot read: {exc.strerror or exc}", whole_file=True)]
    from botocore import configloader
    from botocore.exceptions import ConfigParseError

    try:
        return configloader.raw_config_parse(source), text, []
    except ConfigParseError as exc:
        error = exc.kwargs.get("error")
        line = getattr(error, "lineno", None)
        if line is None and getattr(error, "errors", None):
            line = error.errors[0][0]
        message = str(error or exc).strip().splitlines()[0] if str(error or exc).strip() else "cannot parse"
        return {}, text, [Problem(source, line, f"cannot parse: {_plain(message)}", whole_file=True)]
    except Exception as exc:  # configparser raises a zoo of its own errors
        return {}, text, [Problem(source, None, f"cannot parse: {type(exc).__name__}", whole_file=True)]


def _plain(message: str) -> str:
    """configparser's message without the file path it repeats."""
    message = re.sub(r"^While reading (from '[^']*' )?(\[line\s*\d+\])?:\s*", "", message)
    return re.sub(r"\s*\[?(in|from) '[^']*'\]?:?", "", message).strip().rstrip(":")


class _Loader:
    def __init__(self, config_path: Path, credentials_path: Path, sso_sessions: Sequence[SsoSession]):
        self.source = str(config_path)
        self.credentials_path = credentials_path
        self.sso_sessions = list(sso_sessions)
        self.problems: list[Problem] = []
        self.bare: dict[str, Problem] = {}  # profiles that only hold settings: worth a note, not a problem

    def load(self, config_path: Path) -> list[Found]:
        sections, text, problems = _parse(config_path)
        credentials, _, credential_problems = _parse(self.credentials_path)
        self.problems += problems + credential_problems
        layout = ini_lines.layout(text)
        self.layout: dict[str, ini_lines.Section] = {}
        self.config: dict[str, dict[str, Any]] = {}
        for header, values in sections.items():
            name, ignored = ini_lines.profile_name(header)
            where = layout.get(header)
            if ignored:
                self.problems.append(Problem(self.source, where.line if where else None, ignored))
            if name is not None:
                self.config[name] = values
                if where:
                    self.layout[name] = where
        self.credentials = {name: values for name, values in credentials.items() if _has_keys(values)}
        for name in stored_profiles():  # keys kept in the OS keyring by `rolecall add`
            self.credentials.setdefault(name, {})
        found = []
        for name in [*self.config, *(n for n in self.credentials if n not in self.config)]:
            made = self.profile(name)
            if made:
                found.append(made)
        return found

    def line(self, name: str, key: str | None = None) -> int | None:
        section = self.layout.get(name)
        if section is None:
            return None
        return section.key_lines.get(key, section.line) if key else section.line

    def problem(self, name: str, message: str, key: str | None = None) -> None:
        self.problems.append(Problem(self.source, self.line(name, key), f"profile {name}: {message}"))

    def kind(self, name: str) -> str | None:
        section = self.config.get(name, {})
        if section.get("role_arn"):
            return "web_identity" if section.get("web_identity_token_file") else "role"
        if any(section.get(key) for key in SSO_KEYS):
            return "sso"
        if name in self.credentials or _has_keys(section):
            return "static"
        for kind, source in config_sources():
            if any(section.get(key) for key in source.config_keys):
                return kind
        return None

    def profile(self, name: str) -> Found | None:
        section = self.config.get(name, {})
        kind = self.kind(name)
        origin = f"{self.source}:{self.line(name)}" if self.line(name) else str(self.credentials_path)
        region = section.get("region")
        if region is not None and not is_region(region):
            self.problem(name, f"region {region!r} is not a region name", "region")
            return None
        if kind is None:  # settings only (region, output): a base for other tools, fine as it is
            what = f"it sets only {', '.join(sorted(section))}" if section else "it is empty"
            self.bare[name] = Problem(self.source, self.line(name), f"profile {name} has no credentials ({what})")
            return None
        common: dict[str, Any] = {"name": name, "source": SOURCE_AWS, "origin": origin, "region": region, "kind": kind}
        if kind == "static":
            return self.static(name, section, common)
        if kind == "sso":
            return self.sso(name, section, common)
        if kind in ("role", "web_identity"):
            return self.role(name, section, common)
        source = source_for(kind)
        settings = source.settings_from_config(section)
        if isinstance(settings, tuple):
            self.problem(name, *settings)
            return None
        account = source.account_of(settings)
        return Found(
            Profile(
                role_arn="",
                account_id=account,
                account_name=account or name,
                role_name=source.label,
                settings=settings,
                **common,
            ),
            self.line(name) or 0,
        )

    def static(self, name: str, section: dict[str, Any], common: dict[str, Any]) -> Found | None:
        serial = section.get("mfa_serial")
        duration = self.seconds(name, section, "duration_seconds", durations.MFA_MIN, durations.MFA_MAX, durations.HOUR)
        if duration is None:
            return None
        profile = Profile(
            role_arn="",
            account_id="",
            account_name=name,
            role_name="static keys",
            mfa=bool(serial),
            mfa_serial=serial,
            duration=duration,
            **common,
        )
        return Found(profile, self.line(name) or 0)

    def sso(self, name: str, section: dict[str, Any], common: dict[str, Any]) -> Found | None:
        from rolecall.core.sources.sso import profile_from_config

        made = profile_from_config(name, section, self.sso_sessions, common["origin"])
        if isinstance(made, Problem):
            self.problems.append(made)
            return None
        return Found(made, self.line(name) or 0)

    def role(self, name: str, section: dict[str, Any], common: dict[str, Any]) -> Found | None:
        arn = section["role_arn"].strip()
        match = ROLE_ARN.match(arn)
        if not match:
            self.problem(name, f"role_arn {arn!r} is not a role ARN", "role_arn")
            return None
        duration = self.seconds(
            name, section, "duration_seconds", durations.ROLE_MIN, durations.ROLE_MAX, durations.HOUR
        )
        if duration is None:
            return None
        settings: Settings = Settings()
        source_profile, via, via_line = section.get("source_profile"), None, None
        if common["kind"] == "web_identity":
            settings = web_identity_settings(section) or Settings()
            source_profile = None
        elif source_profile:
            if source_profile == name or self.kind(source_profile) == "static":
                if source_profile not in self.credentials and not _has_keys(self.config.get(source_profile, {})):
                    self.problem(name, f"source_profile {source_profile!r} has no keys", "source_profile")
                    return None
            elif source_profile in self.config or source_profile in self.credentials:
                via, source_profile, via_line = source_profile, None, self.line(name, "source_profile")
            else:
                self.problem(
                    name,
                    f"source_profile {source_profile!r} is not in {self.source} or {self.credentials_path}",
                    "source_profile",
                )
                return None
        elif section.get("credential_source") not in (None, "Environment"):
            self.problem(
                name,
                f"credential_source {section['credential_source']} is not supported; use source_profile",
                "credential_source",
            )
            return None
        serial = section.get("mfa_serial")
        profile = Profile(
            role_arn=arn,
            account_id=match.group(2),
            account_name=match.group(2),
            role_name=match.group(3),
            source_profile=source_profile,
            via=via,
            mfa=bool(serial),
            mfa_serial=serial,
            duration=duration,
            external_id=section.get("external_id"),
            role_session_name=section.get("role_session_name"),
            settings=settings,
            **common,
        )
        return Found(profile, self.line(name) or 0, via_line)

    def seconds(self, name: str, section: dict[str, Any], key: str, low: int, high: int, default: int) -> int | None:
        try:
            value = int(section.get(key, default))
            durations.check_range(value, low, high, key)
        except ValueError as exc:
            self.problem(name, str(exc), key)
            return None
        return value


def config_sources() -> list[tuple[str, CredentialSource]]:
    """The kinds a config section is claimed by through keys of their own (`config_keys`), in the
    registry's order (botocore's: login_session before credential_process)."""
    sources = [(kind, source_for(kind)) for kind in KINDS if kind not in ("role", "web_identity", "sso", "static")]
    return [(kind, source) for kind, source in sources if source.config_keys]


def _has_keys(section: dict[str, Any]) -> bool:
    return bool(section.get("aws_access_key_id") and section.get("aws_secret_access_key"))


def load_aws_config(
    config_path: Path, credentials_path: Path, sso_sessions: Sequence[SsoSession] = ()
) -> tuple[list[Found], list[Problem], dict[str, Problem]]:
    """Every usable profile of the AWS config and credentials files, what is wrong with the rest,
    and a note by name for each profile that only holds settings (no credentials); `sso_sessions` are the
    IAM Identity Center sessions its SSO profiles may name."""
    loader = _Loader(config_path, credentials_path, sso_sessions)
    found = loader.load(config_path)
    return found, loader.problems, loader.bare
