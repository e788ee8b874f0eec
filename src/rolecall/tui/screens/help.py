"""The help screen: every key, generated from the app's bindings so it never goes stale."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, keys: list[tuple[str, str]], extra: str = ""):
        super().__init__()
        self.keys = keys
        self.extra = extra

    def compose(self) -> ComposeResult:
        width = max(len(k) for k, _ in self.keys)
        lines = "\n".join(f"{key.rjust(width)}  {text}" for key, text in self.keys)
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label("rolecall keys", classes="dialog-title")
            yield Static(lines, id="help-keys")
            if self.extra:
                yield Static(self.extra, id="help-extra")
            yield Label("Esc closes", classes="dim")

    def action_close(self) -> None:
        self.dismiss(None)
