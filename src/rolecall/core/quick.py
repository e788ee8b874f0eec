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
from rolecall.core import formats, paths

MARGIN_SECONDS = 300  # the same 5 minutes as credentials.REFRESH_MARGIN
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def entry_file_name(key: str) -> str:
    """A cache entry's file name: the key percent-encoded (as urllib.parse.quote(key, safe=''))."""
    return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in key) + ".json"


def stamp(path) -> list:
    """What identifies a version of a source file: path, size, mtime, inode."""
    try:
        info = os.stat(path)
    except OSError:
        return [str(path), None]
    return [str(path), info.st_size, info.st_mtime_ns, info.st_ino]


def index_file(profiles_path):
    """One index per profiles file, so switching between files does not throw the other away."""
    import zlib

    source = str(paths.profiles_file(profiles_path))
    return paths.cache_dir() / f"index-{zlib.crc32(source.encode('utf-8')):08x}.json"


def index_key(profiles_path) -> list:
    return [__version__] + [
        stamp(p) for p in (paths.profiles_file(profiles_path), paths.aws_config_file(), paths.aws_credentials_file())
    ]


def watched_unchanged(index: dict) -> bool:
    """Whether the other files the index was made from (discovery caches) are as they were."""
    return all(json.loads(json.dumps(stamp(entry[0]))) == entry for entry in index.get("watched", []))


def problems_note(count: int) -> str:
    return f"{count} problem{'s' if count > 1 else ''} in your profiles (those profiles are skipped): run `rolecall check`"


def _parse(argv: list[str]):
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


def cached_entry(profiles, name: str):
    """(profile entry from the index, cached credentials, index problems) when both are current."""
    if os.environ.get("ROLECALL_CACHE_BACKEND", "file") != "file":
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
        with open(root / "sessions" / entry_file_name(name), "rb") as handle:
            cached = json.load(handle)
        session = cached["session"]
        if cached.get("format") != 1 or session["role_arn"] != profile["role_arn"]:
            return None
        credentials = session["credentials"]
        expires = credentials["Expiration"]
        if not expires or _epoch(expires) - time.time() < MARGIN_SECONDS:
            return None
        return profile, credentials, len(index["problems"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _epoch(iso_z: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso_z.replace("Z", "+00:00")).timestamp()


def serve(argv: list[str]) -> int | None:
    """Answer from the cache and return the exit code, or None to let the full CLI answer."""
    parsed = _parse(argv)
    if parsed is None:
        return None
    profiles, command, name, fmt = parsed
    found = cached_entry(profiles, name)
    if found is None:
        return None
    profile, credentials, _ = found
    if command == "process":
        sys.stdout.write(json.dumps(formats.process_json(credentials)) + "\n")
    else:
        sys.stdout.write(formats.render_credentials(fmt, credentials, name, profile.get("region")))
    return 0
