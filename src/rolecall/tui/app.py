"""The rolecall app: accounts and roles on the left, live sessions with countdowns on the right.

All AWS work goes through the engine in `@work` threads; each answers with a typed message
(tui/jobs.py) and every failure with `JobFailed`, handled in one place (`job_failed`), so widgets
are only touched on the event loop. One 1-second timer drives every countdown.
"""

from __future__ import annotations

import gc
import os
import re
import shlex
import shutil
import subprocess
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from rich.console import Console
from textual import events, on, work
from textual.actions import SkipAction
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, Keymap
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Header, Input, Label, Static

from rolecall.core.domain.clock import Clock, SystemClock
from rolecall.core.domain.credentials import Credentials, Session
from rolecall.core.domain.errors import MfaCodeRequired, RolecallError
from rolecall.core.domain.profiles import Catalog, Profile
from rolecall.core.domain.search import SearchIndex
from rolecall.core.engine import Engine, IndexedStart
from rolecall.core.gateways import clipboard, mfa, spawn
from rolecall.core.sso.session import SsoSession
from rolecall.core.store import paths
from rolecall.core.store import settings as user_settings
from rolecall.core.store.watch import Watch
from rolecall.core.text import environ, formats
from rolecall.core.text.display import printable
from rolecall.tui import jobs, keys, themes
from rolecall.tui.commands import RolecallCommands
from rolecall.tui.errors import ErrorConsole
from rolecall.tui.keys import key_name
from rolecall.tui.screens.choose import ChooseScreen
from rolecall.tui.screens.help import HelpScreen, bound_keys
from rolecall.tui.screens.login import LoginScreen
from rolecall.tui.screens.mfa import MfaScreen
from rolecall.tui.screens.problems import ProblemsScreen
from rolecall.tui.screens.prompt import PromptScreen
from rolecall.tui.widgets.accounts import AccountsTree
from rolecall.tui.widgets.details import DetailsPane
from rolecall.tui.widgets.filter import FilterInput
from rolecall.tui.widgets.footer import KeysFooter
from rolecall.tui.widgets.sessions import SessionRow, SessionsList

if TYPE_CHECKING:
    from rolecall.core.gateways import console
    from rolecall.core.shell.server import CredentialServer

CodeSource = Callable[[Profile], str]
Then = Callable[[Session], None]  # what to do with a session once there is one
# The Input's own editing keys (not the up/down scrolling it inherits, which a screen may use to
# move focus, as the console picker's Down does).
INPUT_EDITING = frozenset(binding.action for binding in Input.BINDINGS if isinstance(binding, Binding))
SIGN_IN_ADVICE = re.compile(r"run `rolecall login ([^`]+)`(?: again)?")


class RolecallApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "rolecall"
    COMMANDS = App.COMMANDS | {RolecallCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (160, "-wide")]
    BINDINGS = keys.bindings("app")

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
        self.banner = banner
        self.code_source = code_source
        self.mfa_hint = mfa_hint
        self.settings = user_settings.load()
        self.error_console = ErrorConsole(debug=bool(user_settings.from_env("debug")))  # a bug: one line, no locals
        self.keymap: dict[str, str] = {}
        self._startup_notes = self._apply_themes(theme)
        self._assuming: dict[str, tuple[Profile, Callable[[Session], None] | None, bool]] = {}  # by profile name
        self._timer: Timer | None = None
        self._sso: list[SsoSession] = []  # the configured IAM Identity Center sessions
        self._cache_watch: Watch | None = None  # sessions, MFA sessions, sign-ins: any process may change them
        self._catalog_watch: Watch | None = None  # discoveries: a change makes the catalog anew
        self._from_cache: set[str] = set()  # the panel's rows that the cache gave (gone from it: dropped)
        self._reloading = False
        self._syncing: set[str] = set()
        self._resync: dict[str, tuple[SsoSession, datetime]] = {}  # signed-in sessions: when to discover again
        self.closing = (
            threading.Event()
        )  # set as the app ends: a running discovery stops, so quitting never waits for it
        # The main screen's widgets, kept at hand: the timer and workers reach them even while a
        # modal screen is on top (a query would search the modal).
        self.filter_input = FilterInput(id="filter")
        self.accounts = AccountsTree(id="accounts")
        self.sessions_list = SessionsList(id="sessions")
        self.status_line = Label("", id="status", markup=False)
        self.details = DetailsPane(id="details")
        self.welcome = Static("", id="welcome", markup=False)  # shown instead of the list when there are no profiles

    # ------------------------------------------------------------------ layout and start

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="⇄")
        if self.banner:
            yield Static(self.banner, id="banner")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.filter_input
                yield self.accounts
                yield self.welcome
            with Vertical(id="right"):
                yield Label("Sessions", id="sessions-title", classes="panel-title")
                yield self.sessions_list
                yield Label("Details", id="details-title", classes="panel-title")
                yield self.details
                yield self.status_line
        yield KeysFooter()

    def on_mount(self) -> None:
        """What the first frame needs: the keys and the list, from the profiles index when it is
        current (one JSON read); everything else waits for that frame (`_after_first_frame`)."""
        self.accounts.focus()  # where keys go from the start (profiles given: no focus move once they show)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.theme_changed_signal.subscribe(self, self._remember_theme)  # only the user's choices from now on
        self._timer = self.set_interval(1, self.tick)
        self.watch(self.filter_input, "value", self.filter_changed, init=False)
        if self.engine is not None:
            self.show_engine(self.engine)
        elif not self._show_first_profiles():
            self.load_profiles()
        self.call_after_refresh(self._after_first_frame)

    def load_profiles(self) -> None:
        """The sources must be parsed: in the background, while the list says it is loading."""
        self.accounts.loading = True
        self.open_engine(reloaded=False)

    def _show_first_profiles(self) -> bool:
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
        self.accounts.set_profiles(first)
        self.call_after_refresh(self._show_indexed, start)
        return True

    def _show_indexed(self, start: IndexedStart) -> None:
        engine = start.engine()
        if engine is None:
            self.load_profiles()
        else:
            self.show_engine(engine)

    def _after_first_frame(self) -> None:
        """The start-up's notes: themes and settings that were skipped."""
        for note in self._startup_notes:
            self.notify(note, severity="warning", timeout=10)
        for problem in self.settings.problems:
            self.notify(str(problem), title="settings", severity="warning")

    def _apply_themes(self, choice: str | None) -> list[str]:
        """Register the themes and pick one before anything is styled (a later switch restyles
        every widget); returns what to tell the user once the app is up."""
        found, problems = themes.load_themes()
        name, problem = themes.resolve(choice or self.settings.theme, found)
        for theme in found:
            self.register_theme(theme)
        self.theme = name or themes.DEFAULT
        return [f"theme skipped: {item}" for item in problems] + ([problem] if problem else [])

    def _remember_theme(self, theme: Theme) -> None:
        try:
            user_settings.remember("theme", theme.name)
        except RolecallError as exc:
            self.notify(f"theme not remembered: {exc.message}", severity="warning")

    def _open_engine(self) -> Engine:
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

    def _no_engine(self, error: BaseException) -> None:
        """The profiles could not be opened at all: an empty app that says why."""
        self.show_engine(Engine(Catalog(), clock=self.clock))
        self.notify(describe(error), title="profiles not loaded", severity="error", timeout=30)

    # ------------------------------------------------------------------ background work

    @work(thread=True, exit_on_error=False, group="profiles")
    def open_engine(self, reloaded: bool) -> None:
        jobs.answer(
            self.post_message,
            "reload" if reloaded else "load",
            "profiles",
            lambda: jobs.EngineOpened(self._open_engine(), reloaded),
        )

    @on(jobs.EngineOpened)
    def engine_opened(self, message: jobs.EngineOpened) -> None:
        if message.reloaded:
            self._reloading = False
        self.show_engine(message.engine, reloaded=message.reloaded)

    @on(jobs.JobFailed)
    def job_failed(self, message: jobs.JobFailed) -> None:
        """Every background failure: what the job leaves undone, then one line for the user."""
        error, key = message.error, message.key
        if message.job == "load":
            self._no_engine(error)
            return
        if message.job == "reload":
            self._reloading = False
        elif message.job == "assume":
            profile, then, force = self._assuming.pop(key)
            if isinstance(error, MfaCodeRequired):  # a code is needed after all (no code source)
                self.ask_code(profile, error.serial, then, force)
                return
        elif message.job in ("sign-in", "sync"):
            self._syncing.discard(key)
            screen = self.screen
            if isinstance(screen, LoginScreen) and screen.session == key:
                screen.dismiss(None)
            if getattr(error, "code", None) == "Cancelled":
                self.set_status("")
                self.notify(f"sign-in to {key} cancelled", timeout=3)
                return
        self.set_status("")
        self.notify(describe(error), title=message.title, severity="error", timeout=10)

    def on_unmount(self) -> None:
        self.closing.set()

    def show_engine(self, engine: Engine, reloaded: bool = False) -> None:
        self.engine = engine
        engine.warn = self._warn_from_worker
        self.accounts.loading = False
        self.accounts.set_profiles(list(engine.catalog.profiles.values()))
        self._watch(engine.sso_configured())  # kept with the catalog (and its index): no file read here
        self.show_sessions()
        if not gc.get_freeze_count():
            # The first catalog and its tree (tens of thousands of objects with 5,000 profiles)
            # live as long as the app: kept out of the collector's full passes, which otherwise
            # stall a keystroke by ~50 ms every so often. Once only: what a reload replaces must
            # stay collectable.
            gc.freeze()
        if reloaded:
            self._update_subtitle()
            return
        problems = engine.problems()
        if problems:
            self.notify(
                f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in your profiles "
                "(those are skipped): run `rolecall check`",
                severity="warning",
                timeout=10,
            )
        if not engine.catalog.profiles:
            self.welcome.update(welcome_text(paths.profiles_file(self.profiles_path)))
            self.accounts.display = False
            self.welcome.display = True
        if not engine.catalog.profiles:
            self.screen.set_focus(None)  # nothing to filter: keys go to the app (? help, q quit)
        elif not (self.focused is self.filter_input and self.filter_input.value):
            self.accounts.focus()  # it could not take focus while loading; a filter being typed keeps it
        self._update_subtitle()

    def _warn_from_worker(self, message: str) -> None:
        self.call_from_thread(self.notify, message, severity="warning", timeout=10)

    def _watch(self, configured: list[SsoSession]) -> None:
        """Watch the cache and these sessions' files; made before reading, so that a change made
        in between is seen at the next tick."""
        assert self.engine is not None
        self._sso = configured
        self._cache_watch = Watch(self.engine.sso_logins_watch(configured))
        self._catalog_watch = Watch(self.engine.sso_discoveries_watch(configured))

    def show_sessions(self) -> None:
        """The panel as the cache is now: every cached role session (expired ones marked, chained parents too), MFA
        sessions and IAM Identity Center sign-ins. Rows the cache no longer has are dropped; rows
        the app made that the cache never held (credentials that do not expire) stay."""
        if self.engine is None:
            return
        engine, now = self.engine, self.clock.now()
        rows: list[Session | SessionRow] = list(engine.cached_sessions())
        rows += [
            SessionRow(f"mfa:{found.serial}", f"mfa {found.serial}", "mfa", found.expiration, arn=found.serial)
            for found in engine.mfa_sessions()
        ]
        sign_ins = engine.sso_sessions(self._sso)
        rows += [
            SessionRow(f"sso:{session.name}", f"sso {session.name}", "sso", expires, region=session.region)
            for session, expires in sign_ins
        ]
        keys_now = {row.profile if isinstance(row, Session) else row.key for row in rows}
        self.sessions_list.replace(rows, self._from_cache - keys_now, now)
        self._from_cache = keys_now
        self._resync = {}
        for session, expires in sign_ins:
            if expires and expires > now:
                self._resync[session.name] = (session, engine.sso_resync_at(session))
        self._mark_live(now)
        self._update_subtitle()

    def reload_engine(self) -> None:
        """Make the catalog anew in the background (a discovery changed); keys keep working."""
        if self._reloading:
            return
        self._reloading = True
        self.open_engine(reloaded=True)

    def tick(self) -> None:
        now = self.clock.now()
        if self.engine is not None and not self._reloading:
            if self._catalog_watch and self._catalog_watch.changed():
                self.reload_engine()
            elif self._cache_watch and self._cache_watch.changed():
                self.show_sessions()
            for name, (session, due) in list(self._resync.items()):
                if now >= due:
                    del self._resync[name]
                    self.sync_sign_in(session)
        if self.sessions_list.tick(now):
            self._mark_live(now)  # a session expired: its role loses its ●
        self.show_details(now)

    def _mark_live(self, now: datetime | None = None) -> None:
        now = now or self.clock.now()
        live = set()
        for name, session in self.sessions_list.sessions.items():
            left = session.remaining(now)
            if left is None or left.total_seconds() > 0:
                live.add(name)
        self.accounts.set_live(live)

    def _update_subtitle(self) -> None:
        if self.engine:
            count = len(self.engine.catalog.profiles)
            live = len(self.sessions_list.rows)  # every row of the panel: roles, MFA sessions, sign-ins
            self.sub_title = f"{count} profile{'s' if count != 1 else ''} · {live} session{'s' if live != 1 else ''}"

    def set_status(self, text: str) -> None:
        self.status_line.update(printable(text), layout=False)  # a one-line, full-width label: no relayout

    # ------------------------------------------------------------------ filter

    def action_focus_filter(self) -> None:
        """`/` is a priority binding: the app handles it before it hands on the keys that follow,
        so they land in the filter however fast they come (a binding of the list would move the
        focus only after those keys had gone to the list, where `r` refreshes and `e` runs).
        In any text input, `/` is typed instead (`prod/admin` in the filter, a command line)."""
        if isinstance(self.focused, Input) or self.screen is not self.filter_input.screen:
            raise SkipAction()
        self.screen.set_focus(self.filter_input)

    def action_clear_filter(self) -> None:
        """Esc in the list: the filter it shows is cleared (nothing to clear: Esc is not ours)."""
        if not self.filter_input.value or self.screen is not self.filter_input.screen:
            raise SkipAction()
        self.filter_input.clear()

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

    @property
    def search_index(self) -> SearchIndex:
        return self.accounts.index

    def filter_changed(self, value: str) -> None:
        """Watches the filter's value: called as the key is handled, so that the echo of the key
        and the filtered list are drawn in one frame (Input.Changed comes after a frame)."""
        count = self.accounts.filter(value)
        if not value.strip():
            self.set_status("")
        else:
            self.set_status(f"{count} of {self.accounts.total}" if count else f"no matches for {value.strip()!r}")

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.action_assume()

    # ------------------------------------------------------------------ which role

    def current_profile(self) -> Profile | None:
        if self.engine is None:
            return None
        if self.focused is self.sessions_list and self.sessions_list.current_profile:
            return self.engine.catalog.profiles.get(self.sessions_list.current_profile)
        return self.accounts.current_profile

    def _selected(self) -> Profile | None:
        profile = self.current_profile()
        if profile is None:
            self.notify("select a role first", severity="warning", timeout=3)
        return profile

    @on(AccountsTree.Chosen, "#accounts")
    def role_chosen(self, event: AccountsTree.Chosen) -> None:
        self.assume(event.profile)

    @on(SessionsList.RowSelected, "#sessions")
    def row_chosen(self, event: SessionsList.RowSelected) -> None:
        if event.row.kind == "sso":
            session = self._sso_session(event.row.key.removeprefix("sso:"))
            if session:
                self.sign_in(session)

    @on(SessionsList.Selected, "#sessions")
    def session_chosen(self, event: SessionsList.Selected) -> None:
        if self.engine and event.profile in self.engine.catalog.profiles:
            self.accounts.select_profile(event.profile)
            self.assume(self.engine.catalog.profiles[event.profile])

    # ------------------------------------------------------------------ assuming

    def _code(self, profile: Profile) -> str:
        if self.code_source:
            return self.code_source(profile)
        if profile.mfa_process:
            return mfa.from_process(profile)
        raise MfaCodeRequired(profile.mfa_serial or "")

    def action_assume(self) -> None:
        profile = self._selected()
        if profile:
            self.assume(profile)

    def assume_named(self, name: str) -> None:
        if self.engine and name in self.engine.catalog.profiles:
            self.accounts.select_profile(name)
            self.assume(self.engine.catalog.profiles[name])

    def assume(self, profile: Profile, then: Callable[[Session], None] | None = None, force: bool = False) -> None:
        if self.engine is None or profile.name in self._assuming:
            return
        serial = self.engine.code_needed(profile.name, refresh=force)
        if serial and not self.code_source:
            self.ask_code(profile, serial, then, force)
            return
        self._assuming[profile.name] = (profile, then, force)
        self.set_status(f"assuming {profile.name}…")
        self.assume_in_background(self.engine, profile.name, force)

    @work(thread=True, exit_on_error=False, group="assume")
    def assume_in_background(self, engine: Engine, name: str, force: bool) -> None:
        jobs.answer(
            self.post_message,
            "assume",
            name,
            lambda: jobs.Assumed(name, engine.assume(name, self._code, refresh=force)),
        )

    @on(jobs.Assumed)
    def assume_done(self, message: jobs.Assumed) -> None:
        _, then, _ = self._assuming.pop(message.name, (None, None, False))
        self.assumed(message.session, then)

    def ask_code(self, profile: Profile, serial: str, then: Then | None, force: bool) -> None:
        engine = self.engine
        if engine is None:
            return

        def attempt(code: str) -> Session:
            return engine.assume(profile.name, mfa.given(code), refresh=force)

        def done(session: Session | None) -> None:
            if session is None:
                self.set_status("")
                return
            self.assumed(session, then)

        self.push_screen(MfaScreen(serial, profile.name, attempt, hint=self.mfa_hint), done)

    def assumed(self, session: Session, then: Then | None = None) -> None:
        now = self.clock.now()
        self.sessions_list.upsert(session, now)
        self._mark_live(now)
        self._update_subtitle()
        self.set_status("")  # the panel counts down; a "left" here would freeze
        if then:
            then(session)

    def with_session(self, then: Callable[[Session], None]) -> None:
        """Run `then` with the selected role's live session, assuming it first when there is none."""
        profile = self._selected()
        if profile is None or self.engine is None:
            return
        session = self.engine.usable(profile.name)
        if session:
            then(session)
        else:
            self.assume(profile, then)

    def _row(self) -> SessionRow | None:
        """The MFA session or sign-in row under the cursor, when the sessions panel has the focus."""
        row = self.sessions_list.current_row if self.focused is self.sessions_list else None
        return row if isinstance(row, SessionRow) else None

    def action_refresh(self) -> None:
        row = self._row()
        if row and row.kind == "sso":
            session = self._sso_session(row.key.removeprefix("sso:"))
            if session:
                self.sync_sign_in(session)
            return
        if row:
            self.notify("an MFA session opens again with the next role that needs it; x forgets it", timeout=4)
            return
        profile = self._selected()
        if profile:
            self.assume(profile, force=True)

    def action_forget(self) -> None:
        row = self._row()
        if row and self.engine:
            if row.kind == "mfa":
                self.engine.forget_mfa(row.arn)
                self.sessions_list.remove_profile(row.key)
                self._update_subtitle()
                self.notify(f"forgot the MFA session of {row.arn}", timeout=3)
            else:
                self.notify(
                    f"to sign out of {row.key.removeprefix('sso:')}: rolecall logout {row.key.removeprefix('sso:')}",
                    timeout=5,
                )
            return
        profile = self._selected()
        if profile is None or self.engine is None:
            return
        self.engine.forget(profile.name)
        removed = self.sessions_list.remove_profile(profile.name)
        self._mark_live()
        self._update_subtitle()
        self.notify(f"forgot the session of {profile.name}" if removed else f"{profile.name} had no session", timeout=3)

    # ------------------------------------------------------------------ IAM Identity Center

    def _sso_session(self, name: str | None) -> SsoSession | None:
        """The configured session `name` (the only one when None), or None after saying why not."""
        if self.engine is None:
            return None
        try:
            return self.engine.sso_session(name, self._sso)
        except RolecallError as exc:
            self.notify(
                exc.message + (f"\n{exc.hint}" if exc.hint else ""),
                title="IAM Identity Center",
                severity="warning",
                timeout=6,
            )
            return None

    def action_login(self) -> None:
        """Sign in to the session of the selected sign-in row or SSO role, or to the only one."""
        row = self._row()
        name = None
        if row and row.kind == "sso":
            name = row.key.removeprefix("sso:")
        else:
            profile = self.current_profile()
            signs_in = self.engine.sign_in_session(profile.name) if self.engine and profile else None
            if signs_in is not None:
                name = signs_in.name
        session = self._sso_session(name)
        if session:
            self.sign_in(session)

    def sign_in(self, session: SsoSession) -> None:
        """Sign in in the background with a modal saying what to do; then discover its accounts.
        With a browser: the authorization code flow (PKCE); without one (over SSH, say): the device
        code flow, whose URL and code the modal shows for another device."""
        if self.engine is None or session.name in self._syncing:
            return
        screen = LoginScreen(session.name)
        self._syncing.add(session.name)
        self.push_screen(screen)
        self.sign_in_in_background(self.engine, session, screen)

    @work(thread=True, exit_on_error=False, group="sso")
    def sign_in_in_background(self, engine: Engine, session: SsoSession, screen: LoginScreen) -> None:
        def prompt(url: str, user_code: str | None) -> None:
            self.call_from_thread(screen.show_prompt, url, user_code)

        def signed_in_then_synced() -> jobs.Synced:
            expires = engine.sso_login(session, prompt, cancelled=screen.cancelled, browser=_has_browser())
            self.post_message(jobs.SignedIn(session, expires))
            return jobs.Synced(
                session, engine.sso_sync(session, jobs.Meter(self.post_message, session.name), self.closing)
            )

        jobs.answer(self.post_message, "sign-in", session.name, signed_in_then_synced)

    @on(jobs.SignedIn)
    def signed_in(self, message: jobs.SignedIn) -> None:
        session, screen = message.session, self.screen
        if isinstance(screen, LoginScreen) and screen.session == session.name:
            screen.dismiss(None)
        self.notify(f"signed in to {session.name} until {message.expires:%H:%M} UTC", timeout=4)
        self.set_status(f"discovering the accounts and roles of {session.name}…")
        self.show_sessions()

    def sync_sign_in(self, session: SsoSession) -> None:
        """Discover the session's accounts and roles again, in the background."""
        if self.engine is None or session.name in self._syncing:
            return
        self._syncing.add(session.name)
        self.set_status(f"discovering the accounts and roles of {session.name}…")
        self.sync_in_background(self.engine, session)

    @work(thread=True, exit_on_error=False, group="sso")
    def sync_in_background(self, engine: Engine, session: SsoSession) -> None:
        meter = jobs.Meter(self.post_message, session.name)
        jobs.answer(
            self.post_message,
            "sync",
            session.name,
            lambda: jobs.Synced(session, engine.sso_sync(session, meter, self.closing)),
        )

    @on(jobs.SyncProgress)
    def sync_progress(self, message: jobs.SyncProgress) -> None:
        done, known, roles = message.meter.take()
        name = message.meter.session
        if name in self._syncing:
            # short: the status line is as wide as the right column
            self.set_status(f"discovering {name}: {done}/{known} accounts, {roles} role{'s' if roles != 1 else ''}")

    @on(jobs.Synced)
    def synced(self, message: jobs.Synced) -> None:
        session = message.session
        self._syncing.discard(session.name)
        self.set_status("")
        accounts, roles = message.found
        self.notify(
            f"{session.name}: {accounts} account{'s' if accounts != 1 else ''}, "
            f"{roles} role{'s' if roles != 1 else ''}",
            timeout=4,
        )
        self.reload_engine()

    def _role_env(self, session: Session) -> dict[str, str] | None:
        try:
            environ.check_not_nested(os.environ)
        except RolecallError as exc:
            self.notify(exc.message, severity="error")
            return None
        return environ.role_environ(os.environ, session)

    def action_shell(self) -> None:
        self.with_session(self.open_shell)

    def open_shell(self, session: Session) -> None:
        env = self._role_env(session)
        if env is None:
            return
        workdir = paths.cache_dir() / "shell" / quote(session.profile, safe="")
        server = None
        try:
            if self.settings.get("subshell_server") and self.engine is not None:
                server = self._credential_server(self.engine, session.profile)
                env = server.environ(os.environ, session.profile, session.region)
            argv, env = spawn.shell_argv(env, session.profile, workdir)
            status = self._run_suspended(argv, env, pause=False)
        except (RolecallError, OSError) as exc:
            self.notify(describe(exc), title="no shell", severity="error")
            return
        finally:
            if server is not None:
                server.stop()
        if status is None:
            self.notify(
                f"this terminal cannot hand over to a shell: use `rolecall shell {session.profile}`", severity="error"
            )
        else:
            self.notify(f"shell for {session.profile} exited ({status})", timeout=4)

    def _credential_server(self, engine: Engine, profile: str) -> CredentialServer:
        """A started endpoint for the subshell; an MFA code it needs later is asked on the terminal."""
        from rolecall.core.shell.server import CredentialServer

        def fetch(refresh: bool) -> Credentials:
            return engine.assume(profile, mfa.default_source(None), refresh=refresh).credentials

        return CredentialServer(fetch, clock=engine.clock, lead=self.settings.get("refresh_before")).start()

    def action_exec(self) -> None:
        def ask(session: Session) -> None:
            self.push_screen(
                PromptScreen(f"Run with {session.profile}", "command and arguments"),
                lambda line: self.run_command(session, line) if line else None,
            )

        self.with_session(ask)

    def run_command(self, session: Session, line: str) -> None:
        env = self._role_env(session)
        if env is None:
            return
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            self.notify(f"cannot parse the command: {exc}", severity="error")
            return
        if not argv:
            return
        try:
            status = self._run_suspended(argv, env, pause=True)
            if status is None:  # no terminal to hand over (Textual Web, tests): run it with its output captured
                done = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
                status = done.returncode
                tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
                self.set_status(tail[0][:200])
        except (RolecallError, OSError) as exc:
            self.notify(describe(exc), severity="error")
            return
        self.notify(f"`{line}` exited {status}", severity="information" if status == 0 else "warning")

    def _run_suspended(self, argv: list[str], env: dict[str, str], pause: bool) -> int | None:
        """Hand the terminal to argv and take it back; None when this terminal cannot be suspended.

        Whatever happens while suspended, the app resumes first and the error is raised after:
        Textual's suspend() does not resume when its block raises, which stranded the terminal.
        """
        if shutil.which(argv[0], path=env.get("PATH")) is None:
            raise RolecallError(f"cannot run {argv[0]}: command not found")
        if self._timer:
            self._timer.pause()
        status: int | None = None
        error: Exception | None = None
        try:
            with self.suspend():
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
            if self._timer:
                self._timer.resume()
            self.tick()
        if error is not None:
            raise error
        return status

    def action_copy(self) -> None:
        def choose(session: Session) -> None:
            self.push_screen(
                ChooseScreen(f"Copy {session.profile} credentials as", list(formats.FORMATS), selected="env"),
                lambda fmt: self.copy_credentials(session, fmt) if fmt else None,
            )

        self.with_session(choose)

    def copy_credentials(self, session: Session, fmt: str) -> None:
        try:
            text = formats.render(fmt, session)
            self.copy_to_clipboard(text)
            system = clipboard.system_copy(text)
            delay = self.settings.clipboard_clear_seconds
            note = ""
            if system and delay > 0:
                clipboard.clear_later(text, delay)  # a detached clearer: it outlives the app
                note = f"; cleared in {delay:g}s"
        except (RolecallError, OSError) as exc:
            self.notify(describe(exc), title="not copied", severity="error")
            return
        self.notify(f"copied {session.profile} credentials ({fmt}) to the clipboard{note}", timeout=4)

    def action_console(self) -> None:
        from rolecall.core.gateways import console  # urllib.request and http.client: not before the first frame
        from rolecall.tui.screens.console import ConsoleScreen

        profile = self._selected()
        if profile:
            self.push_screen(
                ConsoleScreen(profile.name, console.recent_services()),
                lambda choice: self.open_console(profile, choice),
            )

    def open_console(self, profile: Profile, choice: str | None) -> None:
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
            self.notify(exc.message, title="console", severity="error")
            return

        def go(session: Session | None) -> None:
            self.console_in_background(profile, request, session, command)

        if console.needs_session(profile):
            self.with_session(go)
        else:
            go(None)

    @work(thread=True, exit_on_error=False, group="console")
    def console_in_background(
        self, profile: Profile, request: console.Request, session: Session | None, command: list[str] | None
    ) -> None:
        from rolecall.core.gateways import console

        def opened() -> jobs.ConsoleOpened:
            target, took = console.open_console(profile, request, session, command)
            return jobs.ConsoleOpened(profile.name, target.url, took)

        jobs.answer(self.post_message, "console", profile.name, opened)

    @on(jobs.ConsoleOpened)
    def console_opened(self, message: jobs.ConsoleOpened) -> None:
        if message.opened:
            self.notify(f"opened the AWS console as {message.profile}", timeout=4)
        else:
            self._console_url_to_clipboard(message.profile, message.url)

    def _console_url_to_clipboard(self, profile: str, url: str) -> None:
        self.copy_to_clipboard(url)
        self.notify(f"no browser here: the console sign-in URL for {profile} is on the clipboard (15 minutes)")

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

    # ------------------------------------------------------------------ details

    @on(AccountsTree.Highlighted, "#accounts")
    def role_highlighted(self) -> None:
        self.show_details()

    def show_details(self, now: datetime | None = None) -> None:
        """The details pane follows the highlighted role and its session (called every tick)."""
        profile = self.accounts.current_profile if self.engine else None
        if profile is None or self.engine is None:
            self.details.show(None, [], None, now or self.clock.now())
            return
        session = self.sessions_list.sessions.get(profile.name)
        self.details.show(profile, self.engine.chain(profile.name), session, now or self.clock.now())

    # ------------------------------------------------------------------ help

    def action_help_quit(self) -> None:
        """Ctrl+C: Textual's hint with the key as bound here, in plain words (its own is markup,
        which this app's notifications show as written)."""
        quit_key = key_name(self.keymap.get("quit", "q"))
        self.notify(f"press {quit_key} to quit", title="Do you want to quit?")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(bound_keys(self.keymap), extra=self.mfa_hint or ""))

    def set_keymap(self, keymap: Keymap) -> None:
        """Textual's, remembering the keymap for the help screen (which lists the keys as bound)."""
        self.keymap = dict(keymap)
        super().set_keymap(keymap)

    # ------------------------------------------------------------------ problems

    def action_problems(self) -> None:
        problems = self.engine.problems() if self.engine else []
        self.push_screen(ProblemsScreen([str(problem) for problem in problems]))


def make_app(**options: Any) -> RolecallApp:
    """The one way to build the app: used by the CLI, the demo, the tests and the screenshot script.

    Options are RolecallApp's: profiles, engine, clock, theme, banner, code_source, mfa_hint.
    """
    return RolecallApp(**options)


def welcome_text(profiles_file: Path) -> str:
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


def _has_browser() -> bool:
    """Whether Python's webbrowser has a browser to open ($BROWSER, or one it knows here)."""
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def describe(error: BaseException) -> str:
    """One line for a person: our own errors say what happened; anything else only its kind
    (its text or a traceback could hold credentials)."""
    if isinstance(error, RolecallError):
        return error.message
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}" + (f": {error.filename}" if error.filename else "")
    return f"unexpected error ({type(error).__name__}); run `rolecall` with ROLECALL_DEBUG=1 for details"
