"""The quick path: answer `process` and `export` from a cached session with the lightest modules.

`rolecall process P` runs once per SDK call that needs credentials, so its start-up is the cost
users feel. When the profiles index is current and P's cached session has at least 5 minutes
left, the answer needs only json, the index and one cache file: no argparse, dataclasses,
PyYAML, botocore or textual. Anything else (no index, a stale one, no or an old session, an
option this path does not know) returns None and the full CLI takes over.
"""

from __future__ import annotations

import json
import os
import sys
import time

from rolecall import __version__
from rolecall.core import formats, layout, paths, settings, storage
from rolecall.core.errors import RolecallError

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


def _parse(argv: list[str]) -> tuple[str | None, str, str, str] | None:
    """(profiles, command, profile, format) for the forms this path serves, else None."""
    args = list(argv)
    profiles = None
    if args[:1] == ["--profiles"] and len(args) > 1:
        profiles, args = args[1], args[2:]
    elif args[:1] and args[0].startswith("--profiles="):
        profiles, args = args[0].split("=", 1)[1], args[1:]
    if len(args) < 2 or args[0] not in ("process", "export") or args[1].startswith("-"):
        return None
    command, profile, rest = args[0], args[1], args[2:]
    fmt = "env"
    if command == "export" and rest:
        if len(rest) == 2 and rest[0] in ("--format", "-f"):
            fmt = rest[1]
        elif len(rest) == 1 and rest[0].startswith("--format="):
            fmt = rest[0].split("=", 1)[1]
        else:
            return None
        if fmt not in formats.FORMATS:
            return None
    elif rest:
        return None
    return profiles, command, profile, fmt


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
        profile = next((p for p in index["profiles"] if p["name"] == name), None)
        if profile is None:
            return None
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


def serve(argv: list[str]) -> int | None:
    """Answer from the cache and return the exit code, or None to let the full CLI answer."""
    prepare_streams()
    parsed = _parse(argv)
    if parsed is None:
        return None
    profiles, command, name, fmt = parsed
    found = cached_entry(profiles, name)
    if found is None:
        return None
    profile, credentials = found
    if command == "process":
        text = json.dumps(formats.process_json(credentials)) + "\n"
    else:
        try:
            text = formats.render_credentials(fmt, credentials, name, profile.get("region"))
        except (ValueError, RolecallError):
            return None  # a value this format cannot carry: the full CLI says so in one line
    return write_out(text)


def prepare_streams() -> None:
    """Text the output encoding cannot hold (PYTHONIOENCODING=ascii, a C locale) is written with
    backslash escapes instead of failing; called first by main(), so every command gets it."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            try:
                reconfigure(errors="backslashreplace")
            except (OSError, ValueError):
                pass


def say(line: str) -> None:
    """A message on stderr; a closed or broken stderr loses it, never the answer."""
    if sys.stderr is None:  # started with stderr closed: print(file=None) would write to stdout
        return
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def write_out(text: str) -> int:
    """Write the answer to stdout: 0 when it got there, 1 when stdout is closed or its reader gone
    (never a traceback)."""
    stream = sys.stdout
    try:
        if stream is None:
            raise BrokenPipeError
        stream.write(text)
        stream.flush()
        return 0
    except (OSError, ValueError, AttributeError):
        # Python flushes stdout again at exit: point it at /dev/null so that cannot fail loudly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.close(devnull)
        except OSError:
            pass
        say("rolecall: cannot write to standard output (closed, or its reader has gone)")
        return 1
