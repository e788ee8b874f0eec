"""AWS region names: checked before they reach an endpoint URL, an environment or a prompt."""

from __future__ import annotations

import re

from rolecall.core.domain.errors import ConfigError

REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")


def is_region(text: object) -> bool:
    return isinstance(text, str) and bool(REGION.match(text))


def check_region(text: str) -> str:
    if not is_region(text):
        raise ConfigError(f"{text!r} is not an AWS region name (like eu-west-1)")
    return text
