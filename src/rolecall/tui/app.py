"""The rolecall app: what is app-wide. It holds the engine (opened, and made anew when a discovery
changed, in `@work` threads that answer with `jobs.EngineOpened` or `jobs.JobFailed`), the settings,
the themes, the keymap and the error console, and shows the main screen (tui/screens/main.py),
which owns the lists, the panes and the flows their keys start.

The first frame: `start` (as the main screen mounts) reads the profiles index when it is current
(one JSON read) and puts a screenful of its first profiles in the list; the whole catalog, and the
main screen's sessions and details panels, follow that frame.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App
from textual.binding import Binding, Keymap
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Input

from rolecall import collector
from rolecall.core.domain.clock import Clock, SystemClock
from rolecall.core.domain.errors import RolecallError
from rolecall.core.domain.profiles import Catalog
from rolecall.core.engine import Engine, IndexedStart
from rolecall.core.store import paths
from rolecall.core.store import settings as user_settings
from rolecall.core.text.display import printable
from rolecall.tui import jobs, themes
from rolecall.tui.commands import RolecallCommands
from rolecall.tui.errors import ErrorConsole, describe
from rolecall.tui.keys import key_name
from rolecall.tui.screens.main import MainScreen

if TYPE_CHECKING:
    from rolecall.tui.assuming import CodeSource

# The Input's own editing keys (not the up/down scrolling it inherits, which a screen may use to
# move focus, as the console picker's Down does).
INPUT_EDITING = frozenset(binding.action for binding in Input.BINDINGS if isinstance(binding, Binding))
SIGN_IN_ADVICE = re.compile(r"run `rolecall login ([^`]+)`(?: again)?")
WIDE_SCREEN = 160  # columns


class RolecallApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "rolecall"
    COMMANDS = App.COMMANDS | {RolecallCommands}
    # From WIDE_SCREEN columns the sessions panel is as wide as the list (app.tcss). One class, set on the
    # main screen before it is first styled (`start`): a class the first resize added or took away
    # restyled every widget just after the first frame.
    HORIZONTAL_BREAKPOINTS = [(WIDE_SCREEN, "-wide")]

    def __init__(
        self,
        *,
        profiles: str | os.PathLike[str] | None = None,
        engine: Engine | None = None,
        clock: Clock | None = None,
        theme: str | None = None,
        banner: str | None = None,
        code_source: CodeSource | None = None,
        mfa_hint: str | None = None,
    ):
        super().__init__()
        self.profiles_path = profiles
        self.engine = engine
        self.clock = clock or (engine.clock if engine else SystemClock())
        self.mfa_hint = mfa_hint
        self.settings = user_settings.load()
        self.error_console = ErrorConsole(debug=bool(user_settings.from_env("debug")))  # a bug: one line, no locals
        self.keymap: dict[str, str] = {}
        self.startup_notes = self.apply_themes(theme)
        self.main = MainScreen(
            clock=self.clock,
            settings=self.settings,
            banner=banner,
            code_source=code_source,
            mfa_hint=mfa_hint,
            mounted=self.start,
        )

    def get_default_screen(self) -> Screen[None]:
        """The main screen is the app's first screen."""
        return self.main

    async def on_mount(self) -> None:
        """The app is ready (keys are taken) once its main screen is composed and mounted."""
        await self.main.ready.wait()

    def start(self) -> None:
        """What the first frame needs, called as the main screen mounts (before it draws): the
        keys and the list, from the profiles index when it is current (one JSON read); everything
        else waits for that frame (`after_first_frame`; the main screen's panels, `show_panels`)."""
        self.main.set_class(self.size.width >= WIDE_SCREEN, "-wide", update=False)  # styled as it shows
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.theme_changed_signal.subscribe(self, self.remember_theme)  # only the user's choices from now on
        if self.engine is not None:
            self.show_engine(self.engine)
        elif not self.show_first_profiles():
            self.load_profiles()
        self.call_after_refresh(self.after_first_frame)

    def show_first_profiles(self) -> bool:
        """The list's first screenful straight from a current profiles index, for the first frame;
        the whole catalog (5,000 profiles take ~0.3 s: their objects, the tree's nodes, the search
        index) follows that frame. False: no current index."""
        try:
            start = Engine.from_index(self.profiles_path, clock=self.clock)
        except RolecallError:  # open_engine says what is wrong
            return False
        first = start.first(max(self.size.height, 24)) if start else None  # a line each at least: a screenful
        if start is None or first is None:
            return False
        self.main.accounts.set_profiles(first)
        self.call_after_refresh(self.show_indexed, start)
        return True

    def show_indexed(self, start: IndexedStart) -> None:
        engine = start.engine()
        if engine is None:
            self.load_profiles()
        else:
            self.show_engine(engine)

    def after_first_frame(self) -> None:
        """The footer's keys, and the start-up's notes: themes and settings that were skipped.
        The collector runs from here on at the latest (a catalog still being read in a worker,
        from a file that never ends, must not keep it paused)."""
        collector.resume()
        self.main.footer.call_later(self.main.footer.start)  # in the footer's own context: it composes
        for note in self.startup_notes:
            self.notify(note, severity="warning", timeout=10)
        for problem in self.settings.problems:
            self.notify(str(problem), title="settings", severity="warning")

    def apply_themes(self, choice: str | None) -> list[str]:
        """Register the themes and pick one before anything is styled (a later switch restyles
        every widget); returns what to tell the user once the app is up."""
        found, problems = themes.load_themes()
        name, problem = themes.resolve(choice or self.settings.theme, found)
        for theme in found:
            self.register_theme(theme)
        chosen = name or themes.DEFAULT
        if self.get_theme(chosen).dark == self.current_theme.dark:  # type: ignore[union-attr]
            # As light or dark as Textual's own default, whose terminal colours stand: the name is
            # set without the theme's watcher, which would parse every stylesheet a second time
            # before the first frame; the stylesheet gets the theme's variables, the app its class.
            self.set_reactive(App.theme, chosen)
            self.stylesheet.set_variables(self.get_css_variables())
            self.set_class(True, f"-theme-{chosen}", update=False)
        else:
            self.theme = chosen
        return [f"theme skipped: {item}" for item in problems] + ([problem] if problem else [])

    def remember_theme(self, theme: Theme) -> None:
        try:
            user_settings.remember("theme", theme.name)
        except RolecallError as exc:
            self.notify(f"theme not remembered: {exc.message}", severity="warning")

    # ------------------------------------------------------------------ the engine

    def load_profiles(self) -> None:
        """The sources must be parsed: in the background, while the list says it is loading."""
        self.main.accounts.loading = True
        self.open_engine(reloaded=False)

    def reopened_engine(self) -> Engine:
        if self.engine is None:
            return Engine.open(self.profiles_path, clock=self.clock)
        engine = self.engine  # made anew (a discovery changed) with the same collaborators
        return Engine.open(
            self.profiles_path,
            clock=engine.clock,
            cache=engine.cache,
            gateway_factory=engine.gateway_factory,
            audit_path=engine.audit_path,
            session_name=engine.session_name,
        )

    @work(thread=True, exit_on_error=False, group="profiles")
    def open_engine(self, reloaded: bool) -> None:
        jobs.answer(
            self.post_message,
            "reload" if reloaded else "load",
            "profiles",
            lambda: jobs.EngineOpened(self.reopened_engine(), reloaded),
        )

    @on(MainScreen.CatalogChanged)
    def reload_engine(self) -> None:
        """Make the catalog anew in the background (a discovery changed); keys keep working."""
        self.open_engine(reloaded=True)

    @on(jobs.EngineOpened)
    def engine_opened(self, message: jobs.EngineOpened) -> None:
        self.show_engine(message.engine, reloaded=message.reloaded)

    @on(jobs.JobFailed)
    def job_failed(self, message: jobs.JobFailed) -> None:
        """Opening the profiles failed: with none shown yet, an empty app that says why."""
        if message.job == "load":
            self.show_engine(Engine(Catalog(), clock=self.clock))
            self.notify(describe(message.error), title="profiles not loaded", severity="error", timeout=30)
            return
        self.main.reloading = False
        self.main.set_status("")
        self.notify(describe(message.error), title=message.title, severity="error", timeout=10)

    def show_engine(self, engine: Engine, reloaded: bool = False) -> None:
        self.engine = engine
        engine.warn = self.warn_from_worker
        no_profiles = not engine.catalog.profiles and not reloaded
        welcome = welcome_text(paths.profiles_file(self.profiles_path)) if no_profiles else None
        self.main.show_engine(engine, reloaded=reloaded, welcome=welcome)
        # Start-up is done with the first catalog: it and its tree (tens of thousands of objects
        # with 5,000 profiles) live as long as the app, kept out of the collector's passes, which
        # otherwise stall a keystroke by ~50 ms every so often (the collector may be running
        # already: the catalog was read in a worker after the first frame).
        collector.resume()
        collector.keep_for_good()
        problems = engine.problems() if not reloaded else []
        if problems:
            self.notify(
                f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in your profiles "
                "(those are skipped): run `rolecall check`",
                severity="warning",
                timeout=10,
            )

    def warn_from_worker(self, message: str) -> None:
        self.call_from_thread(self.notify, message, severity="warning", timeout=10)

    # ------------------------------------------------------------------ keys and words

    async def on_event(self, event: events.Event) -> None:
        """Keys for a text input keep their order. Textual hands a typed character to the focused
        Input at once, but runs the Input's own bindings (Backspace, arrows, ctrl+w...) only once
        the key has bubbled back up to the app through each container's queue, so in a burst of
        keys (fast typing, a paste, a terminal delivering several keys in one read) a Backspace
        landed after the characters typed behind it (Textual issue #6605). Such a binding is
        queued on the Input itself instead, behind the keys that came before it. This covers
        the filter, the command palette and the modals' inputs (their editing keys only)."""
        if isinstance(event, events.Key) and not event.is_forwarded and not event.is_printable:
            focused = self.focused
            if isinstance(focused, Input):
                active = self.screen.active_bindings.get(event.key)
                if (
                    active is not None
                    and active.node is focused
                    and active.enabled
                    and not active.binding.priority
                    and active.binding.action in INPUT_EDITING
                ):
                    focused.call_later(focused.run_action, active.binding.action)
                    return
        await super().on_event(event)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Textual's notify, with messages as plain text by default: they carry profile names and
        AWS's words, which must never be read as markup or reach the terminal as escapes."""
        # the engine's words are the CLI's: inside the app, a sign-in is a key away
        login = key_name(self.keymap.get("login", "l"))
        message = SIGN_IN_ADVICE.sub(rf"press {login} to sign in to \1", message)
        message = "\n".join(printable(line) for line in message.split("\n"))
        super().notify(message, title=printable(title), severity=severity, timeout=timeout, markup=markup)

    def action_help_quit(self) -> None:
        """Ctrl+C: Textual's hint with the key as bound here, in plain words (its own is markup,
        which this app's notifications show as written)."""
        quit_key = key_name(self.keymap.get("quit", "q"))
        self.notify(f"press {quit_key} to quit", title="Do you want to quit?")

    def action_help(self) -> None:
        from rolecall.tui.screens.help import HelpScreen, bound_keys

        self.push_screen(HelpScreen(bound_keys(self.keymap), extra=self.mfa_hint or ""))

    def action_problems(self) -> None:
        from rolecall.tui.screens.problems import ProblemsScreen

        problems = self.engine.problems() if self.engine else []
        self.push_screen(ProblemsScreen([str(problem) for problem in problems]))

    def set_keymap(self, keymap: Keymap) -> None:
        """Textual's, remembering the keymap for the help screen (which lists the keys as bound)."""
        self.keymap = dict(keymap)
        super().set_keymap(keymap)


def make_app(**options: Any) -> RolecallApp:
    """The one way to build the app: used by the CLI, the demo, the tests and the screenshot script.

    Options are RolecallApp's: profiles, engine, clock, theme, banner, code_source, mfa_hint.
    """
    return RolecallApp(**options)


def welcome_text(profiles_file: os.PathLike[str]) -> str:
    """The first screen without profiles: what to try, and where a profiles file starts from."""
    return (
        "No profiles yet.\n\n"
        "Try rolecall with made-up accounts:\n"
        "  rolecall demo\n\n"
        "Start your own from profiles.example.yaml\n"
        "(every field, commented), copied to\n"
        f"  {printable(str(profiles_file))}\n\n"
        "or add role profiles to ~/.aws/config.\n"
        "rolecall check says what is wrong in either."
    )
