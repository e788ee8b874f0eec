"""The program's side of completion, when tab.py found the cache stale: subcommands and options
from a spec built once from the real parser (kept beside the cache, keyed by rolecall's version
and the command table), profile names from the profiles index, each saved (in tab.py's format) for tab.py to read at the
next Tab. Nothing here may import argparse, yaml or botocore."""

from __future__ import annotations

import json
import os

from rolecall import __version__
from rolecall.core.domain.errors import RolecallError
from rolecall.core.shell import tab
from rolecall.core.store import layout, paths, quick, storage

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Spec = dict[str, Any]  # {"global": [...], "global_valued": {...}, "commands": {name: {...}}}


def spec_file() -> os.PathLike[str]:
    return paths.cache_dir() / tab.spec_file_name()


def load_spec(table_file: str, build: Callable[[], Spec]) -> Spec:
    """The spec from its file when it was made for this version and this command table (its
    file's stamp), else `build()` (the argparse parser walked once) saved for the next Tab."""
    key = json.loads(json.dumps([__version__, layout.stamp(table_file)]))
    try:
        data = tab.load(os.fspath(spec_file()))
        if data.get("key") == key and isinstance(data.get("spec"), dict):
            spec: Spec = data["spec"]
            return spec
    except (OSError, ValueError, EOFError, TypeError, AttributeError, tab.Miss):
        pass
    spec = build()
    try:
        storage.write_atomic(paths.cache_dir() / os.path.basename(spec_file()), tab.dump({"key": key, "spec": spec}))
    except (OSError, RolecallError):  # a cache that cannot be written only costs time
        pass
    return spec


def names_file(profiles: str | None) -> os.PathLike[str]:
    """Just the names of the profiles index, beside it: a Tab reads 5,000 names, not every profile."""
    index = quick.index_file(profiles)
    return index.with_name(f"names-{index.name.removeprefix('index-').removesuffix('.json')}.marshal")


def profile_names(profiles: str | None, rebuild: Callable[[str | None], list[str]]) -> list[str]:
    """Every profile's name: from the names file when it is as current as the profiles index
    would be (same key, same discovery files), else from the index (or `rebuild`, which loads
    the catalog and writes a new index) and saved to the names file for the next Tab."""
    key = json.loads(json.dumps(quick.index_key(profiles)))
    try:
        names = tab.load(os.fspath(names_file(profiles)))
        if names["key"] == key and quick.watched_unchanged(names):
            return [name for name in names["names"] if isinstance(name, str)]
    except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError, tab.Miss):
        pass
    found: list[str] | None = None
    try:
        with open(quick.index_file(profiles), "rb") as handle:
            index = json.load(handle)
        if index["key"] == key and quick.watched_unchanged(index):
            found = [p["name"] for p in index["profiles"] if isinstance(p.get("name"), str)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    if found is None:
        found = rebuild(profiles)
        try:
            with open(quick.index_file(profiles), "rb") as handle:
                index = json.load(handle)
        except (OSError, ValueError):
            return found  # no index could be written: nothing to key a names file by
    try:
        storage.write_atomic(
            paths.cache_dir() / os.path.basename(names_file(profiles)),
            tab.dump({"key": index.get("key"), "watched": index.get("watched", []), "names": found}),
        )
    except (OSError, RolecallError, AttributeError):
        pass
    return found
