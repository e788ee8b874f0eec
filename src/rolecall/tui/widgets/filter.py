"""The filter: a plain Input whose own keys (Down, Tab, Esc) lead back to the list, the filter
kept (Esc in the list clears it).

Its bindings run in the order the keys were typed, like every Input's in this app (see
RolecallApp.on_event).
"""

from __future__ import annotations

from textual.widgets import Input

from rolecall.tui import keys


class FilterInput(Input):
    BINDINGS = keys.bindings("filter")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="/ filter by account, id, role, tags", id=id)

    def action_leave(self) -> None:
        self.screen.focus_next()
