"""IAM Identity Center from the main screen: signing in (a modal saying what to do, then the
session's accounts and roles discovered), syncing again (`r` on a sign-in row, and on the schedule
the engine sets for each signed-in session), and a discovery's progress on the status line.
Workers answer with `jobs.SignedIn`, `jobs.SyncProgress`, `jobs.Synced` or `jobs.JobFailed`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from rolecall.core.domain.errors import RolecallError
from rolecall.tui import jobs

if TYPE_CHECKING:
    from rolecall.core.engine import Engine
    from rolecall.core.sso.session import SsoSession
    from rolecall.tui.screens.login import LoginScreen


class SignIns:
    """The configured sessions, the sign-ins and syncs under way, and when to sync each again."""

    def __init__(self, screen: Screen[Any], *, status: Callable[[str], None]) -> None:
        self.screen = screen  # runs the workers and gets their answers
        self.status = status
        self.configured: list[SsoSession] = []
        self.busy: set[str] = set()  # signing in or syncing, by session name
        self.resync: dict[str, tuple[SsoSession, datetime]] = {}  # signed-in sessions: when to discover again
        self.closing = threading.Event()  # set as the screen goes: a running discovery stops with it

    def close(self) -> None:
        """The app is ending: a discovery under way stops instead of keeping the process alive."""
        self.closing.set()

    def find(self, engine: Engine, name: str | None) -> SsoSession | None:
        """The configured session `name` (the only one when None), or None after saying why not."""
        try:
            return engine.sso_session(name, self.configured)
        except RolecallError as exc:
            self.screen.app.notify(
                exc.message + (f"\n{exc.hint}" if exc.hint else ""),
                title="IAM Identity Center",
                severity="warning",
                timeout=6,
            )
            return None

    def schedule(self, engine: Engine, signed_in: list[tuple[SsoSession, datetime | None]], now: datetime) -> None:
        """The sessions signed in now, each synced again when the engine says."""
        self.resync = {
            session.name: (session, engine.sso_resync_at(session))
            for session, expires in signed_in
            if expires and expires > now
        }

    def sync_due(self, engine: Engine, now: datetime) -> None:
        for name, (session, due) in list(self.resync.items()):
            if now >= due:
                del self.resync[name]
                self.sync_session(engine, session)

    def sign_in(self, engine: Engine, name: str | None) -> None:
        """Sign in to the session `name` (the only one when None) in the background, with a modal
        saying what to do; then discover its accounts. With a browser: the authorization code flow
        (PKCE); without one (over SSH, say): the device code flow, whose URL and code the modal
        shows for another device."""
        from rolecall.tui.screens.login import LoginScreen

        session = self.find(engine, name)
        if session is None or session.name in self.busy:
            return
        screen = LoginScreen(session.name)
        self.busy.add(session.name)
        self.screen.app.push_screen(screen)
        self.screen.run_worker(
            partial(self._sign_in, engine, session, screen), thread=True, exit_on_error=False, group="sso"
        )

    def _sign_in(self, engine: Engine, session: SsoSession, screen: LoginScreen) -> None:
        """In the worker."""
        post = self.screen.post_message

        def prompt(url: str, user_code: str | None) -> None:
            self.screen.app.call_from_thread(screen.show_prompt, url, user_code)

        def signed_in_then_synced() -> jobs.Synced:
            expires = engine.sso_login(session, prompt, cancelled=screen.cancelled, browser=has_browser())
            post(jobs.SignedIn(session, expires))
            return jobs.Synced(session, engine.sso_sync(session, jobs.Meter(post, session.name), self.closing))

        jobs.answer(post, "sign-in", session.name, signed_in_then_synced)

    def signed_in(self, message: jobs.SignedIn) -> None:
        session = message.session
        self.close_modal(session.name)
        self.screen.app.notify(f"signed in to {session.name} until {message.expires:%H:%M} UTC", timeout=4)
        self.status(f"discovering the accounts and roles of {session.name}…")

    def sync(self, engine: Engine, name: str) -> None:
        session = self.find(engine, name)
        if session is not None:
            self.sync_session(engine, session)

    def sync_session(self, engine: Engine, session: SsoSession) -> None:
        """Discover the session's accounts and roles again, in the background."""
        if session.name in self.busy:
            return
        self.busy.add(session.name)
        self.status(f"discovering the accounts and roles of {session.name}…")
        self.screen.run_worker(partial(self._sync, engine, session), thread=True, exit_on_error=False, group="sso")

    def _sync(self, engine: Engine, session: SsoSession) -> None:
        """In the worker."""
        post = self.screen.post_message
        meter = jobs.Meter(post, session.name)
        jobs.answer(
            post, "sync", session.name, lambda: jobs.Synced(session, engine.sso_sync(session, meter, self.closing))
        )

    def progress(self, message: jobs.SyncProgress) -> None:
        done, known, roles = message.meter.take()
        name = message.meter.session
        if name in self.busy:
            # short: the status line is as wide as the right column
            self.status(f"discovering {name}: {done}/{known} accounts, {roles} role{'s' if roles != 1 else ''}")

    def synced(self, message: jobs.Synced) -> None:
        session = message.session
        self.busy.discard(session.name)
        self.status("")
        accounts, roles = message.found
        self.screen.app.notify(
            f"{session.name}: {accounts} account{'s' if accounts != 1 else ''}, "
            f"{roles} role{'s' if roles != 1 else ''}",
            timeout=4,
        )

    def failed(self, message: jobs.JobFailed) -> bool:
        """A sign-in or sync failed: its modal closed; True when the user cancelled it (said here),
        False when the failure is to be told."""
        self.busy.discard(message.key)
        self.close_modal(message.key)
        if getattr(message.error, "code", None) == "Cancelled":
            self.status("")
            self.screen.app.notify(f"sign-in to {message.key} cancelled", timeout=3)
            return True
        return False

    def close_modal(self, name: str) -> None:
        """The sign-in modal of session `name`, if it is the screen shown, is closed."""
        from rolecall.tui.screens.login import LoginScreen

        screen = self.screen.app.screen
        if isinstance(screen, LoginScreen) and screen.session == name:
            screen.dismiss(None)


def has_browser() -> bool:
    """Whether Python's webbrowser has a browser to open ($BROWSER, or one it knows here)."""
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True
