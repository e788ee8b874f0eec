"""Every user setting in one table: a command-line flag, else its `ROLECALL_*` variable, else
`<config dir>/rolecall/settings.yaml`, else the default.

The CLI, the app and the fast path all ask this module. A setting that the fast path needs
(`rolecall process`) has no settings.yaml key, so reading it never imports yaml: `from_env`.
A bad variable is a ConfigError naming it; a missing settings file means defaults; a broken one
is reported and ignored, never fatal, and is only ever replaced by a write of the user's own choice.
"""

from __future__ import annotations

import os
from pathlib import Path

from rolecall.core.domain.errors import ConfigError, Problem

# The fast path imports this module: no dataclasses, no typing at run time (each costs milliseconds).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


class Invalid(ValueError):
    """A value of the wrong kind; its message says what the setting must be."""


def _seconds(value: object) -> float:
    """A number >= 0 (0: off)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Invalid("a number of seconds")
    try:
        number = float(value)
    except ValueError:
        raise Invalid("a number of seconds") from None
    if not number >= 0 or number == float("inf"):
        raise Invalid("a number of seconds")
    return number


def _positive_seconds(value: object) -> float:
    number = _seconds(value)
    if number <= 0:
        raise Invalid("a number of seconds")
    return number


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Invalid("a whole number >= 1")
    try:
        number = int(value)
    except ValueError:
        raise Invalid("a whole number >= 1") from None
    if number < 1:
        raise Invalid("a whole number >= 1")
    return number


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid("a text")
    return value


def _path(value: object) -> Path:
    return Path(_text(value)).expanduser()


def _switch(value: object) -> bool:
    """From the environment any non-empty value means on; in settings.yaml, true or false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return bool(value)
    raise Invalid("true or false")


def _backend(value: object) -> str:
    if value not in ("file", "keyring"):
        raise Invalid("file or keyring")
    return str(value)


def _keymap(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise Invalid("a mapping of binding ids to keys")
    return dict(value)


class Setting:
    """One setting: its name, how a value is read, the default and what it does; where it may be set
    (a flag, a `ROLECALL_*` variable, a settings.yaml key); the default as the README shows it."""

    __slots__ = ("default", "doc", "env", "flag", "key", "name", "parse", "shown_default")

    def __init__(
        self,
        name: str,
        parse: Callable[[object], Any],
        default: Any,
        doc: str,
        *,
        env: str | None = None,
        key: str | None = None,
        flag: str | None = None,
        shown_default: str | None = None,
    ):
        self.name = name
        self.parse = parse
        self.default = default
        self.doc = doc
        self.env = env
        self.key = key
        self.flag = flag
        self.shown_default = shown_default

    @property
    def kind(self) -> str:
        return _KINDS[self.parse]

    def from_flag(self, value: object) -> Any:
        try:
            return self.parse(value)
        except Invalid as exc:
            raise ConfigError(f"{self.flag} must be {exc}, not {value!r}") from None


_KINDS: dict[Callable[[object], Any], str] = {
    _seconds: "seconds",
    _positive_seconds: "seconds",
    _count: "count",
    _text: "text",
    _path: "path",
    _switch: "on/off",
    _backend: "`file` or `keyring`",
    _keymap: "mapping",
}


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "profiles",
        _path,
        None,
        "The profiles file.",
        env="ROLECALL_PROFILES",
        flag="--profiles",
        shown_default="`<config dir>/rolecall/profiles.yaml`",
    ),
    Setting(
        "theme",
        _text,
        None,
        "The app's colour theme: a bundled name, or a file stem in "
        "`<config dir>/rolecall/themes/`. Picking one with `t` remembers it here.",
        env="ROLECALL_THEME",
        key="theme",
        flag="--theme",
        shown_default="`rolecall-dark`",
    ),
    Setting(
        "keymap",
        _keymap,
        {},
        "The app's keys: binding id to key, e.g. `forget: ctrl+d`.",
        key="keymap",
        shown_default="none",
    ),
    Setting(
        "clipboard_clear_seconds",
        _seconds,
        60.0,
        "Empty the clipboard this long after a copy if it still holds the credentials (0: never).",
        env="ROLECALL_CLIPBOARD_CLEAR",
        key="clipboard_clear_seconds",
        flag="--clear-after",
    ),
    Setting(
        "cache_dir",
        _path,
        None,
        "Where sessions are cached.",
        env="ROLECALL_CACHE_DIR",
        shown_default="`<cache dir>/rolecall`",
    ),
    Setting(
        "cache_backend",
        _backend,
        "file",
        "Where the secret half of a cached session lives: the cache files "
        "(0600) or the OS keyring (needs `rolecall[keyring]`).",
        env="ROLECALL_CACHE_BACKEND",
    ),
    Setting(
        "sts_connect_timeout",
        _positive_seconds,
        2.0,
        "Seconds to wait for a connection to STS.",
        env="ROLECALL_STS_CONNECT_TIMEOUT",
        key="sts_connect_timeout",
    ),
    Setting(
        "sts_read_timeout",
        _positive_seconds,
        5.0,
        "Seconds to wait for STS to answer.",
        env="ROLECALL_STS_READ_TIMEOUT",
        key="sts_read_timeout",
    ),
    Setting(
        "sts_attempts",
        _count,
        3,
        "Tries of one STS call (throttling, network errors).",
        env="ROLECALL_STS_ATTEMPTS",
        key="sts_attempts",
    ),
    Setting(
        "sso_connect_timeout",
        _positive_seconds,
        5.0,
        "Seconds to wait for a connection to IAM Identity Center.",
        env="ROLECALL_SSO_CONNECT_TIMEOUT",
        key="sso_connect_timeout",
    ),
    Setting(
        "sso_read_timeout",
        _positive_seconds,
        15.0,
        "Seconds to wait for IAM Identity Center to answer.",
        env="ROLECALL_SSO_READ_TIMEOUT",
        key="sso_read_timeout",
    ),
    Setting(
        "no_prompt",
        _switch,
        False,
        "Never ask for an MFA code on the terminal: fail instead (for scripts).",
        env="ROLECALL_NO_PROMPT",
    ),
    Setting(
        "debug",
        _switch,
        False,
        "Show the traceback of an unexpected error (it may hold credentials).",
        env="ROLECALL_DEBUG",
    ),
    Setting(
        "federation_url",
        _text,
        None,
        "The console sign-in (federation) endpoint: https, or http on this machine only (a local stand-in).",
        env="ROLECALL_FEDERATION_URL",
        shown_default="`https://<region>.signin.aws.amazon.com/federation`",
    ),
    Setting(
        "refresh_before",
        _positive_seconds,
        600.0,
        "Seconds before expiry that the shell integration "
        "(`rolecall use`) and a credential server (`--server`) refresh credentials.",
        env="ROLECALL_REFRESH_BEFORE",
        key="refresh_before",
    ),
    Setting(
        "subshell_server",
        _switch,
        False,
        "The app's subshell (`s`) gets a refreshing loopback credential "
        "endpoint instead of keys, as `rolecall shell --server` does.",
        env="ROLECALL_SUBSHELL_SERVER",
        key="subshell_server",
    ),
    Setting(
        "browser",
        _text,
        None,
        "The browser command for the console (`%s` stands for the address, else it comes last).",
        env="ROLECALL_BROWSER",
        key="browser",
        flag="--browser",
        shown_default="`$BROWSER`, else the system's",
    ),
    Setting(
        "console_logout_first",
        _switch,
        False,
        "Sign out of the current console session before signing in "
        "(for a browser without the console's multi-session mode).",
        env="ROLECALL_CONSOLE_LOGOUT_FIRST",
        key="console_logout_first",
        flag="--logout-first",
    ),
    Setting(
        "console_page_seconds",
        _positive_seconds,
        60.0,
        "How long the private page that hands the console sign-in to the browser is kept before it is removed.",
        env="ROLECALL_CONSOLE_PAGE_SECONDS",
        key="console_page_seconds",
    ),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}
KNOWN = {setting.key for setting in SETTINGS if setting.key}


def from_env(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The setting from its environment variable, or None when unset or empty. No yaml: the fast path uses it."""
    setting = BY_NAME[name]
    assert setting.env is not None, name
    raw = (os.environ if environ is None else environ).get(setting.env)
    if not raw:
        return None
    try:
        return setting.parse(raw)
    except Invalid as exc:
        raise ConfigError(f"{setting.env} must be {exc}, not {raw!r}") from None


class Settings:
    """Every setting resolved (environment over settings.yaml over default), and what was wrong in the file."""

    def __init__(self, values: dict[str, Any], problems: list[Problem]):
        self.values = values
        self.problems = problems

    def get(self, name: str, flag: object = None) -> Any:
        """A flag given on the command line wins over everything else."""
        return BY_NAME[name].from_flag(flag) if flag is not None else self.values[name]

    @property
    def theme(self) -> str | None:
        theme: str | None = self.values["theme"]
        return theme

    @property
    def keymap(self) -> dict[str, str]:
        keymap: dict[str, str] = self.values["keymap"]
        return keymap

    @property
    def clipboard_clear_seconds(self) -> float:
        seconds: float = self.values["clipboard_clear_seconds"]
        return seconds


def _read_file(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, []  # no file (the usual case): yaml is not even imported
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem(str(path), None, f"ignored: {str(exc).splitlines()[0]}")]
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return {}, [Problem(str(path), None, f"ignored: {str(exc).splitlines()[0]}")]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [Problem(str(path), None, "ignored: expected a mapping")]
    return data, [Problem(str(path), None, f"unknown setting {key!r}") for key in sorted(set(data) - KNOWN, key=str)]


def _resolve(
    setting: Setting, data: dict[str, Any], path: Path, environ: Mapping[str, str] | None, problems: list[Problem]
) -> Any:
    value = from_env(setting.name, environ) if setting.env else None
    if value is None and setting.key and data.get(setting.key) is not None:
        try:
            value = setting.parse(data[setting.key])
        except Invalid as exc:
            problems.append(Problem(str(path), None, f"{setting.key} must be {exc}"))
    return setting.default if value is None else value


def load(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Every setting from the environment and settings.yaml. A bad variable raises ConfigError;
    a bad value in the file is a problem, and that setting keeps its default."""
    from rolecall.core.store import paths

    path = path or paths.settings_file()
    data, problems = _read_file(path)
    values = {setting.name: _resolve(setting, data, path, environ, problems) for setting in SETTINGS}
    return Settings(values, problems)


def get(name: str, flag: object = None) -> Any:
    """One setting: the flag, else the environment, else settings.yaml, else the default.
    Only this setting is read, so a bad value of another one does not get in the way."""
    from rolecall.core.store import paths

    setting = BY_NAME[name]
    if flag is not None:
        return setting.from_flag(flag)
    if setting.env and (value := from_env(name)) is not None:
        return value
    if not setting.key:
        return setting.default
    path = paths.settings_file()
    return _resolve(setting, _read_file(path)[0], path, None, [])


def remember(key: str, value: object, path: Path | None = None) -> None:
    """Set one setting, keeping the rest of the file as it is (a broken file is left alone)."""
    import yaml

    from rolecall.core.store import paths, storage

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


def markdown_table() -> str:
    """The README's table of settings, made from SETTINGS."""
    rows = [
        "| setting | flag | environment | settings.yaml | value | default | what it does |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        default = s.shown_default or (f"`{s.default:g}`" if isinstance(s.default, float) else f"`{s.default}`")
        if isinstance(s.default, bool):
            default = "off"
        cells = [
            f"`{s.name}`",
            f"`{s.flag}`" if s.flag else "-",
            f"`{s.env}`" if s.env else "-",
            f"`{s.key}`" if s.key else "-",
            s.kind,
            default,
            s.doc,
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"
