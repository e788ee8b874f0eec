"""The sessions panel: one row per session with a countdown ticking from the injected clock."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import Label, ListItem, ListView

from rolecall.core.credentials import Session, format_remaining

WARNING_SECONDS = 15 * 60
ERROR_SECONDS = 5 * 60


def countdown(session: Session, now: datetime) -> tuple[str, str]:
    """The countdown text and its state class: -ok, -warning (< 15 min), -error (< 5 min), -expired."""
    left = session.remaining(now)
    if left is None:
        return "no expiry", "-ok"
    seconds = left.total_seconds()
    if seconds <= 0:
        return "expired (r refreshes)", "-expired"
    state = "-error" if seconds < ERROR_SECONDS else "-warning" if seconds < WARNING_SECONDS else "-ok"
    return format_remaining(left), state


STATES = ("-ok", "-warning", "-error", "-expired")


class SessionItem(ListItem):
    def __init__(self, session: Session):
        super().__init__(classes="session")
        self.session = session
        self.name_label = Label(session.profile, classes="session-name")
        self.time_label = Label("", classes="countdown")
        self._shown: tuple[str, str] | None = None

    def compose(self):
        yield self.name_label
        yield self.time_label

    def tick(self, now: datetime) -> None:
        """Repaint only when the text or the state changed."""
        shown = countdown(self.session, now)
        if shown == self._shown:
            return
        text, state = shown
        if self._shown is None or self._shown[1] != state:
            self.remove_class(*STATES)
            self.add_class(state)
        # The countdown column has a fixed width (app.tcss), so a new text never needs a layout pass.
        self.time_label.update(text, layout=False)
        self._shown = shown


class SessionsList(ListView):
    """Sessions by profile name; `upsert` and `remove` keep one row per profile."""

    def items(self) -> dict[str, SessionItem]:
        return {item.session.profile: item for item in self.query(SessionItem)}

    def upsert(self, session: Session, now: datetime) -> None:
        existing = self.items().get(session.profile)
        if existing:
            existing.session = session
            existing._shown = None
            existing.tick(now)
            return
        item = SessionItem(session)
        self.append(item)
        item.tick(now)

    def remove_profile(self, name: str) -> bool:
        item = self.items().get(name)
        if item is None:
            return False
        item.remove()
        return True

    def tick(self, now: datetime) -> None:
        for item in self.query(SessionItem):
            item.tick(now)

    @property
    def current_profile(self) -> str | None:
        item = self.highlighted_child
        return item.session.profile if isinstance(item, SessionItem) else None
