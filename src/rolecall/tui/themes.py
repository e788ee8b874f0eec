"""Colour themes from YAML files: the bundled ones and the user's, validated into Textual Themes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from rolecall.core.domain.errors import StorageError
from rolecall.core.store import paths, storage
from rolecall.core.store.layout import stamp

COLOURS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "success",
    "warning",
    "error",
)
FIELDS = set(COLOURS) | {"name", "dark", "variables"}
DEFAULT = "rolecall-dark"
CACHE = "themes.json"  # in the cache directory


@dataclass
class ThemeProblem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ThemeError(ValueError):
    pass


def parse_theme(path: Path) -> Theme:
    return Theme(**theme_fields(path))


def theme_fields(path: Path) -> dict[str, Any]:
    """A theme file's fields, validated: Theme's keyword arguments."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(f"cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ThemeError(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ThemeError("expected a mapping of theme fields")
    unknown = sorted(set(map(str, data)) - FIELDS)
    if unknown:
        raise ThemeError(f"unknown field(s): {', '.join(unknown)}")
    if not data.get("primary"):
        raise ThemeError("`primary` is required")
    for key in COLOURS:
        if key in data:
            try:
                Color.parse(str(data[key]))
            except ColorParseError:
                raise ThemeError(f"{key}: {data[key]!r} is not a colour") from None
    if "dark" in data and not isinstance(data["dark"], bool):
        raise ThemeError("dark must be true or false")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ThemeError("variables must be a mapping")
    return {
        "name": str(data.get("name") or path.stem),
        "dark": data.get("dark", True),
        "variables": {str(k): str(v) for k, v in variables.items()},
        **{key: str(data[key]) for key in COLOURS if key in data},
    }


def load_themes() -> tuple[list[Theme], list[ThemeProblem]]:
    """Bundled themes, then the user's (a user theme may replace a bundled one by name).

    What the files held is kept as JSON in the cache while they are unchanged (their stamps), so
    the app's start reads no YAML (importing PyYAML alone is ~5% of a one-widget Textual app's
    first paint)."""
    files = [
        path
        for folder in (paths.bundled_themes_dir(), paths.user_themes_dir())
        for path in (sorted(folder.glob("*.yaml")) if folder.is_dir() else ())
    ]
    key = [stamp(path) for path in files]
    found = _cached(key)
    if found is None:
        found = {}
        for path in files:
            try:
                found[str(path)] = theme_fields(path)
            except ThemeError as exc:
                found[str(path)] = str(exc)
        try:
            storage.write_json(paths.cache_dir() / CACHE, {"key": key, "found": found})
        except StorageError:
            pass  # the cache only saves time
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for file_name, fields in found.items():
        if isinstance(fields, str):
            problems.append(ThemeProblem(Path(file_name), fields))
        else:
            themes[fields["name"]] = Theme(**fields)
    return list(themes.values()), problems


def _cached(key: list[Any]) -> dict[str, Any] | None:
    """What the theme files held, as they were when the cache was written with `key`."""
    try:
        data = storage.read_json(paths.cache_dir() / CACHE)
    except StorageError:
        return None
    if data is None or data.get("key") != key or not isinstance(data.get("found"), dict):
        return None
    found: dict[str, Any] = data["found"]
    return found


def resolve(choice: str | None, themes: list[Theme]) -> tuple[str | None, str | None]:
    """The theme name for `--theme NAME|PATH`: (name, problem). A PATH is loaded and added."""
    if not choice:
        return None, None
    names = {t.name for t in themes}
    if choice in names:
        return choice, None
    path = Path(choice).expanduser()
    if path.suffix in (".yaml", ".yml") and path.is_file():
        try:
            theme = parse_theme(path)
        except ThemeError as exc:
            return None, f"{path}: {exc}"
        themes.append(theme)
        return theme.name, None
    return None, f"no theme {choice!r} (have: {', '.join(sorted(names))})"
