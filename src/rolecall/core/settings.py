"""User settings (`<config dir>/rolecall/settings.yaml`): theme, key map, clipboard clearing.

A missing file means defaults; a broken one is reported and ignored, never fatal, and is only
ever replaced by a write of the user's own choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rolecall.core import paths, storage
from rolecall.core.errors import Problem

KNOWN = {"theme", "keymap", "clipboard_clear_seconds"}


@dataclass
class Settings:
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    clipboard_clear_seconds: float = 60
    problems: list[Problem] = field(default_factory=list)


def load(path: Path | None = None) -> Settings:
    import yaml

    path = path or paths.settings_file()
    settings = Settings()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return settings
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        settings.problems.append(Problem(str(path), None, f"ignored: {str(exc).splitlines()[0]}"))
        return settings
    if data is None:
        return settings
    if not isinstance(data, dict):
        settings.problems.append(Problem(str(path), None, "ignored: expected a mapping"))
        return settings
    for key in set(data) - KNOWN:
        settings.problems.append(Problem(str(path), None, f"unknown setting {key!r}"))
    theme = data.get("theme")
    if isinstance(theme, str):
        settings.theme = theme
    keymap = data.get("keymap") or {}
    if isinstance(keymap, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()):
        settings.keymap = dict(keymap)
    else:
        settings.problems.append(Problem(str(path), None, "keymap must map binding ids to keys"))
    clear = data.get("clipboard_clear_seconds", settings.clipboard_clear_seconds)
    if isinstance(clear, (int, float)) and not isinstance(clear, bool) and clear >= 0:
        settings.clipboard_clear_seconds = float(clear)
    else:
        settings.problems.append(Problem(str(path), None, "clipboard_clear_seconds must be a number >= 0"))
    return settings


def remember(key: str, value: object, path: Path | None = None) -> None:
    """Set one setting, keeping the rest of the file as it is (a broken file is left alone)."""
    import yaml

    path = path or paths.settings_file()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        data = {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return
    if not isinstance(data, dict):
        return
    data[key] = value
    storage.write_atomic(path, yaml.safe_dump(data, sort_keys=True).encode("utf-8"))
