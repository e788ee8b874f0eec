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


def current_index(profiles_path: str | os.PathLike[str] | None = None) -> dict[str, Any] | None:
    """The catalog's index as JSON when it is current (no YAML, no botocore), else None: the
    app draws its first frame from its first profiles (`first_profiles`), then makes the
    catalog (`catalog_of`)."""
    return _current(index_file(profiles_path), index_key(profiles_path))


MAX_MESSAGE = 240


def bounded(problem: Problem) -> Problem:
    """`problem` with its message cut to MAX_MESSAGE characters: a message never grows with the input."""
    if len(problem.message) <= MAX_MESSAGE:
        return problem
    return problem._replace(message=problem.message[: MAX_MESSAGE - 3] + "...")


def _read_index(path: Path, key: list[Any]) -> Catalog | None:
    data = _current(path, key)
    return None if data is None else catalog_of(data)


def _current(path: Path, key: list[Any]) -> dict[str, Any] | None:
    """The index's JSON when it was made from the sources as they are now, else None."""
    try:
        with open(path, "rb") as handle:
            data = json.load(handle)
        if not isinstance(data, dict) or data.get("key") != json.loads(json.dumps(key)) or not watched_unchanged(data):
            return None
        return data
    except (OSError, ValueError, KeyError, TypeError):
        return None


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


def first_profiles(data: dict[str, Any], count: int) -> list[Profile] | None:
    """The first `count` profiles an index holds, in catalog order (None when it is damaged)."""
    try:
        return [Profile.from_dict(p) for p in data["profiles"][:count]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_index(path: Path, key: list[Any], catalog: Catalog, watched: list[Path]) -> None:
    data = {
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
