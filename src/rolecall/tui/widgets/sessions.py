"""The sessions panel: one line per session with a countdown ticking from the injected clock.

Built on Textual's line API (a ScrollView that draws its own lines): a tick repaints only the
lines whose countdown text changed, one line each, with no widget per row to lay out. Colours
come from the theme through component classes styled in app.tcss.
"""

from __future__ import annotations

from datetime import datetime

from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rolecall.core.credentials import Session, format_remaining

WARNING_SECONDS = 15 * 60
ERROR_SECONDS = 5 * 60
COUNTDOWN_WIDTH = 22


def countdown(session: Session, now: datetime) -> tuple[str, str]:
    """The countdown text and its state: ok, warning (< 15 min), error (< 5 min) or expired."""
    left = session.remaining(now)
    if left is None:
        return "no expiry", "ok"
    seconds = left.total_seconds()
    if seconds <= 0:
        return "expired (r refreshes)", "expired"
    state = "error" if seconds < ERROR_SECONDS else "warning" if seconds < WARNING_SECONDS else "ok"
    return format_remaining(left), state


class SessionsList(ScrollView, can_focus=True):
    """Sessions by profile name, in the order they arrived; the cursor line is highlighted."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("enter", "select", "Assume", show=False),
    ]
    COMPONENT_CLASSES = {
        "sessions--ok", "sessions--warning", "sessions--error", "sessions--expired",
        "sessions--name", "sessions--name-expired", "sessions--cursor",
    }

    cursor = reactive(0)

    class Selected(Message):
        def __init__(self, panel: "SessionsList", profile: str):
            super().__init__()
            self.panel = panel
            self.profile = profile

        @property
        def control(self) -> "SessionsList":
            return self.panel

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sessions: dict[str, Session] = {}
        self.shown: dict[str, tuple[str, str]] = {}
        self._order: list[str] = []

    # -- content

    def upsert(self, session: Session, now: datetime) -> None:
        name = session.profile
        if name not in self.sessions:
            self._order.append(name)
            self.virtual_size = Size(0, len(self._order))
        self.sessions[name] = session
        self.shown[name] = countdown(session, now)
        self.refresh()

    def remove_profile(self, name: str) -> bool:
        if name not in self.sessions:
            return False
        self._order.remove(name)
        del self.sessions[name]
        self.shown.pop(name, None)
        self.virtual_size = Size(0, len(self._order))
        self.cursor = min(self.cursor, max(0, len(self._order) - 1))
        self.refresh()
        return True

    def tick(self, now: datetime) -> None:
        """Recompute every countdown; repaint only the lines whose text or state changed."""
        for line, name in enumerate(self._order):
            shown = countdown(self.sessions[name], now)
            if shown != self.shown.get(name):
                self.shown[name] = shown
                self.refresh_line(line)

    @property
    def current_profile(self) -> str | None:
        return self._order[self.cursor] if 0 <= self.cursor < len(self._order) else None

    def line_text(self, name: str) -> str:
        """What the line of `name` shows, as plain text."""
        return "".join(segment.text for segment in self._line(self._order.index(name), self.size.width or 60))

    # -- drawing

    def render_line(self, y: int) -> Strip:
        line = y + self.scroll_offset.y
        if line >= len(self._order):
            return Strip.blank(self.size.width, self.rich_style)
        return Strip(self._line(line, self.size.width))

    def _line(self, line: int, width: int) -> list[Segment]:
        name = self._order[line]
        text, state = self.shown[name]
        style = self.get_component_rich_style
        name_style = style("sessions--name-expired" if state == "expired" else "sessions--name")
        if line == self.cursor and self.has_focus:
            name_style += style("sessions--cursor")
        room = max(1, width - COUNTDOWN_WIDTH - 2)
        label = name if len(name) <= room else name[: room - 1] + "…"
        return [
            Segment(" " + label.ljust(room) + " ", name_style),
            Segment(text.rjust(COUNTDOWN_WIDTH), style(f"sessions--{state}")),
        ]

    # -- keys

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self.scroll_to_region(Region(0, new, 1, 1), animate=False)

    def on_focus(self) -> None:
        self.refresh_line(self.cursor)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor)

    def action_cursor(self, step: int) -> None:
        if self._order:
            self.cursor = max(0, min(len(self._order) - 1, self.cursor + step))

    def action_select(self) -> None:
        if self.current_profile:
            self.post_message(self.Selected(self, self.current_profile))

    def on_click(self, event) -> None:
        line = event.y + self.scroll_offset.y
        if 0 <= line < len(self._order):
            self.cursor = line
            self.action_select()
