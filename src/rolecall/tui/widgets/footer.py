"""The footer: Textual's compact Footer with Help and Quit first, so a narrow terminal shows them.

Textual draws the keys in binding order and cuts what does not fit; at 80 columns that cut
Help and Quit, the two keys that lead to every other one.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

FIRST = ("help", "quit")


class KeysFooter(Footer):
    def __init__(self, **kwargs):
        super().__init__(compact=True, **kwargs)

    def compose(self) -> ComposeResult:
        def place(key) -> int:
            action = getattr(key, "action", None)
            return FIRST.index(action) if action in FIRST else len(FIRST)

        yield from sorted(super().compose(), key=place)
