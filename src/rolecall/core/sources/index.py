"""Loading the catalog, with a JSON index of the parsed result reused while the sources are unchanged.

The index is what keeps `rolecall process` from importing yaml or botocore on every call:
its key is the path, size and mtime of profiles.yaml, ~/.aws/config and ~/.aws/credentials.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from rolecall.core import sources
from rolecall.core.domain.errors import Problem, StorageError
from rolecall.core.domain.profiles import Catalog, Profile
from rolecall.core.store import layout, paths, storage
from rolecall.core.store.quick import index_file, index_key, watched_unchanged


def load_catalog(profiles_path: str | os.PathLike[str] | None = None, *, use_index: bool = True) -> Catalog:
    yaml_path = paths.profiles_file(profiles_path)
    config_path, creds_path = paths.aws_config_file(), paths.aws_credentials_file()
    key = index_key(profiles_path)
    index_path = index_file(profiles_path)
    if use_index:
        catalog = _read_index(index_path, key)
        if catalog is not None:
            return catalog
    catalog, watched = sources.load(yaml_path, config_path, creds_path)
    catalog.problems[:] = [bounded(p) for p in catalog.problems]
    if use_index:
        _write_index(index_path, key, catalog, watched)
    return catalog


def current_index(profiles_path: str | os.PathLike[str] | None = None) -> str | None:
    """The catalog's index, unparsed, when it is current (no YAML, no botocore), else None: the
    app draws its first frame from its first profiles (`first_profiles`, which parses only the
    index's front: 5,000 profiles are 1.7 MB of JSON, ~13 ms), then makes the catalog
    (`catalog_of_text`)."""
    return _current(index_file(profiles_path), index_key(profiles_path))


MAX_MESSAGE = 240


def bounded(problem: Problem) -> Problem:
    """`problem` with its message cut to MAX_MESSAGE characters: a message never grows with the input."""
    if len(problem.message) <= MAX_MESSAGE:
        return problem
    return problem._replace(message=problem.message[: MAX_MESSAGE - 3] + "...")


def _read_index(path: Path, key: list[Any]) -> Catalog | None:
    text = _current(path, key)
    return None if text is None else catalog_of_text(text)


def _current(path: Path, key: list[Any]) -> str | None:
    """The index's text when it was made from the sources as they are now (its front tells), else
    None: one test of freshness for the app's front read and for the whole catalog."""
    try:
        text = path.read_text(encoding="utf-8")
        front = _front(text, 0)
        return text if front is not None and _made_from(front[0], key) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _made_from(fields: dict[str, Any], key: list[Any]) -> bool:
    """Whether an index's fields before its profiles say it was made from the sources as they are now."""
    return bool(fields.get("key") == json.loads(json.dumps(key)) and watched_unchanged(fields))


def catalog_of(data: dict[str, Any]) -> Catalog | None:
    """The catalog an index holds (None when the index is damaged)."""
    try:
        sso_sessions = []
        if data.get("sso_sessions"):
            from rolecall.core.sso.session import SsoSession

            sso_sessions = [SsoSession(**{**s, "scopes": tuple(s["scopes"])}) for s in data["sso_sessions"]]
        return Catalog(
            profiles={p["name"]: Profile.from_dict(p) for p in data["profiles"]},
            problems=[Problem(**p) for p in data["problems"]],
            sso_sessions=sso_sessions,
            without_credentials={name: Problem(**p) for name, p in data["without_credentials"].items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def catalog_of_text(text: str) -> Catalog | None:
    """The catalog an index's text holds, parsed whole (None when it is damaged)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return catalog_of(data)


def first_profiles(text: str, count: int) -> list[Profile] | None:
    """The first `count` profiles of an index's text, in catalog order, parsed from its front
    only (None when it is damaged)."""
    try:
        front = _front(text, count)
        return None if front is None else [Profile.from_dict(p) for p in front[1]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


_FIELDS = ("key", "watched")  # what `_write_index` writes before "profiles", in this order
_JSON = json.JSONDecoder()


def _front(text: str, count: int) -> tuple[dict[str, Any], list[Any]] | None:
    """An index's fields before its profiles and its first `count` profiles, read from the front
    of its text without parsing the rest (None: not the layout `_write_index` writes). Raises
    ValueError where the JSON itself is broken."""
    fields: dict[str, Any] = {}
    at = 1
    if not text.startswith("{"):
        return None
    for name in _FIELDS:
        label = f'"{name}":'
        if not text.startswith(label, at):
            return None
        fields[name], at = _JSON.raw_decode(text, at + len(label))
        if not text.startswith(",", at):
            return None
        at += 1
    if not text.startswith('"profiles":[', at):
        return None
    at += len('"profiles":[')
    profiles: list[Any] = []
    while len(profiles) < count and not text.startswith("]", at):
        if profiles:
            if not text.startswith(",", at):
                return None
            at += 1
        profile, at = _JSON.raw_decode(text, at)
        profiles.append(profile)
    return fields, profiles


def _write_index(path: Path, key: list[Any], catalog: Catalog, watched: list[Path]) -> None:
    data = {  # key, watched, then profiles: `_front` reads them from the front of the text
        "key": key,
        "watched": [layout.stamp(p) for p in watched],
        "profiles": [layout.index_entry(p.to_dict()) for p in catalog.profiles.values()],
        "problems": [p._asdict() for p in catalog.problems],
        "sso_sessions": [dataclasses.asdict(s) for s in catalog.sso_sessions],
        "without_credentials": {name: p._asdict() for name, p in catalog.without_credentials.items()},
    }
    try:
        storage.write_atomic(path, json.dumps(data, separators=(",", ":")).encode("utf-8"))
    except StorageError:
        pass  # the index only saves time; without it every run parses the sources again
