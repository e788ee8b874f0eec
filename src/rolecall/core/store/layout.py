"""What the cache looks like on disk, in one place: file names, the index name and key, the
fields an index entry leaves out, the format number, the refresh margin, how `Expiration` is
read, and the session fingerprint.

Standard library only: the quick path (`rolecall process`) imports this and nothing heavier, so
neither OpenSSL (hashlib's sha256, ~7 ms to load) nor datetime (~5 ms) is loaded on that path:
CPython's own sha256 gives the same digests, and an expiry as the cache writes it is read with
arithmetic (datetime reads any other form).
"""

from __future__ import annotations

import json
import os
import zlib

TYPE_CHECKING = False  # the fast path imports this module: no typing at run time
if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from typing import Any

FORMAT = 1
MARGIN_SECONDS = 300  # refresh a cached session when less than 5 minutes are left
MAX_NAME = 120  # longest readable part of a cache file name; longer keys are hashed
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def _sha256() -> Any:
    """CPython's own sha256 (`_sha256` in 3.11, `_sha2` later): the same digests as hashlib's,
    without loading OpenSSL; hashlib's where there is none."""
    for module in ("_sha256", "_sha2"):
        try:
            return __import__(module).sha256
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256


_sha256_of = _sha256()


def sha256_hex(data: bytes) -> str:
    digest: str = _sha256_of(data).hexdigest()
    return digest


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
    digest = sha256_hex((key if key is not None else name).encode("utf-8", "surrogatepass"))[:16]
    prefix = name[: MAX_NAME - 17]
    if "%" in prefix[-2:]:  # never cut a %XX escape in half
        prefix = prefix[: prefix.rindex("%")]
    return f"{prefix}-{digest}"


def fingerprint(profile: dict[str, Any]) -> str:
    """What shapes a session of `profile` (its `Profile.to_dict()` form), as a short hash:
    a cached session is served only to a request with the same fingerprint."""
    shaping = {k: v for k, v in profile.items() if k not in COSMETIC}
    canonical = json.dumps(shaping, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return sha256_hex(canonical.encode("ascii"))


def parse_time(text: object) -> datetime:
    """ISO 8601 (a trailing Z included) to an aware UTC datetime; a naive time is taken as UTC.
    Raises ValueError for anything else."""
    from datetime import UTC, datetime

    if not isinstance(text, str):
        raise ValueError(f"not an ISO 8601 time: {type(text).__name__}")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def expiration_epoch(value: object) -> float | None:
    """An `Expiration` from a cache file as seconds since the epoch; None when it is not an
    ISO 8601 time (absent, null, a number, garbage): such a session is never served."""
    if isinstance(value, str) and (epoch := _utc_epoch(value)) is not None:
        return epoch
    try:
        return parse_time(value).timestamp()
    except ValueError:
        return None


def _utc_epoch(text: str) -> float | None:
    """`YYYY-MM-DDTHH:MM:SS[.ffffff]` in UTC (`Z` or `+00:00`), as the cache and AWS write an
    expiry, as seconds since the epoch; None for any other form."""
    body = text[:-1] if text.endswith("Z") else text[:-6] if text.endswith("+00:00") else ""
    clock, dot, fraction = body[11:].partition(".")
    fields = (body[0:4], body[5:7], body[8:10], clock[0:2], clock[3:5], clock[6:8])
    if not (
        len(body) >= 19
        and body[4] + body[7] + body[13] + body[16] == "--::"
        and body[10] in "T "
        and len(clock) == 8
        and all(field.isascii() and field.isdigit() for field in fields)
        and (not dot or (1 <= len(fraction) <= 6 and fraction.isascii() and fraction.isdigit()))
    ):
        return None
    year, month, day, hour, minute, second = (int(field) for field in fields)
    if not (1 <= month <= 12 and 1 <= day <= _days_in(year, month) and hour < 24 and minute < 60 and second < 60):
        return None
    seconds = _days_since_epoch(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return seconds + int(fraction.ljust(6, "0") or 0) / 1e6


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_since_epoch(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil)."""
    year -= month <= 2
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    of_cycle = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    return era * 146097 + of_cycle - 719468


def stamp(path: str | os.PathLike[str]) -> list[Any]:
    """What identifies a version of a source file: path, size, mtime, inode."""
    try:
        info = os.stat(path)
    except OSError:
        return [str(path), None]
    return [str(path), info.st_size, info.st_mtime_ns, info.st_ino]


# An index entry leaves out every field that holds its default (most fields of most profiles):
# half the bytes to write, and to read on every cached `process` at thousands of profiles.
# Profile.from_dict puts them back by the dataclass's own defaults, and `whole_entry` from this
# table, which a test holds equal to them (a `Profile.to_dict()`'s values, as JSON reads them).
PROFILE_DEFAULTS: dict[str, Any] = {
    "source": "profiles.yaml",
    "origin": "",
    "region": None,
    "source_profile": None,
    "via": None,
    "mfa": False,
    "mfa_serial": None,
    "mfa_process": None,
    "duration": 3600,
    "mfa_session_duration": 8 * 3600,
    "external_id": None,
    "role_session_name": None,
    "source_identity": None,
    "session_tags": {},
    "session_policy_arns": [],
    "tags": {},
    "kind": "role",
    "settings": {},
    "chromium_profile": None,
}


def index_entry(profile: dict[str, Any]) -> dict[str, Any]:
    """A profile's `Profile.to_dict()` form as the index keeps it: without its default fields."""
    return {k: v for k, v in profile.items() if k not in PROFILE_DEFAULTS or PROFILE_DEFAULTS[k] != v}


def whole_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """An index entry with its default fields back: the `Profile.to_dict()` form it was made from."""
    return {**PROFILE_DEFAULTS, **entry}


def index_file_name(profiles_file: str | os.PathLike[str]) -> str:
    """One index per profiles file, so switching between files does not throw the other away."""
    return f"index-{zlib.crc32(str(profiles_file).encode('utf-8', 'surrogateescape')):08x}.json"


def index_key(version: str, sources: Iterable[str | os.PathLike[str]]) -> list[Any]:
    """The key an index is valid for: rolecall's version and the stamp of every source file."""
    return [version] + [stamp(p) for p in sources]
