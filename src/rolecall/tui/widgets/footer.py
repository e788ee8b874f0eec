"""The footer: Textual's compact Footer with Help and Quit first, so a narrow terminal shows them.

Textual draws the keys in binding order and cuts what does not fit; at 80 columns that cut
Help and Quit, the two keys that lead to every other one.

Textual's Footer also builds its keys anew (a dozen widgets to mount, style and lay out) whenever
the bindings may have changed, which is every focus change; this one does so only when the keys
it would show did change. At start-up that spared four rebuilds and their frames. And it shows no
key until `start()`, which the app calls once the list is on the screen: a dozen keys to build
and style would otherwise come before the first frame with names.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

FIRST = ("app.help", "app.quit")


class KeysFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._shown: tuple[list[tuple[Binding, bool, str]], tuple[Binding, bool, str] | None] | None = None
        self.started = False

    def start(self) -> None:
        """The first frame is drawn: show the keys from now on."""
        self.started = True
        if self.is_attached:
            self.bindings_changed(self.screen)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not self.started:
            return
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # which rebuilds nothing here: what is shown stays as remembered
            return
        shown = [
            (binding, enabled, tooltip)
            for _, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        ]
        palette = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        key = (shown, palette[1:] if palette else None)
        if key != self._shown:
            self._shown = key
            super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        def place(key: Widget) -> int:
            action = getattr(key, "action", None)
            return FIRST.index(action) if action in FIRST else len(FIRST)

        yield from sorted(super().compose(), key=place)
