"""The app's background jobs answer with these messages: one per kind of result, and `JobFailed`
for every failure (the one error path). Workers post them; handlers on the app act on them on
the event loop, so no widget is touched from a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

from rolecall.core.domain.errors import RolecallError

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Session
    from rolecall.core.engine import Engine
    from rolecall.core.sso.session import SsoSession


class EngineOpened(Message):
    def __init__(self, engine: Engine, reloaded: bool):
        super().__init__()
        self.engine, self.reloaded = engine, reloaded


class Assumed(Message):
    def __init__(self, name: str, session: Session):
        super().__init__()
        self.name, self.session = name, session


class SignedIn(Message):
    def __init__(self, session: SsoSession, expires: datetime):
        super().__init__()
        self.session, self.expires = session, expires


class Synced(Message):
    def __init__(self, session: SsoSession, found: tuple[int, int]):
        super().__init__()
        self.session, self.found = session, found


class SyncProgress(Message):
    """A discovery has come further: read `meter.take()` for how far."""

    def __init__(self, meter: Meter):
        super().__init__()
        self.meter = meter


class Meter:
    """A discovery's progress callback (engine.sso_sync's `progress`), called in the worker
    thread. It keeps the latest count and posts SyncProgress only when the app has taken the
    one before, so a discovery of thousands of accounts queues one message at a time and the
    app always shows the latest count."""

    def __init__(self, post: Callable[[Message], object], session: str):
        self.post, self.session = post, session
        self.latest = (0, 0, 0)  # accounts done, accounts known, roles found
        self._posted = threading.Event()

    def __call__(self, done: int, known: int, roles: int) -> None:
        self.latest = (done, known, roles)
        if not self._posted.is_set():
            self._posted.set()
            self.post(SyncProgress(self))

    def take(self) -> tuple[int, int, int]:
        """On the event loop: the latest count; the next call posts again."""
        self._posted.clear()
        return self.latest


class ConsoleOpened(Message):
    def __init__(self, profile: str, url: str, opened: bool):
        super().__init__()
        self.profile, self.url, self.opened = profile, url, opened


class JobFailed(Message):
    """`job` ("load", "reload", "assume", "sign-in", "sync", "console") for `key` (a profile or
    an IAM Identity Center session name) raised `error`."""

    TITLES = {
        "load": "profiles not loaded",
        "reload": "reload of the profiles failed",
        "assume": "{key} failed",
        "sign-in": "sign-in to {key} failed",
        "sync": "sync of {key} failed",
        "console": "console for {key} failed",
    }

    def __init__(self, job: str, key: str, error: BaseException):
        super().__init__()
        self.job, self.key, self.error = job, key, error

    @property
    def title(self) -> str:
        return self.TITLES[self.job].format(key=self.key)


def answer(post: Callable[[Message], object], job: str, key: str, work: Callable[[], Message]) -> None:
    """In a worker thread: post what `work` answers, or JobFailed with what it raised (the user
    gets one line either way). An error that is not ours nor the system's is a bug: raised again
    as well, so the worker ends in error and a test waiting on it fails."""
    try:
        message = work()
    except Exception as error:
        post(JobFailed(job, key, error))
        if not isinstance(error, RolecallError | OSError):
            raise
        return
    post(message)
