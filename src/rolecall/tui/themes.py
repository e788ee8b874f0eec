"""Colour themes from YAML files: the bundled ones and the user's, validated into Textual Themes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from rolecall.core import paths

COLOURS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost",
           "success", "warning", "error")
FIELDS = set(COLOURS) | {"name", "dark", "variables"}
DEFAULT = "rolecall-dark"


@dataclass
class ThemeProblem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ThemeError(ValueError):
    pass


def parse_theme(path: Path) -> Theme:
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
    colours = {key: str(data[key]) for key in COLOURS if key in data}
    return Theme(
        name=str(data.get("name") or path.stem),
        primary=colours["primary"],
        secondary=colours.get("secondary"),
        accent=colours.get("accent"),
        foreground=colours.get("foreground"),
        background=colours.get("background"),
        surface=colours.get("surface"),
        panel=colours.get("panel"),
        boost=colours.get("boost"),
        success=colours.get("success"),
        warning=colours.get("warning"),
        error=colours.get("error"),
        dark=data.get("dark", True),
        variables={str(k): str(v) for k, v in variables.items()},
    )


def load_themes() -> tuple[list[Theme], list[ThemeProblem]]:
    """Bundled themes, then the user's (a user theme may replace a bundled one by name)."""
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for folder in (paths.bundled_themes_dir(), paths.user_themes_dir()):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            try:
                theme = parse_theme(path)
            except ThemeError as exc:
                problems.append(ThemeProblem(path, str(exc)))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems


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
