"""The ~/.aws/config source, read with botocore's own config loader."""

from __future__ import annotations

import re
from pathlib import Path

from rolecall.core import durations
from rolecall.core.errors import Problem
from rolecall.core.profiles import ROLE_ARN, SOURCE_AWS, Profile


def _section_lines(text: str) -> dict[str, int]:
    lines = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def load_aws_config(config_path: Path, credentials_path: Path) -> tuple[list[tuple[Profile, int]], list[Problem]]:
    """Role profiles (those with role_arn) of the AWS config file, read by botocore's loader."""
    source = str(config_path)
    try:
        text = config_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [Problem(source, None, f"cannot read: {exc.strerror or exc}")]
    if "role_arn" not in text:
        return [], []
    from botocore import configloader
    from botocore.exceptions import ConfigParseError

    try:
        config = configloader.load_config(str(config_path)).get("profiles", {})
    except (ConfigParseError, UnicodeDecodeError) as exc:
        return [], [Problem(source, None, f"cannot parse: {str(exc).splitlines()[0]}")]
    except Exception as exc:  # configparser raises a zoo of its own errors
        return [], [Problem(source, None, f"cannot parse: {type(exc).__name__}: {str(exc).splitlines()[0]}")]
    credential_names = set(credential_profile_names(credentials_path))
    lines = _section_lines(text)
    found, problems = [], []
    for name, section in config.items():
        arn = section.get("role_arn")
        if not arn:
            continue
        line = lines.get(name)

        def problem(message: str, name=name, line=line) -> None:
            problems.append(Problem(source, line, f"profile {name}: {message}"))

        match = ROLE_ARN.match(arn.strip())
        if not match:
            problem(f"role_arn {arn!r} is not a role ARN")
            continue
        source_profile = section.get("source_profile")
        via = None
        if source_profile:
            parent = config.get(source_profile)
            if parent is None and source_profile not in credential_names:
                problem(f"source_profile {source_profile!r} is not in {config_path} or {credentials_path}")
                continue
            if parent and parent.get("role_arn") and source_profile != name:
                via, source_profile = source_profile, None
        elif section.get("credential_source") not in (None, "Environment"):
            problem(f"credential_source {section['credential_source']} is not supported; use source_profile")
            continue
        try:
            duration = int(section.get("duration_seconds", durations.HOUR))
            durations.check_range(duration, durations.ROLE_MIN, durations.ROLE_MAX, "duration_seconds")
        except ValueError as exc:
            problem(str(exc))
            continue
        serial = section.get("mfa_serial")
        found.append(
            (
                Profile(
                    name=name,
                    role_arn=arn.strip(),
                    account_id=match.group(2),
                    account_name=match.group(2),
                    role_name=match.group(3),
                    source=SOURCE_AWS,
                    origin=f"{source}:{line}" if line else source,
                    region=section.get("region"),
                    source_profile=source_profile,
                    via=via,
                    mfa=bool(serial),
                    mfa_serial=serial,
                    duration=duration,
                    external_id=section.get("external_id"),
                    role_session_name=section.get("role_session_name"),
                ),
                line or 0,
            )
        )
    return found, problems


def credential_profile_names(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return list(_section_lines(text))
