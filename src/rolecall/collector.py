"""Python's cyclic garbage collector while rolecall starts.

Starting, rolecall makes hundreds of thousands of objects that live as long as the process
(modules, classes, the catalog, the app's widgets) and next to no cyclic garbage; the collector
walks them again and again as they pile up: ~100 ms of a `list` of 5,000 profiles, about a sixth
of the app's first frame. So a command starts with it paused, and it resumes once start-up is
done, when the catalog is made (the CLI's `engine_for`; the app's first catalog, or its first
frame when the catalog is still being read), with what start-up made frozen out of its passes.
A process that runs on (the app, a discovery, the credential server) collects as usual from
then on; one that ends first never collects at all.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def starting() -> Iterator[None]:
    """Paused for a command's start-up, and running again when the command has ended however it
    ended, for a caller in the same process (a test, a program running the CLI's `main`)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_kept = False


def keep_for_good() -> None:
    """What exists now lives as long as the process (the app's first catalog and its tree): out
    of every later pass. Once per process: what a reload replaces must stay collectable."""
    global _kept
    if not _kept:
        _kept = True
        gc.freeze()


def resume() -> None:
    """Start-up is done: what it made is kept out of every later pass (`gc.freeze`), and the
    collector runs again. Nothing when it was not paused (the tests' own process)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
