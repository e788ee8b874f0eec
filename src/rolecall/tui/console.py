"""Opening the AWS console (`o`): where to (a picker of recent services, or a service, path or URL
typed in), a role session first when the profile needs one, then the sign-in URL made and opened
in a worker that answers with `jobs.ConsoleOpened`; with no browser here, the URL is copied."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from rolecall.core.domain.credentials import Session
from rolecall.core.domain.errors import RolecallError
from rolecall.core.store import settings as user_settings
from rolecall.tui import jobs

if TYPE_CHECKING:
    from rolecall.core.domain.profiles import Profile
    from rolecall.core.gateways import console

WithSession = Callable[[Callable[[Session], None]], None]


class ConsoleOpening:
    """The console for the selected profile; `screen` shows the picker and runs the worker."""

    def __init__(self, screen: Screen[Any], with_session: WithSession) -> None:
        self.screen = screen
        self.with_session = with_session  # the selected role's session, assumed first if need be

    def pick(self, profile: Profile) -> None:
        from rolecall.core.gateways import console  # urllib.request and http.client: not before the first frame
        from rolecall.tui.screens.console import ConsoleScreen

        self.screen.app.push_screen(
            ConsoleScreen(profile.name, console.recent_services()),
            lambda choice: self.open(profile, choice),
        )

    def open(self, profile: Profile, choice: str | None) -> None:
        """The console on the picker's choice: a role session first (assumed if need be), except for
        a profile that signs in to the console by itself (IAM Identity Center's portal)."""
        from rolecall.core.gateways import browser, console

        if choice is None:
            return
        try:
            request = console.Request.from_choice(choice, logout_first=user_settings.get("console_logout_first"))
            console.check(profile, request)
            command = browser.command(None, chromium_profile=profile.chromium_profile)
        except RolecallError as exc:
            self.screen.app.notify(exc.message, title="console", severity="error")
            return

        def go(session: Session | None) -> None:
            self.screen.run_worker(
                partial(self._open, profile, request, session, command),
                thread=True,
                exit_on_error=False,
                group="console",
            )

        if console.needs_session(profile):
            self.with_session(go)
        else:
            go(None)

    def _open(
        self, profile: Profile, request: console.Request, session: Session | None, command: list[str] | None
    ) -> None:
        """In the worker."""
        from rolecall.core.gateways import console

        def opened() -> jobs.ConsoleOpened:
            target, took = console.open_console(profile, request, session, command)
            return jobs.ConsoleOpened(profile.name, target.url, took)

        jobs.answer(self.screen.post_message, "console", profile.name, opened)

    def opened(self, message: jobs.ConsoleOpened) -> None:
        if message.opened:
            self.screen.app.notify(f"opened the AWS console as {message.profile}", timeout=4)
        else:
            self.screen.app.copy_to_clipboard(message.url)
            self.screen.app.notify(
                f"no browser here: the console sign-in URL for {message.profile} is on the clipboard (15 minutes)"
            )
