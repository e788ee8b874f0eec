"""Every directory and file rolecall reads or writes, in one place.

Each is a function, so a change to the environment (tests, the demo) is seen at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rolecall.core.store import settings

APP = "rolecall"


def _xdg(variable: str, default: str) -> Path:
    """The XDG base directory rule (what platformdirs does on Linux and the BSDs), plus our folder."""
    base = os.environ.get(variable, "").strip()
    return Path(base or os.path.expanduser(default)) / APP


def _native(kind: str) -> Path:
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP, appauthor=False))


# platformdirs costs ~25 ms to import; on XDG systems the rule is two lines, so it is used only
# on macOS and Windows (a test checks both agree on Linux).
_XDG = sys.platform not in ("darwin", "win32")


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", "~/.config") if _XDG else _native("config")


def cache_dir() -> Path:
    override: Path | None = settings.from_env("cache_dir")
    if override:
        return override
    return _xdg("XDG_CACHE_HOME", "~/.cache") if _XDG else _native("cache")


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", "~/.local/state") if _XDG else _native("state")


def profiles_file(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--profiles, else $ROLECALL_PROFILES, else <config dir>/rolecall/profiles.yaml."""
    if explicit:
        return Path(explicit).expanduser()
    env: Path | None = settings.from_env("profiles")
    if env:
        return env
    return config_dir() / "profiles.yaml"


def settings_file() -> Path:
    return config_dir() / "settings.yaml"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def aws_config_file() -> Path:
    return Path(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config").expanduser()


def aws_credentials_file() -> Path:
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials").expanduser()


def keyring_keys_file() -> Path:
    """Which profiles have long-lived keys in the OS keyring (names only: core/store/key_vault.py)."""
    return config_dir() / "keyring-keys.json"


def audit_file() -> Path:
    return state_dir() / "audit.jsonl"


def bundled_themes_dir() -> Path:
    """The themes rolecall ships: rolecall/themes in an installed wheel, themes/ at the top of a
    clone (the build maps the one onto the other; see pyproject.toml)."""
    package = _package()
    installed = package / "themes"
    return installed if installed.is_dir() else package.parent.parent / "themes"


def example_profiles() -> Path:
    return _package() / "data" / "profiles.example.yaml"


def _package() -> Path:
    """The installed `rolecall` package's directory (this file is rolecall/core/store/paths.py)."""
    return Path(__file__).resolve().parents[2]
