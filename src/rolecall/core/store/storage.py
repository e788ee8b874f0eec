"""Private files on disk: a 0700 directory, 0600 files written atomically, and file locks.

Nothing here knows what it stores; cache.py, index.py and audit.py build on it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import sys
import time
from pathlib import Path

from rolecall.core.domain.errors import StorageError

TYPE_CHECKING = False  # the fast path imports this module: no typing at run time
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

DIR_MODE = 0o700
FILE_MODE = 0o600
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def _is_ours(info: os.stat_result) -> bool:
    return sys.platform == "win32" or info.st_uid == os.getuid()


def private_dir(path: Path) -> Path:
    """Create `path` as 0700 (and any missing parent, also 0700), or tighten it if it is ours and
    looser; refuse a symbolic link or a directory owned by someone else that others can write."""
    path = Path(path)
    missing = []
    probe = path
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            pass
        except OSError as exc:
            raise StorageError(f"cannot create {folder}: {_why(exc)}") from None
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise StorageError(f"cannot create {path}: {_why(exc)}") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise StorageError(
            f"{path} is a symbolic link or not a directory; refusing to keep credentials there",
            hint="remove it; rolecall creates its own directory",
        )
    if sys.platform != "win32" and stat.S_IMODE(info.st_mode) & 0o077:
        if not _is_ours(info):
            raise StorageError(
                f"{path} is readable by others and not owned by you; refusing to keep credentials there",
                hint="remove it or make it yours with mode 0700",
            )
        try:
            os.chmod(path, DIR_MODE)  # lstat above: not a symbolic link
        except OSError as exc:
            raise StorageError(f"{path} is readable by others and cannot be made private: {_why(exc)}") from None
    return path


def trusted(path: Path) -> bool:
    """Whether a file may be read as credentials: a regular file this user owns that no one else
    can write, in a directory that is the same. An absent file is trusted (it reads as absent)."""
    if sys.platform == "win32":
        return True
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        folder = os.lstat(os.path.dirname(path) or ".")
    except OSError:
        return False
    return (
        stat.S_ISREG(info.st_mode)
        and _is_ours(info)
        and not info.st_mode & 0o022
        and stat.S_ISDIR(folder.st_mode)
        and _is_ours(folder)
        and not folder.st_mode & 0o022
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a 0600 temp file beside `path`, fsync, then rename over it: the old file survives any
    failure, and neither a symbolic link at the temp name nor a symlinked directory is followed."""
    private_dir(path.parent)
    import threading  # here, not at the top: the fast path reads files and never writes them

    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # our own leftover (same pid and thread): O_EXCL below needs the name free
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, FILE_MODE)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StorageError(f"cannot write {path}: {_why(exc)}") from None


STALE_SECONDS = 60
_TMP = re.compile(r"^\..+\.(\d+)\.\d+\.tmp$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


def sweep(folder: Path, now: float | None = None) -> int:
    """Remove temp files an interrupted write left in `folder` (their writer is gone, or they are
    older than a minute): they hold whole credentials. Returns how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        match = _TMP.match(name)
        if not match:
            continue
        path = os.path.join(folder, name)
        try:
            old = now - os.lstat(path).st_mtime > STALE_SECONDS
            if old or not _alive(int(match.group(1))):
                os.unlink(path)
                removed += 1
        except OSError:
            continue
    return removed


def write_json(path: Path, data: object) -> None:
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, or None when absent; a damaged file is moved aside and reads as absent."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {_why(exc)}") from None
    try:
        data = json.loads(raw)
        if isinstance(data, dict):
            return data
    except ValueError:
        pass
    set_aside(path)
    return None


SECRET_FIELDS = ("SecretAccessKey", "SessionToken", "accessToken", "refreshToken", "clientSecret")
_SECRET_VALUE = re.compile(rb'("(?:' + "|".join(SECRET_FIELDS).encode() + rb')"\s*:\s*")(?:[^"\\]|\\.)*("?)')
KEEP_LIMIT = 1 << 20


def redact(raw: bytes) -> bytes:
    """`raw` with the value of every secret field removed, also in a truncated or damaged file."""
    return _SECRET_VALUE.sub(rb"\1<removed>\2", raw)


def read_trusted_json(path: Path) -> dict[str, Any] | None:
    """`read_json` of a file `trusted` allows; one it does not (another owner, writable by others, a
    link) is set aside and reads as absent."""
    if not trusted(path):
        set_aside(path)
        return None
    return read_json(path)


def set_aside(path: Path) -> Path | None:
    """Keep a damaged or untrusted file for inspection as `<name>.bad-<time>`, with its secrets
    removed, and get it out of the way."""
    target = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%dT%H%M%S')}")
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode) and info.st_size <= KEEP_LIMIT:
            fd = os.open(path, os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
            try:
                raw = os.read(fd, KEEP_LIMIT + 1)
            finally:
                os.close(fd)
            write_atomic(target, redact(raw))
            os.unlink(path)
        else:
            os.unlink(path)  # not a file we could have written: nothing to keep
            return None
        return target
    except (OSError, StorageError):
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None


def remove(path: Path) -> bool:
    """Delete a file; whether it was there. A file system that refuses is a StorageError saying why."""
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StorageError(f"cannot remove {path}: {_why(exc)}") from None


def is_kept_aside(name: str) -> bool:
    return ".bad-" in name or bool(_TMP.match(name))


def append_line(path: Path, line: str) -> None:
    """Append one line to a 0600 file (O_APPEND keeps concurrent writers' lines whole)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | NOFOLLOW, FILE_MODE)
        try:
            os.write(fd, (line.rstrip("\n") + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {_why(exc)}") from None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (a lock file beside the data) for the block.

    Fails closed: when no lock can be taken, StorageError, never an unlocked block. On a read-only
    file system an existing lock file is locked read-only, else the directory itself is locked.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | NOFOLLOW, FILE_MODE)
    except OSError as exc:
        if exc.errno != errno.EROFS:
            raise StorageError(f"cannot lock {path}: {_why(exc)}") from None
        try:
            fd = os.open(path if os.path.lexists(path) else path.parent, os.O_RDONLY | NOFOLLOW)
        except OSError as again:
            raise StorageError(f"cannot lock {path}: {_why(again)}") from None
    try:
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            raise StorageError(f"cannot lock {path}: {_why(exc)}") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock
