"""The main screen: the accounts list and its filter, the sessions panel, the details pane and the
status line, with the state that belongs to them: the search index (the list's), the ticking
countdowns and the watch on the cache, the selection.

Its keys act on the selected role through the flows it owns, each in a module of its own:
assuming (tui/assuming.py), IAM Identity Center sign-ins (tui/signins.py), programs run in the
terminal (tui/suspend.py), copying (tui/copying.py) and the console (tui/console.py). Their
workers answer this screen with messages (tui/jobs.py), which it hands to the flow they belong to.
The app opens the engine and hands it here (`show_engine`); a discovery changed on disk makes
this screen ask for it anew (`CatalogChanged`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from rolecall.core.store.watch import Watch
from rolecall.core.text.display import printable
from rolecall.tui import jobs, keys
from rolecall.tui.assuming import Assuming, CodeSource, Then
from rolecall.tui.console import ConsoleOpening
from rolecall.tui.errors import describe
from rolecall.tui.signins import SignIns
from rolecall.tui.suspend import SuspendedRuns
from rolecall.tui.widgets.accounts import AccountsTree
from rolecall.tui.widgets.details import DetailsPane
from rolecall.tui.widgets.filter import FilterInput
from rolecall.tui.widgets.footer import KeysFooter
from rolecall.tui.widgets.sessions import SessionRow, SessionsList
from rolecall.tui.widgets.titlebar import TitleBar

if TYPE_CHECKING:
    from rolecall.core.domain.clock import Clock
    from rolecall.core.domain.credentials import Session
    from rolecall.core.domain.profiles import Profile
    from rolecall.core.domain.search import SearchIndex
    from rolecall.core.engine import Engine
    from rolecall.core.sso.session import SsoSession
    from rolecall.core.store.settings import Settings


class MainScreen(Screen[None]):
    BINDINGS = keys.bindings("main")
    # Where keys go from the start, focused as the screen is composed: focusing the filter (the
    # first focusable widget) and then the list restyled both before the first frame.
    AUTO_FOCUS = "#accounts"

    class CatalogChanged(Message):
        """A discovery changed on disk: the catalog is to be made anew (the app does, in the
        background, and hands the new engine to `show_engine`)."""

    def __init__(
        self,
        *,
        clock: Clock,
        settings: Settings,
        banner: str | None = None,
        code_source: CodeSource | None = None,
        mfa_hint: str | None = None,
        mounted: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__()
        self.mounted = mounted  # the app's start: the list's first screenful, before the first frame
        self.ready = asyncio.Event()  # set once composed and mounted: the app is ready from then on
        self.clock = clock
        self.settings = settings
        self.banner = banner
        self.engine: Engine | None = None  # the app's, once it has one
        self.reloading = False  # asked for a new catalog: the watches wait for it
        self.timer: Timer | None = None  # every countdown's one timer
        self.runs: SuspendedRuns  # made with the timer, which they pause
        self.cache_watch: Watch | None = None  # sessions, MFA sessions, sign-ins: any process may change them
        self.catalog_watch: Watch | None = None  # discoveries: a change makes the catalog anew
        self.filter_input = FilterInput(id="filter")
        self.accounts = AccountsTree(id="accounts")
        self.sessions_list = SessionsList(id="sessions")
        self.status_line = Label("", id="status", markup=False)
        self.details = DetailsPane(id="details")
        self.welcome = Static("", id="welcome", markup=False)  # shown instead of the list when there are no profiles
        self.right = Vertical(id="right")  # the panels' column: they follow the first frame (`show_panels`)
        self.footer = KeysFooter()  # its keys from the second frame on (`start`)
        self.assuming = Assuming(
            self, code_source=code_source, mfa_hint=mfa_hint, assumed=self.assumed, status=self.set_status
        )
        self.sign_ins = SignIns(self, status=self.set_status)
        self.console = ConsoleOpening(self, self.with_session)

    def compose(self) -> ComposeResult:
        yield TitleBar("⇄")
        if self.banner:
            yield Static(self.banner, id="banner")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.filter_input
                yield self.accounts
                yield self.welcome
            yield self.right
        yield self.footer

    async def show_panels(self) -> None:
        """The sessions and details panels, mounted after the first frame, which shows the list and
        their empty column (the layout does not move): ~10 ms sooner. Until then they are kept up
        to date unseen, but for the details pane, which is drawn once it is mounted."""
        await self.right.mount(
            Label("Sessions", id="sessions-title", classes="panel-title"),
            self.sessions_list,
            Label("Details", id="details-title", classes="panel-title"),
            self.details,
            self.status_line,
        )
        self.show_details()

    def on_unmount(self) -> None:
        self.sign_ins.close()

    def on_mount(self) -> None:
        self.timer = self.set_interval(1, self.tick)
        self.runs = SuspendedRuns(
            self.app, settings=self.settings, timer=self.timer, tick=self.tick, status=self.set_status
        )
        self.watch(self.filter_input, "value", self.filter_changed, init=False)
        self.mounted()
        self.call_after_refresh(self.show_panels)
        self.ready.set()

    # ------------------------------------------------------------------ the engine's catalog

    def show_engine(self, engine: Engine, reloaded: bool = False, welcome: str | None = None) -> None:
        """The whole catalog in the list, the sessions panel as the cache is; `welcome` is shown
        instead of the list when there are no profiles."""
        self.engine = engine
        if reloaded:
            self.reloading = False
        self.accounts.loading = False
        self.accounts.set_profiles(list(engine.catalog.profiles.values()))
        self.watch_files(engine.sso_configured())  # kept with the catalog (and its index): no file read here
        self.show_sessions()
        if reloaded:
            self.update_subtitle()
            return
        if welcome is not None:
            self.welcome.update(welcome)
            self.accounts.display = False
            self.welcome.display = True
            self.set_focus(None)  # nothing to filter: keys go to the app (? help, q quit)
        elif not (self.focused is self.filter_input and self.filter_input.value):
            self.accounts.focus()  # it could not take focus while loading; a filter being typed keeps it
        self.update_subtitle()

    def watch_files(self, configured: list[SsoSession]) -> None:
        """Watch the cache and these sessions' files; made before reading, so that a change made
        in between is seen at the next tick."""
        assert self.engine is not None
        self.sign_ins.configured = configured
        self.cache_watch = Watch(self.engine.sso_logins_watch(configured))
        self.catalog_watch = Watch(self.engine.sso_discoveries_watch(configured))

    def reload(self) -> None:
        """Ask for the catalog anew (a discovery changed); keys keep working meanwhile."""
        if not self.reloading:
            self.reloading = True
            self.post_message(self.CatalogChanged())

    # ------------------------------------------------------------------ sessions and countdowns

    def show_sessions(self) -> None:
        """The panel as the cache is now; the sign-ins in it are synced again when due."""
        if self.engine is None:
            return
        engine, now = self.engine, self.clock.now()
        signed_in = engine.sso_sessions(self.sign_ins.configured)
        self.sessions_list.show_cached(engine.cached_sessions(), engine.mfa_sessions(), signed_in, now)
        self.sign_ins.schedule(engine, signed_in, now)
        self.mark_live(now)
        self.update_subtitle()

    def tick(self) -> None:
        now = self.clock.now()
        if self.engine is not None and not self.reloading:
            if self.catalog_watch and self.catalog_watch.changed():
                self.reload()
            elif self.cache_watch and self.cache_watch.changed():
                self.show_sessions()
            self.sign_ins.sync_due(self.engine, now)
        if self.sessions_list.tick(now):
            self.mark_live(now)  # a session expired: its role loses its ●
        self.show_details(now)

    def mark_live(self, now: datetime | None = None) -> None:
        self.accounts.set_live(self.sessions_list.live(now or self.clock.now()))

    def update_subtitle(self) -> None:
        if self.engine:
            count = len(self.engine.catalog.profiles)
            live = len(self.sessions_list.rows)  # every row of the panel: roles, MFA sessions, sign-ins
            self.app.sub_title = (
                f"{count} profile{'s' if count != 1 else ''} · {live} session{'s' if live != 1 else ''}"
            )

    def set_status(self, text: str) -> None:
        self.status_line.update(printable(text), layout=False)  # a one-line, full-width label: no relayout

    @on(AccountsTree.Highlighted, "#accounts")
    def role_highlighted(self) -> None:
        self.show_details()

    def show_details(self, now: datetime | None = None) -> None:
        """The details pane follows the highlighted role and its session (called every tick)."""
        if not self.details.is_mounted:
            return  # drawn once it is (`show_panels`)
        profile = self.accounts.current_profile if self.engine else None
        if profile is None or self.engine is None:
            self.details.show(None, [], None, now or self.clock.now())
            return
        session = self.sessions_list.sessions.get(profile.name)
        self.details.show(profile, self.engine.chain(profile.name), session, now or self.clock.now())

    # ------------------------------------------------------------------ filter

    def action_focus_filter(self) -> None:
        """`/` is a priority binding: handled before the keys that follow are handed on, so they
        land in the filter however fast they come (a binding of the list would move the focus
        only after those keys had gone to the list, where `r` refreshes and `e` runs).
        In any text input, `/` is typed instead (`prod/admin` in the filter, a command line)."""
        if isinstance(self.focused, Input) or self.app.screen is not self:
            raise SkipAction()
        self.set_focus(self.filter_input)

    def action_clear_filter(self) -> None:
        """Esc in the list: the filter it shows is cleared (nothing to clear: Esc is not ours)."""
        if not self.filter_input.value or self.app.screen is not self:
            raise SkipAction()
        self.filter_input.clear()

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

    def selected(self) -> Profile | None:
        profile = self.current_profile()
        if profile is None:
            self.app.notify("select a role first", severity="warning", timeout=3)
        return profile

    def current_row(self) -> SessionRow | None:
        """The MFA session or sign-in row under the cursor, when the sessions panel has the focus."""
        row = self.sessions_list.current_row if self.focused is self.sessions_list else None
        return row if isinstance(row, SessionRow) else None

    @on(AccountsTree.Chosen, "#accounts")
    def role_chosen(self, event: AccountsTree.Chosen) -> None:
        self.assume(event.profile)

    @on(SessionsList.RowSelected, "#sessions")
    def row_chosen(self, event: SessionsList.RowSelected) -> None:
        if event.row.kind == "sso" and self.engine:
            self.sign_ins.sign_in(self.engine, event.row.key.removeprefix("sso:"))

    @on(SessionsList.Selected, "#sessions")
    def session_chosen(self, event: SessionsList.Selected) -> None:
        self.assume_named(event.profile)

    # ------------------------------------------------------------------ assuming

    def assume(self, profile: Profile, then: Then | None = None, force: bool = False) -> None:
        if self.engine is not None:
            self.assuming.assume(self.engine, profile, then, force)

    def assume_named(self, name: str) -> None:
        if self.engine and name in self.engine.catalog.profiles:
            self.accounts.select_profile(name)
            self.assume(self.engine.catalog.profiles[name])

    def with_session(self, then: Then) -> None:
        """Run `then` with the selected role's live session, assuming it first when there is none."""
        profile = self.selected()
        if profile is not None and self.engine is not None:
            self.assuming.with_session(self.engine, profile, then)

    def assumed(self, session: Session) -> None:
        now = self.clock.now()
        self.sessions_list.upsert(session, now)
        self.mark_live(now)
        self.show_details(now)  # now, not at the next tick
        self.update_subtitle()
        self.set_status("")  # the panel counts down; a "left" here would freeze

    @on(jobs.Assumed)
    def assume_done(self, message: jobs.Assumed) -> None:
        self.assuming.done(message)

    def action_assume(self) -> None:
        profile = self.selected()
        if profile:
            self.assume(profile)

    def action_refresh(self) -> None:
        row = self.current_row()
        if row and row.kind == "sso":
            if self.engine:
                self.sign_ins.sync(self.engine, row.key.removeprefix("sso:"))
            return
        if row:
            self.app.notify("an MFA session opens again with the next role that needs it; x forgets it", timeout=4)
            return
        profile = self.selected()
        if profile:
            self.assume(profile, force=True)

    def action_forget(self) -> None:
        row = self.current_row()
        if row and self.engine:
            if row.kind == "mfa":
                self.engine.forget_mfa(row.arn)
                self.sessions_list.remove_profile(row.key)
                self.update_subtitle()
                self.app.notify(f"forgot the MFA session of {row.arn}", timeout=3)
            else:
                name = row.key.removeprefix("sso:")
                self.app.notify(f"to sign out of {name}: rolecall logout {name}", timeout=5)
            return
        profile = self.selected()
        if profile is None or self.engine is None:
            return
        self.engine.forget(profile.name)
        removed = self.sessions_list.remove_profile(profile.name)
        self.mark_live()
        self.show_details()  # now, not at the next tick
        self.update_subtitle()
        self.app.notify(
            f"forgot the session of {profile.name}" if removed else f"{profile.name} had no session", timeout=3
        )

    # ------------------------------------------------------------------ IAM Identity Center

    def action_login(self) -> None:
        """Sign in to the session of the selected sign-in row or SSO role, or to the only one."""
        row = self.current_row()
        name = None
        if row and row.kind == "sso":
            name = row.key.removeprefix("sso:")
        else:
            profile = self.current_profile()
            signs_in = self.engine.sign_in_session(profile.name) if self.engine and profile else None
            if signs_in is not None:
                name = signs_in.name
        if self.engine:
            self.sign_ins.sign_in(self.engine, name)

    @on(jobs.SignedIn)
    def signed_in(self, message: jobs.SignedIn) -> None:
        self.sign_ins.signed_in(message)
        self.show_sessions()

    @on(jobs.SyncProgress)
    def sync_progress(self, message: jobs.SyncProgress) -> None:
        self.sign_ins.progress(message)

    @on(jobs.Synced)
    def synced(self, message: jobs.Synced) -> None:
        self.sign_ins.synced(message)
        self.reload()

    # ------------------------------------------------------------------ with the credentials

    def action_shell(self) -> None:
        engine = self.engine
        if engine is not None:
            self.with_session(lambda session: self.runs.shell(engine, session))

    def action_exec(self) -> None:
        self.with_session(self.runs.ask_command)

    def action_copy(self) -> None:
        from rolecall.tui import copying  # the clipboard's modules: loaded with the first copy

        clear_after = self.settings.clipboard_clear_seconds
        self.with_session(lambda session: copying.choose_format(self.app, session, clear_after))

    def action_console(self) -> None:
        profile = self.selected()
        if profile:
            self.console.pick(profile)

    @on(jobs.ConsoleOpened)
    def console_opened(self, message: jobs.ConsoleOpened) -> None:
        self.console.opened(message)

    # ------------------------------------------------------------------ failures

    @on(jobs.JobFailed)
    def job_failed(self, message: jobs.JobFailed) -> None:
        """A job of this screen's flows failed: the flow drops what it was doing, then one line
        for the user (unless the flow answered otherwise: an MFA code asked, a sign-in cancelled)."""
        message.stop()
        if message.job == "assume" and self.assuming.failed(self.engine, message):
            return
        if message.job in ("sign-in", "sync") and self.sign_ins.failed(message):
            return
        self.set_status("")
        self.app.notify(describe(message.error), title=message.title, severity="error", timeout=10)
