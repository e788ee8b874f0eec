"""Where each section and key of an AWS INI file (~/.aws/config, ~/.aws/credentials) was written,
so problems print as `path:line`. botocore's parser reads the values; this only finds the lines."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

HEADER = re.compile(r"^\[(.*)\]\s*(?:[#;].*)?$")
KEY = re.compile(r"^([^\s=:#;][^=:]*?)\s*[=:]")
NAMED = ("profile", "sso-session")  # the config file's section kinds: [profile NAME], [sso-session NAME]
NOT_PROFILES = {"plugins", "preview", "cli"}


@dataclass
class Section:
    """One INI section as written: where it starts and where each of its keys is."""

    header: str
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)


def layout(text: str) -> dict[str, Section]:
    """Section headers and key lines, by the section name as configparser reports it."""
    sections: dict[str, Section] = {}
    current: Section | None = None
    for number, line in enumerate(text.splitlines(), 1):
        header = HEADER.match(line.strip())
        if header:
            current = sections.setdefault(header.group(1), Section(header.group(1), number))
            continue
        key = KEY.match(line)
        if current is not None and key:
            current.key_lines.setdefault(key.group(1).strip().lower(), number)
    return sections


def section_lines(text: str) -> dict[tuple[str, str], int]:
    """The line of each section of a config file by kind and name: ("sso-session", NAME) or
    ("profile", NAME), a bare [NAME] counting as a profile."""
    lines: dict[tuple[str, str], int] = {}
    for header, section in layout(text).items():
        words = header.split(None, 1)
        kind, name = (
            (words[0], words[1].strip()) if len(words) == 2 and words[0] in NAMED else ("profile", header.strip())
        )
        lines.setdefault((kind, name), section.line)
    return lines


def profile_name(header: str) -> tuple[str | None, str | None]:
    """(profile name, None) for a config file section the AWS CLI reads as a profile ([default],
    [profile NAME], [profile "A NAME"]); (None, why it is ignored) for one it ignores; (None, None)
    for a section that is not about profiles at all."""
    if header == "default":
        return "default", None
    if header.startswith("profile") and header[7:8].isspace():
        try:
            parts = shlex.split(header)
        except ValueError:
            parts = []
        if len(parts) == 2:
            return parts[1], None
        rest = header[7:].strip()
        return None, f'[{header}] is ignored by the AWS CLI: a name with spaces must be quoted, [profile "{rest}"]'
    if header.startswith(("sso-session", "services")) or header in NOT_PROFILES:
        return None, None
    return None, f"[{header}] is ignored by the AWS CLI: profiles in the config file are written [profile {header}]"
