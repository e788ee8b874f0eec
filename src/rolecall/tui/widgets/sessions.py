"""The sessions panel: one row per session with a countdown ticking from the injected clock.

Built on Textual's line API (a ScrollView that draws its own lines): a tick repaints only the
lines whose countdown text changed, with no widget per row to lay out. Colours come from the
theme through component classes styled in app.tcss.

Besides role sessions the panel lists MFA sessions (`mfa <device>`) and IAM Identity Center
sign-ins (`sso <session>`, or `signed out`): `SessionRow`s, kept under keys of their own.

A row is the session's name, whole, and its countdown; a name too long for the width takes the
lines it needs, the countdown on the last. A panel at least WIDE columns wide also shows the
account id, the region, the expiry time (UTC) and a bar of the time left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rolecall.core.domain.credentials import Session
from rolecall.core.text.display import printable
from rolecall.tui.widgets.countdown import BAR_WIDTH, countdown, time_bar, time_left_fraction

if TYPE_CHECKING:
    from rolecall.core.engine import MfaSession
    from rolecall.core.sso.session import SsoSession

COUNTDOWN_WIDTH = 7  # H:MM:SS; wider when a longer text ("expired (r refreshes)") is shown
WIDE = 76
ACCOUNT_WIDTH = 12
REGION_WIDTH = 14
EXPIRES_WIDTH = 9  # 13:00 UTC


@dataclass(frozen=True)
class SessionRow:
    """A row that is not a role session: an MFA session (kind "mfa") or an IAM Identity Center
    sign-in (kind "sso"; no expiration when signed out)."""

    key: str
    label: str
    kind: str
    expiration: datetime | None
    arn: str = ""
    region: str | None = None
    assumed_at: datetime | None = None

    def remaining(self, now: datetime) -> timedelta | None:
        return self.expiration - now if self.expiration else None


Row = Session | SessionRow


def account_of(session: Row) -> str:
    parts = (session.role_arn if isinstance(session, Session) else session.arn).split(":")
    return parts[4] if len(parts) > 4 else ""


def expiry_text(session: Row) -> str:
    return session.expiration.astimezone(UTC).strftime("%H:%M UTC") if session.expiration else ""


def wrap(text: str, width: int) -> list[str]:
    """`text` cut into lines of `width` cells, preferring to break after a `/` or `-`."""
    lines = []
    while len(text) > width:
        cut = max(text.rfind("/", 0, width), text.rfind("-", 0, width)) + 1
        cut = cut if cut > width // 2 else width
        lines.append(text[:cut])
        text = text[cut:]
    return lines + [text]


class SessionsList(ScrollView, can_focus=True):
    """Rows by key (a role session's key is its profile name), in the order they arrived; the
    cursor line is highlighted."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("enter", "select", "Assume", show=False),
    ]
    COMPONENT_CLASSES = {
        "sessions--ok",
        "sessions--warning",
        "sessions--error",
        "sessions--expired",
        "sessions--name",
        "sessions--name-expired",
        "sessions--cursor",
        "sessions--detail",
    }

    cursor = reactive(0)

    class Selected(Message):
        def __init__(self, panel: SessionsList, profile: str):
            super().__init__()
            self.panel = panel
            self.profile = profile

        @property
        def control(self) -> SessionsList:
            return self.panel

    class RowSelected(Message):
        """Enter on an MFA session or a sign-in row."""

        def __init__(self, panel: SessionsList, row: SessionRow):
            super().__init__()
            self.panel = panel
            self.row = row

        @property
        def control(self) -> SessionsList:
            return self.panel

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: dict[str, Row] = {}
        self.shown: dict[str, tuple[str, str]] = {}
        self._widest: int | None = None  # the widest countdown shown: measured once per change, not per line drawn
        self._order: list[str] = []
        self._rows: list[tuple[str, int, int]] = []  # per line: (name, its index in _order, which line of its row)
        self._first_line: dict[str, int] = {}
        self._pieces: dict[str, list[str]] = {}  # per row, its name's pieces as laid out: one per line
        self._now: datetime | None = None
        self._laid_width = 0  # the width the rows were laid out for
        self._cached: set[str] = set()  # the rows the cache gave (gone from it: dropped)

    # -- content

    @property
    def sessions(self) -> dict[str, Session]:
        """The role sessions shown, by profile name."""
        return {key: row for key, row in self.rows.items() if isinstance(row, Session)}

    def upsert(self, session: Row, now: datetime) -> None:
        self._put(session)
        self.shown[_key(session)] = countdown(session, now)
        self._widest = None
        self._now = now
        self._layout_rows()
        self.refresh()

    def _put(self, row: Row) -> None:
        key = _key(row)
        if key not in self.rows:
            self._order.append(key)
        self.rows[key] = row

    def replace(self, rows: list[Row], gone: set[str], now: datetime) -> None:
        """Show `rows` (new ones at the end, changed ones in place) and drop the rows keyed in `gone`."""
        for key in gone:
            self._drop(key)
        for row in rows:
            self._put(row)
            self.shown[_key(row)] = countdown(row, now)
            self._widest = None
        self._now = now
        self.cursor = min(self.cursor, max(0, len(self._order) - 1))
        self._layout_rows()
        self.refresh()

    def show_cached(
        self,
        sessions: list[Session],
        mfa_sessions: list[MfaSession],
        sign_ins: list[tuple[SsoSession, datetime | None]],
        now: datetime,
    ) -> None:
        """The cache as it is now: role sessions (expired ones marked, chained parents too), MFA
        sessions and IAM Identity Center sign-ins. Rows it gave before and no longer has are
        dropped; rows the app added that the cache never held (credentials that do not expire) stay."""
        rows: list[Row] = list(sessions)
        rows += [
            SessionRow(f"mfa:{found.serial}", f"mfa {found.serial}", "mfa", found.expiration, arn=found.serial)
            for found in mfa_sessions
        ]
        rows += [
            SessionRow(f"sso:{session.name}", f"sso {session.name}", "sso", expires, region=session.region)
            for session, expires in sign_ins
        ]
        keys = {_key(row) for row in rows}
        self.replace(rows, self._cached - keys, now)
        self._cached = keys

    def _drop(self, key: str) -> bool:
        if key not in self.rows:
            return False
        self._order.remove(key)
        del self.rows[key]
        self.shown.pop(key, None)
        self._widest = None
        return True

    def remove_profile(self, name: str) -> bool:
        if not self._drop(name):
            return False
        self.cursor = min(self.cursor, max(0, len(self._order) - 1))
        self._layout_rows()
        self.refresh()
        return True

    def live(self, now: datetime) -> set[str]:
        """The profiles whose role session has not expired (or never does)."""
        live = set()
        for name, session in self.sessions.items():
            left = session.remaining(now)
            if left is None or left.total_seconds() > 0:
                live.add(name)
        return live

    def tick(self, now: datetime) -> bool:
        """Recompute every countdown; repaint only the rows whose text or state changed (and,
        when wide, whose time-left bar moved). True when a row's state changed (one expired)."""
        wide = self._laid_width >= WIDE  # as laid out: asking the widget its size costs more than the tick
        before = self._countdown_width()
        changed, states_changed = [], False
        for name in self._order:
            session = self.rows[name]
            shown = countdown(session, now)
            bar_moved = wide and self._bar(session, self._now) != self._bar(session, now)
            was = self.shown.get(name)
            if shown != was or bar_moved:
                states_changed |= was is None or shown[1] != was[1]
                self.shown[name] = shown
                self._widest = None
                changed.append(name)
        self._now = now
        if self._countdown_width() != before:
            self._layout_rows()
            self.refresh()
        elif len(changed) * 2 > len(self._order):
            # most rows changed (every countdown ticks each second): one region, not one per row,
            # and only the lines with rows (the panel's empty lines below need no repaint)
            self.refresh_lines(0, len(self._rows))
        else:
            for name in changed:
                self._refresh_row(name)
        return states_changed

    @property
    def current_row(self) -> Row | None:
        return self.rows[self._order[self.cursor]] if 0 <= self.cursor < len(self._order) else None

    @property
    def current_profile(self) -> str | None:
        """The profile of the role session under the cursor (None on an MFA or sign-in row)."""
        row = self.current_row
        return row.profile if isinstance(row, Session) else None

    def line_text(self, name: str) -> str:
        """What the row keyed `name` shows, as plain text (its lines joined)."""
        index = self._order.index(name)
        return "".join(
            segment.text
            for part in range(self._lines_of(name))
            for segment in self._line(index, part, self._laid_width)
        )

    # -- layout

    @property
    def _width(self) -> int:
        """The columns a line has: the panel's, less its scrollbar when it has one."""
        return self.scrollable_content_region.width

    def _countdown_width(self) -> int:
        if self._widest is None:
            self._widest = max([COUNTDOWN_WIDTH, *(len(text) for text, _ in self.shown.values())])
        return self._widest

    def _name_room(self, width: int) -> int:
        room = width - self._countdown_width() - 3
        if width >= WIDE:
            room -= ACCOUNT_WIDTH + REGION_WIDTH + EXPIRES_WIDTH + BAR_WIDTH + 4
        return max(1, room)

    def _row_lines(self, name: str, width: int) -> list[str]:
        """The name's pieces, one per line of its row: one piece when it fits."""
        row = self.rows[name]
        label = printable(row.label if isinstance(row, SessionRow) else name)
        room = self._name_room(width)
        if len(label) <= room:
            return [label]
        return wrap(label, max(1, width - 2)) + [""]

    def _layout_rows(self) -> None:
        width = self._width or 60
        self._laid_width = width
        self._rows, self._first_line, self._pieces = [], {}, {}
        line = 0
        for index, name in enumerate(self._order):
            self._pieces[name] = self._row_lines(name, width)
            count = len(self._pieces[name])
            self._first_line[name] = line
            self._rows.extend((name, index, part) for part in range(count))
            line += count
        self.virtual_size = Size(0, line)

    def on_resize(self) -> None:
        if self._rows and self._width != self._laid_width:  # else drawn at this width already
            self._layout_rows()
            self.refresh()

    def _refresh_row(self, name: str) -> None:
        """Repaint the lines of one row, as laid out (a tick must not measure every row again)."""
        self.refresh_lines(self._first_line.get(name, 0), self._lines_of(name))

    def _lines_of(self, name: str) -> int:
        """How many lines the row keyed `name` takes, as laid out."""
        return len(self._pieces.get(name, [""]))

    def _bar(self, session: Row, now: datetime | None) -> str:
        fraction = time_left_fraction(session, now) if now else None
        return time_bar(fraction) if fraction is not None else " " * BAR_WIDTH

    # -- drawing

    def render_line(self, y: int) -> Strip:
        line, width = y + self.scroll_offset.y, self._width
        if line >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        if width != self._laid_width:
            # The width changed with no Resize (a scrollbar came or went): lay the rows out for it
            # (a long name may take one line more or less) before drawing any of them.
            self._layout_rows()
            if line >= len(self._rows):
                return Strip.blank(width, self.rich_style)
        _, index, part = self._rows[line]
        return Strip(self._line(index, part, width))

    def _line(self, index: int, part: int, width: int) -> list[Segment]:
        name = self._order[index]
        text, state = self.shown[name]
        style = self.get_component_rich_style
        name_style = style("sessions--name-expired" if state == "expired" else "sessions--name")
        if index == self.cursor and self.has_focus:
            name_style += style("sessions--cursor")
        pieces = self._pieces[name]
        if part < len(pieces) - 1:  # a line of a long name, above the line with the countdown
            return [Segment(" " + pieces[part].ljust(max(0, width - 1)), name_style)]
        room = self._name_room(width)
        segments = [Segment(" " + pieces[part].ljust(room) + " ", name_style)]
        if width >= WIDE:
            session = self.rows[name]
            dim = style("sessions--detail")
            segments += [
                Segment(account_of(session).ljust(ACCOUNT_WIDTH) + " ", dim),
                Segment(printable(session.region or "")[:REGION_WIDTH].ljust(REGION_WIDTH) + " ", dim),
                Segment(expiry_text(session).ljust(EXPIRES_WIDTH) + " ", dim),
                Segment(self._bar(session, self._now) + " ", style(f"sessions--{state}")),
            ]
        segments.append(Segment(text.rjust(self._countdown_width()) + " ", style(f"sessions--{state}")))
        return segments

    # -- keys

    def _refresh_index(self, index: int) -> None:
        if 0 <= index < len(self._order):
            self._refresh_row(self._order[index])

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_index(old)
        self._refresh_index(new)
        if 0 <= new < len(self._order):
            name = self._order[new]
            self.scroll_to_region(Region(0, self._first_line.get(name, 0), 1, self._lines_of(name)), animate=False)

    def on_focus(self) -> None:
        self._refresh_index(self.cursor)

    def on_blur(self) -> None:
        self._refresh_index(self.cursor)

    def action_cursor(self, step: int) -> None:
        if self._order:
            self.cursor = max(0, min(len(self._order) - 1, self.cursor + step))

    def action_select(self) -> None:
        if self.current_profile:
            self.post_message(self.Selected(self, self.current_profile))
        elif isinstance(self.current_row, SessionRow):
            self.post_message(self.RowSelected(self, self.current_row))

    def on_click(self, event: events.Click) -> None:
        line = event.y + self.scroll_offset.y
        if 0 <= line < len(self._rows):
            self.cursor = self._rows[line][1]
            self.action_select()


def _key(row: Row) -> str:
    return row.profile if isinstance(row, Session) else row.key
