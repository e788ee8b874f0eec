"""Completion answered with the standard library only: subcommands and options from a spec built
once from the real parser (kept beside the cache, keyed by rolecall's version and the command
table), profile names from the profiles index. Nothing here may import argparse, yaml or botocore:
it runs on every Tab."""

from __future__ import annotations

import json
import os

from rolecall import __version__
from rolecall.core.domain.errors import RolecallError
from rolecall.core.store import layout, paths, quick, storage

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Spec = dict[str, Any]  # {"global": [...], "global_valued": {...}, "commands": {name: {...}}}


# Characters bash gives a meaning to inside a word: a completed word carries them escaped.
_BASH_SPECIAL = frozenset(" \t\n'\"\\$`!&;|<>()*?[]{}#~^")


def spec_file() -> os.PathLike[str]:
    return paths.cache_dir() / f"completion-{__version__}.json"


def load_spec(table_file: str, build: Callable[[], Spec]) -> Spec:
    """The spec from its file when it was made for this version and this command table (its
    file's stamp), else `build()` (the argparse parser walked once) saved for the next Tab."""
    key = json.loads(json.dumps([__version__, layout.stamp(table_file)]))
    try:
        with open(spec_file(), "rb") as handle:
            data = json.load(handle)
        if data.get("key") == key and isinstance(data.get("spec"), dict):
            spec: Spec = data["spec"]
            return spec
    except (OSError, ValueError):
        pass
    spec = build()
    try:
        storage.write_atomic(
            paths.cache_dir() / os.path.basename(spec_file()), json.dumps({"key": key, "spec": spec}).encode("utf-8")
        )
    except (OSError, RolecallError):  # a cache that cannot be written only costs time
        pass
    return spec


def names_file(profiles: str | None) -> os.PathLike[str]:
    """Just the names of the profiles index, beside it: a Tab reads 5,000 names, not every profile."""
    index = quick.index_file(profiles)
    return index.with_name("names-" + index.name.removeprefix("index-"))


def profile_names(profiles: str | None, rebuild: Callable[[str | None], list[str]]) -> list[str]:
    """Every profile's name: from the names file when it is as current as the profiles index
    would be (same key, same discovery files), else from the index (or `rebuild`, which loads
    the catalog and writes a new index) and saved to the names file for the next Tab."""
    key = json.loads(json.dumps(quick.index_key(profiles)))
    try:
        with open(names_file(profiles), "rb") as handle:
            names = json.load(handle)
        if names["key"] == key and quick.watched_unchanged(names):
            return [name for name in names["names"] if isinstance(name, str)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
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
            json.dumps({"key": index.get("key"), "watched": index.get("watched", []), "names": found}).encode("utf-8"),
        )
    except (OSError, RolecallError, AttributeError):
        pass
    return found


def candidates(words: list[str], spec: Spec, names: Callable[[str | None], list[str]]) -> list[str]:
    """What may stand in place of the last of `words` (words[0] is the program, the last is the
    word being typed, possibly empty)."""
    current = words[-1] if words else ""
    before = words[1:-1]
    command: str | None = None
    profiles: str | None = None
    positionals: list[str] = []
    expecting: str | None = None
    for word in before:
        if expecting is not None:
            if expecting == "--profiles":
                profiles = word
            expecting = None
            continue
        if word == "--":
            return []  # a command to run follows: the shell's own completion knows it better
        valued = spec["global_valued"] if command is None else spec["commands"][command]["valued"]
        if word.startswith("-"):
            if word in valued:
                expecting = word
            elif word.startswith("--profiles="):
                profiles = word.split("=", 1)[1]
        elif command is None:
            if word not in spec["commands"]:
                return []
            command = word
        else:
            positionals.append(word)
    if expecting is not None:
        table = spec["global_valued"] if command is None else spec["commands"][command]["valued"]
        found = table.get(expecting) or []
    elif command is None:
        found = spec["global"] if current.startswith("-") else list(spec["commands"])
    else:
        entry = spec["commands"][command]
        if current.startswith("-"):
            found = entry["options"]
        elif positionals:
            found = []
        elif entry.get("choices"):
            found = entry["choices"]
        elif entry.get("profile"):
            found = names(profiles)
        else:
            found = []
    return sorted(word for word in found if word.startswith(current))


def split_line(line: str) -> tuple[list[str], str]:
    """A bash command line up to the cursor as words (quotes and backslashes undone) and the raw
    text of the last word as typed; a line ending in a space starts a new, empty word."""
    words: list[str] = []
    word: list[str] = []
    raw_start = 0
    quote: str | None = None
    escaped = in_word = False
    for at, char in enumerate(line):
        if escaped:
            word.append(char)
            escaped = False
        elif quote:
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"':
                escaped = True
            else:
                word.append(char)
        elif char in " \t\n":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            raw_start = at + 1
            continue
        elif char in "'\"":
            quote = char
        elif char == "\\":
            escaped = True
        else:
            word.append(char)
        in_word = True
    words.append("".join(word))
    return words, line[raw_start:]


def bash_escape(word: str) -> str:
    return "".join("\\" + char if char in _BASH_SPECIAL else char for char in word)


def for_bash(found: list[str], raw_last: str) -> list[str]:
    """Candidates as bash inserts them: escaped, and cut after the last `:` or `=` of the word as
    typed, since readline replaces only the text after the characters bash splits words at."""
    cut = max(raw_last.rfind(":"), raw_last.rfind("=")) + 1
    out = []
    for word in found:
        escaped = bash_escape(word)
        out.append(escaped[cut:] if escaped.startswith(raw_last[:cut]) else escaped)
    return out
