"""Handing the terminal to another program: the subshell (`s`; with a loopback credential server
when the `subshell_server` setting is on) and a command run once (`e`).

The app suspends while the program runs, with the countdowns paused; a terminal that cannot be
handed over (Textual Web, tests) gets a one-line answer, or, for a command, its output captured.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from rich.console import Console
from textual.app import App, SuspendNotSupported
from textual.timer import Timer

from rolecall.core.domain.errors import RolecallError
from rolecall.core.store import paths
from rolecall.core.text import environ
from rolecall.tui.errors import describe

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials, Session
    from rolecall.core.engine import Engine
    from rolecall.core.shell.server import CredentialServer
    from rolecall.core.store.settings import Settings


class SuspendedRuns:
    """Runs programs with a role's credentials in the app's terminal."""

    def __init__(
        self,
        app: App[object],
        *,
        settings: Settings,
        timer: Timer,
        tick: Callable[[], None],
        status: Callable[[str], None],
    ) -> None:
        self.app = app  # suspends, and says how it went
        self.settings = settings
        self.timer, self.tick = timer, tick  # the countdowns: paused while a program has the terminal
        self.status = status

    def role_env(self, session: Session) -> dict[str, str] | None:
        try:
            environ.check_not_nested(os.environ)
        except RolecallError as exc:
            self.app.notify(exc.message, severity="error")
            return None
        return environ.role_environ(os.environ, session)

    def shell(self, engine: Engine, session: Session) -> None:
        env = self.role_env(session)
        if env is None:
            return
        workdir = paths.cache_dir() / "shell" / quote(session.profile, safe="")
        server = None
        try:
            if self.settings.get("subshell_server"):
                server = self.credential_server(engine, session.profile)
                env = server.environ(os.environ, session.profile, session.region)
            from rolecall.core.gateways import spawn  # with the first run: not before the first frame

            argv, env = spawn.shell_argv(env, session.profile, workdir)
            status = self.run(argv, env, pause=False)
        except (RolecallError, OSError) as exc:
            self.app.notify(describe(exc), title="no shell", severity="error")
            return
        finally:
            if server is not None:
                server.stop()
        if status is None:
            self.app.notify(
                f"this terminal cannot hand over to a shell: use `rolecall shell {session.profile}`", severity="error"
            )
        else:
            self.app.notify(f"shell for {session.profile} exited ({status})", timeout=4)

    def credential_server(self, engine: Engine, profile: str) -> CredentialServer:
        """A started endpoint for the subshell; an MFA code it needs later is asked on the terminal."""
        from rolecall.core.gateways import mfa
        from rolecall.core.shell.server import CredentialServer

        def fetch(refresh: bool) -> Credentials:
            return engine.assume(profile, mfa.default_source(None), refresh=refresh).credentials

        return CredentialServer(fetch, clock=engine.clock, lead=self.settings.get("refresh_before")).start()

    def ask_command(self, session: Session) -> None:
        from rolecall.tui.screens.prompt import PromptScreen

        self.app.push_screen(
            PromptScreen(f"Run with {session.profile}", "command and arguments"),
            lambda line: self.command(session, line) if line else None,
        )

    def command(self, session: Session, line: str) -> None:
        env = self.role_env(session)
        if env is None:
            return
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            self.app.notify(f"cannot parse the command: {exc}", severity="error")
            return
        if not argv:
            return
        try:
            status = self.run(argv, env, pause=True)
            if status is None:  # no terminal to hand over (Textual Web, tests): run it with its output captured
                done = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
                status = done.returncode
                tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
                self.status(tail[0][:200])
        except (RolecallError, OSError) as exc:
            self.app.notify(describe(exc), severity="error")
            return
        self.app.notify(f"`{line}` exited {status}", severity="information" if status == 0 else "warning")

    def run(self, argv: list[str], env: dict[str, str], pause: bool) -> int | None:
        """Hand the terminal to argv and take it back; None when this terminal cannot be suspended.

        Whatever happens while suspended, the app resumes first and the error is raised after:
        Textual's suspend() does not resume when its block raises, which stranded the terminal.
        """
        from rolecall.core.gateways import spawn

        if shutil.which(argv[0], path=env.get("PATH")) is None:
            raise RolecallError(f"cannot run {argv[0]}: command not found")
        self.timer.pause()
        status: int | None = None
        error: Exception | None = None
        try:
            with self.app.suspend():
                try:
                    # the terminal as the app left it is no place for the command's output (a
                    # terminal without an alternate screen, or one that keeps its contents)
                    Console().clear()
                    status = spawn.run(argv, env)
                    if pause:
                        print(f"\n[exit {status}] press Enter to return to rolecall", flush=True)
                        input()
                except (EOFError, KeyboardInterrupt):
                    pass
                except Exception as exc:  # raised below, once the app has its terminal back
                    error = exc
        except SuspendNotSupported:
            return None
        finally:
            self.timer.resume()
            self.tick()
        if error is not None:
            raise error
        return status
