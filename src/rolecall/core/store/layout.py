"""What the cache looks like on disk, in one place: file names, the index name and key, the
format number, the refresh margin, how `Expiration` is read, and the session fingerprint.

Standard library only: the quick path (`rolecall process`) imports this and nothing heavier.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from datetime import UTC, datetime

TYPE_CHECKING = False  # the fast path imports this module: no typing at run time
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

FORMAT = 1
MARGIN_SECONDS = 300  # refresh a cached session when less than 5 minutes are left
MAX_NAME = 120  # longest readable part of a cache file name; longer keys are hashed
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
# What only labels a profile: changing these never changes the session AWS hands out.
COSMETIC = frozenset({"name", "account_name", "role_name", "tags", "origin", "source", "chromium_profile"})


def entry_file_name(key: str) -> str:
    """A cache entry's file name: the key percent-encoded (as urllib.parse.quote(key, safe='')),
    or for a long key a readable prefix and a hash of the whole key, so it fits any file system."""
    quoted = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass")) for c in key)
    return short_name(quoted, key) + ".json"


def short_name(name: str, key: str | None = None) -> str:
    """`name` when it is at most MAX_NAME characters, else `<prefix>-<sha256(key or name)[:16]>`."""
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256((key if key is not None else name).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    prefix = name[: MAX_NAME - 17]
    if "%" in prefix[-2:]:  # never cut a %XX escape in half
        prefix = prefix[: prefix.rindex("%")]
    return f"{prefix}-{digest}"


def fingerprint(profile: dict[str, Any]) -> str:
    """What shapes a session of `profile` (its `Profile.to_dict()` form), as a short hash:
    a cached session is served only to a request with the same fingerprint."""
    shaping = {k: v for k, v in profile.items() if k not in COSMETIC}
    canonical = json.dumps(shaping, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def parse_time(text: object) -> datetime:
    """ISO 8601 (a trailing Z included) to an aware UTC datetime; a naive time is taken as UTC.
    Raises ValueError for anything else."""
    if not isinstance(text, str):
        raise ValueError(f"not an ISO 8601 time: {type(text).__name__}")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def expiration_epoch(value: object) -> float | None:
    """An `Expiration` from a cache file as seconds since the epoch; None when it is not an
    ISO 8601 time (absent, null, a number, garbage): such a session is never served."""
    try:
        return parse_time(value).timestamp()
    except ValueError:
        return None


def stamp(path: str | os.PathLike[str]) -> list[Any]:
    """What identifies a version of a source file: path, size, mtime, inode."""
    try:
        info = os.stat(path)
    except OSError:
        return [str(path), None]
    return [str(path), info.st_size, info.st_mtime_ns, info.st_ino]


def index_file_name(profiles_file: str | os.PathLike[str]) -> str:
    """One index per profiles file, so switching between files does not throw the other away."""
    return f"index-{zlib.crc32(str(profiles_file).encode('utf-8', 'surrogateescape')):08x}.json"


def index_key(version: str, sources: Iterable[str | os.PathLike[str]]) -> list[Any]:
    """The key an index is valid for: rolecall's version and the stamp of every source file."""
    return [version] + [stamp(p) for p in sources]
