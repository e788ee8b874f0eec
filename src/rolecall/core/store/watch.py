"""Noticing that another process changed the cache, cheaply enough to ask every second.

A `Watch` stats a few paths (the cache's sessions/ and mfa/ directories, each SSO token and
discovery file) and says whether anything changed since it last looked. A directory's mtime moves
when a file in it is created, replaced (the cache writes atomically: temp file + rename) or removed,
so one stat per directory covers every session in it. Only the stamps are kept; no file is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rolecall.core.store.layout import stamp


class Watch:
    def __init__(self, paths: Iterable[Path]):
        self.paths = list(paths)
        self._seen = [stamp(path) for path in self.paths]

    def changed(self) -> bool:
        """True when any watched path is not as it was at the last call (or at the start)."""
        now = [stamp(path) for path in self.paths]
        if now == self._seen:
            return False
        self._seen = now
        return True
