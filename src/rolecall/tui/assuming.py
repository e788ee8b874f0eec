"""Assuming roles from the main screen: at most one assume per profile at a time, in a worker that
answers with `jobs.Assumed` (or `jobs.JobFailed`); the MFA modal when a code is needed (asked
first when the engine knows it will be, or when the worker finds it is); and what to do with the
session once there is one (`then`: a shell, a copy, the console...)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from rolecall.core.domain.credentials import Session
from rolecall.core.domain.errors import MfaCodeRequired
from rolecall.core.domain.profiles import Profile
from rolecall.tui import jobs

if TYPE_CHECKING:
    from rolecall.core.engine import Engine

CodeSource = Callable[[Profile], str]
Then = Callable[[Session], None]  # what to do with a session once there is one


class Assuming:
    """The assumes under way, by profile name, each with its `then` and whether it refreshes."""

    def __init__(
        self,
        screen: Screen[Any],
        *,
        code_source: CodeSource | None,
        mfa_hint: str | None,
        assumed: Callable[[Session], None],
        status: Callable[[str], None],
    ) -> None:
        self.screen = screen  # runs the workers, gets their answers, shows the MFA modal
        self.code_source = code_source  # codes without asking (the demo, tests)
        self.mfa_hint = mfa_hint
        self.assumed = assumed  # a session to show
        self.status = status
        self.pending: dict[str, tuple[Profile, Then | None, bool]] = {}

    def code(self, profile: Profile) -> str:
        """In the worker: a code without asking, or MfaCodeRequired (the modal asks then)."""
        if self.code_source:
            return self.code_source(profile)
        if profile.mfa_process:
            from rolecall.core.gateways import mfa  # with the first code: not before the first frame

            return mfa.from_process(profile)
        raise MfaCodeRequired(profile.mfa_serial or "")

    def assume(self, engine: Engine, profile: Profile, then: Then | None = None, force: bool = False) -> None:
        if profile.name in self.pending:
            return
        serial = engine.code_needed(profile.name, refresh=force)
        if serial and not self.code_source:
            self.ask_code(engine, profile, serial, then, force)
            return
        self.pending[profile.name] = (profile, then, force)
        self.status(f"assuming {profile.name}…")
        self.screen.run_worker(
            partial(self._assume, engine, profile.name, force), thread=True, exit_on_error=False, group="assume"
        )

    def _assume(self, engine: Engine, name: str, force: bool) -> None:
        """In the worker."""
        jobs.answer(
            self.screen.post_message,
            "assume",
            name,
            lambda: jobs.Assumed(name, engine.assume(name, self.code, refresh=force)),
        )

    def with_session(self, engine: Engine, profile: Profile, then: Then) -> None:
        """Run `then` with the profile's live session, assuming it first when there is none."""
        session = engine.usable(profile.name)
        if session:
            then(session)
        else:
            self.assume(engine, profile, then)

    def done(self, message: jobs.Assumed) -> None:
        _, then, _ = self.pending.pop(message.name, (None, None, False))
        self.finish(message.session, then)

    def failed(self, engine: Engine | None, message: jobs.JobFailed) -> bool:
        """An assume failed: True when a code turned out to be needed (no code source), which the
        modal now asks for; False when the user is to be told."""
        profile, then, force = self.pending.pop(message.key)
        if isinstance(message.error, MfaCodeRequired) and engine is not None:
            self.ask_code(engine, profile, message.error.serial, then, force)
            return True
        return False

    def ask_code(self, engine: Engine, profile: Profile, serial: str, then: Then | None, force: bool) -> None:
        from rolecall.core.gateways import mfa
        from rolecall.tui.screens.mfa import MfaScreen

        def attempt(code: str) -> Session:
            return engine.assume(profile.name, mfa.given(code), refresh=force)

        def done(session: Session | None) -> None:
            if session is None:
                self.status("")
                return
            self.finish(session, then)

        self.screen.app.push_screen(MfaScreen(serial, profile.name, attempt, hint=self.mfa_hint), done)

    def finish(self, session: Session, then: Then | None) -> None:
        self.assumed(session)
        if then:
            then(session)
