"""A profile's cached session read with the lightest modules, for the CLI's fast path.

When the profiles index is current and the profile's cached session has at least 5 minutes left,
`cached_entry` finds both with json, the index and one cache file: no argparse, dataclasses,
PyYAML, botocore or textual. Anything else (no index, a stale one, no or an old session) is None
and the caller takes the full path. No argv, no terminal: cli/fast.py does that.
"""

from __future__ import annotations

import json
import os
import time

from rolecall import __version__
from rolecall.core.domain.errors import RolecallError
from rolecall.core.store import layout, paths, settings, storage

TYPE_CHECKING = False  # the fast path imports this module: no typing at run time
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


def index_file(profiles_path: str | os.PathLike[str] | None) -> Path:
    """The index of the catalog read from this profiles file (see layout.index_file_name)."""
    return paths.cache_dir() / layout.index_file_name(paths.profiles_file(profiles_path))


def index_key(profiles_path: str | os.PathLike[str] | None) -> list[Any]:
    return layout.index_key(
        __version__, (paths.profiles_file(profiles_path), paths.aws_config_file(), paths.aws_credentials_file())
    )


def watched_unchanged(index: dict[str, Any]) -> bool:
    """Whether the other files the index was made from (discovery caches) are as they were."""
    return all(json.loads(json.dumps(layout.stamp(entry[0]))) == entry for entry in index.get("watched", []))


def cached_entry(profiles: str | None, name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(profile entry from the index, cached credentials) when both are current
    and the session was made for exactly this profile as it is now (layout.fingerprint)."""
    try:
        if (settings.from_env("cache_backend") or "file") != "file":
            return None
    except RolecallError:  # a bad value: the full CLI says so in one line
        return None
    root = paths.cache_dir()
    try:
        with open(index_file(profiles), "rb") as handle:
            index = json.load(handle)
        if index["key"] != json.loads(json.dumps(index_key(profiles))) or not watched_unchanged(index):
            return None
        entry = next((p for p in index["profiles"] if p["name"] == name), None)
        if entry is None:
            return None
        profile = layout.whole_entry(entry)
        folder = root / "sessions"
        storage.sweep(folder)
        path = folder / layout.entry_file_name(name)
        if not storage.trusted(path):
            return None  # the full path sets it aside and says why
        with open(path, "rb") as handle:
            cached = json.load(handle)
        if cached.get("format") != layout.FORMAT or cached.get("fingerprint") != layout.fingerprint(profile):
            return None
        credentials = cached["session"]["credentials"]
        if not all(isinstance(credentials.get(k), str) for k in ("AccessKeyId", "SecretAccessKey")):
            return None
        expires = layout.expiration_epoch(credentials.get("Expiration"))
        if expires is None or expires - time.time() < layout.MARGIN_SECONDS:
            return None
        return profile, credentials
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
