"""Every directory and file rolecall reads or writes, in one place.

Each is a function, so a change to the environment (tests, the demo) is seen at once.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "rolecall"


def _dirs():
    import platformdirs

    return platformdirs


def config_dir() -> Path:
    return Path(_dirs().user_config_dir(APP, appauthor=False))


def cache_dir() -> Path:
    override = os.environ.get("ROLECALL_CACHE_DIR")
    return Path(override) if override else Path(_dirs().user_cache_dir(APP, appauthor=False))


def state_dir() -> Path:
    return Path(_dirs().user_state_dir(APP, appauthor=False))


def profiles_file(explicit: str | os.PathLike | None = None) -> Path:
    """--profiles, else $ROLECALL_PROFILES, else <config dir>/rolecall/profiles.yaml."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("ROLECALL_PROFILES")
    if env:
        return Path(env).expanduser()
    return config_dir() / "profiles.yaml"


def settings_file() -> Path:
    return config_dir() / "settings.yaml"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def aws_config_file() -> Path:
    return Path(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config").expanduser()


def aws_credentials_file() -> Path:
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials").expanduser()


def audit_file() -> Path:
    return state_dir() / "audit.jsonl"


def bundled_themes_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "themes"


def example_profiles() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "profiles.example.yaml"
