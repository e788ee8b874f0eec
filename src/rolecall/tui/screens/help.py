"""The help screen: every key as it is bound right now (a user's keymap included), what the
markers in the lists mean and what the countdown colours say. Scrolls when the terminal is small.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rolecall.tui.keys import KEYS, key_name
from rolecall.tui.screens.dialog import Dialog

LEGEND = [
    ("●", "the role has a live session"),
    ("mfa", "assuming it asks for an MFA code (one code serves every role of that device)"),
    ("via X", "assumed through role X first (a chained session lasts at most 1 h)"),
]
COLOURS = [
    ("$success", "0:42:17", "15 minutes or more left"),
    ("$warning", "0:12:00", "under 15 minutes left"),
    ("$error", "0:04:00", "under 5 minutes left: r refreshes"),
    ("$error italic", "expired", "kept in the list until you refresh (r) or forget (x) it"),
]


def bound_keys(keymap: Mapping[str, str]) -> list[tuple[str, str]]:
    """(keys, what they do) for every key of the table, as bound now: `keymap` (binding id to
    keys, the user's settings) overrides the table's keys. Footer keys first, in table order."""
    rows = []
    for key in sorted(KEYS, key=lambda key: not key.show):
        rows.append((key_name(keymap.get(key.id, key.key)), key.help))
    return rows


class HelpScreen(Dialog[None]):
    DEFAULT_CSS = """
    #help-dialog {
        width: 90;
    }

    .help-section {
        margin-top: 1;
    }

    #help-extra {
        margin-top: 1;
        color: $accent;
    }
    """

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, keys: list[tuple[str, str]], extra: str = ""):
        super().__init__()
        self.keys = keys
        self.extra = extra

    def compose(self) -> ComposeResult:
        width = max(len(k) for k, _ in self.keys)
        lines = "\n".join(f"{key.rjust(width)}  {text}" for key, text in self.keys)
        legend_width = max(len(mark) for mark, _ in LEGEND)
        legend = "\n".join(f"{mark.rjust(legend_width)}  {text}" for mark, text in LEGEND)
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Label("rolecall keys", classes="dialog-title")
            yield Static(lines, id="help-keys", markup=False)
            yield Label("Markers", classes="dialog-title help-section")
            yield Static(legend, id="help-legend", markup=False)
            yield Label("Countdowns", classes="dialog-title help-section")
            yield Static(
                "\n".join(f"[{style}]{sample:>8}[/]  {text}" for style, sample, text in COLOURS), id="help-colours"
            )
            if self.extra:
                yield Static(self.extra, id="help-extra", markup=False)
            yield Label("Esc closes", classes="dim")

    def action_close(self) -> None:
        self.dismiss(None)
