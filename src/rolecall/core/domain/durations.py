"""Durations as users write them: `1h`, `90m`, `1h30m`, `900s`, or plain seconds."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)\s*([hms])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[hms]\s*)+$")
_UNIT = {"h": 3600, "m": 60, "s": 1}

MINUTE = 60
HOUR = 3600
ROLE_MIN, ROLE_MAX = 15 * MINUTE, 12 * HOUR
MFA_MIN, MFA_MAX = 15 * MINUTE, 36 * HOUR
CHAINED_MAX = HOUR


def parse_duration(value: object) -> int:
    """Seconds from a duration; raises ValueError with a message a user can act on."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r} (write e.g. 1h, 90m, 3600)")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"duration must be positive, got {value}")
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return parse_duration(int(text))
        if _WHOLE.match(text):
            seconds = sum(int(n) * _UNIT[u] for n, u in _PART.findall(text))
            if seconds > 0:
                return seconds
    raise ValueError(f"not a duration: {value!r} (write e.g. 1h, 90m, 3600)")


def format_duration(seconds: int) -> str:
    """The short form users write: 3600 -> 1h, 5400 -> 1h30m, 61 -> 1m1s."""
    hours, rest = divmod(int(seconds), HOUR)
    minutes, secs = divmod(rest, MINUTE)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0s"


def check_range(seconds: int, low: int, high: int, what: str) -> None:
    if not low <= seconds <= high:
        raise ValueError(
            f"{what} {format_duration(seconds)} is outside {format_duration(low)}..{format_duration(high)}"
        )
