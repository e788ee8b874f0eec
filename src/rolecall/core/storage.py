"""Private files on disk: a 0700 directory, 0600 files written atomically, and file locks.

Nothing here knows what it stores; cache.py, index.py and audit.py build on it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import sys
import threading
import time
from pathlib import Path

from rolecall.core.errors import StorageError

DIR_MODE = 0o700
FILE_MODE = 0o600


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def private_dir(path: Path) -> Path:
    """Create `path` as 0700, or tighten it if it is ours and looser; refuse one owned by someone else."""
    try:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        info = path.stat()
    except OSError as exc:
        raise StorageError(f"cannot create {path}: {_why(exc)}") from None
    if sys.platform != "win32" and stat.S_IMODE(info.st_mode) & 0o077:
        if info.st_uid != os.getuid():
            raise StorageError(
                f"{path} is readable by others and not owned by you; refusing to keep credentials there",
                hint="remove it or make it yours with mode 0700",
            )
        try:
            path.chmod(DIR_MODE)
        except OSError as exc:
            raise StorageError(f"{path} is readable by others and cannot be made private: {_why(exc)}") from None
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a 0600 temp file beside `path`, fsync, then rename over it: the old file survives any failure."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StorageError(f"cannot write {path}: {_why(exc)}") from None


def write_json(path: Path, data: object) -> None:
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))


def read_json(path: Path) -> dict | None:
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


def set_aside(path: Path) -> Path | None:
    """Keep a damaged file for inspection as `<name>.bad-<time>` and get it out of the way."""
    target = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%dT%H%M%S')}")
    try:
        os.replace(path, target)
        return target
    except OSError:
        return None


def append_line(path: Path, line: str) -> None:
    """Append one line to a 0600 file (O_APPEND keeps concurrent writers' lines whole)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            os.write(fd, (line.rstrip("\n") + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {_why(exc)}") from None


@contextlib.contextmanager
def locked(path: Path):
    """Hold an exclusive lock on `path` (a lock file beside the data) for the block."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.ENOSPC, errno.EACCES, errno.EPERM):
            # Nothing can be written here either, so there is nothing to protect: go on unlocked
            # and let the write that follows report the problem.
            yield
            return
        raise StorageError(f"cannot lock {path}: {_why(exc)}") from None
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
