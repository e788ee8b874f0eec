"""The help screen: every key as it is bound right now (a user's keymap included), what the
markers in the lists mean and what the countdown colours say. Scrolls when the terminal is small.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from rolecall.tui.keys import ACTION_HELP, key_name

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


def bound_keys(nodes: list[DOMNode]) -> list[tuple[str, str]]:
    """(keys, what they do) for the actions bound on `nodes`, with the app's keymap applied, in
    binding order. An action bound to several keys is one row; when some of its bindings show in
    the footer, only those keys are listed (Textual's own ctrl+q stays an unlisted alias of q)."""
    found: dict[str, list[tuple[str, Binding]]] = {}
    every = []
    for node in nodes:
        bindings = node._bindings.copy()
        bindings.apply_keymap(node.app._keymap)
        every += [(key, binding) for key, key_bindings in bindings.key_to_bindings.items() for binding in key_bindings]
    # footer keys first, in their order, then the rest (tree keys, the palette)
    for key, binding in sorted(every, key=lambda item: not item[1].show):
        action = binding.action.split("(")[0].rpartition(".")[2]
        if action in ACTION_HELP or binding.show:
            found.setdefault(action, []).append((key_name(key), binding))
    rows = []
    for action, keyed in found.items():
        shown = [(key, binding) for key, binding in keyed if binding.show] or keyed
        keys = list(dict.fromkeys(key for key, _ in shown))
        rows.append((", ".join(keys), ACTION_HELP.get(action, shown[0][1].description)))
    return rows


class HelpScreen(ModalScreen[None]):
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
            yield Static("\n".join(f"[{style}]{sample:>8}[/]  {text}" for style, sample, text in COLOURS),
                         id="help-colours")
            if self.extra:
                yield Static(self.extra, id="help-extra", markup=False)
            yield Label("Esc closes", classes="dim")

    def action_close(self) -> None:
        self.dismiss(None)
