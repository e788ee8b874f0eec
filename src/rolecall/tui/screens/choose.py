"""A small chooser: a title and an option list; Enter picks, Esc cancels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList

from rolecall.core.text.display import printable
from rolecall.tui.screens.dialog import Dialog


class ChooseScreen(Dialog[str | None]):
    DEFAULT_CSS = """
    #choices {
        height: auto;
        max-height: 10;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, title: str, options: list[str], selected: str | None = None):
        super().__init__()
        self.title_text = title
        self.options = options
        self.selected = selected

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(printable(self.title_text), classes="dialog-title", markup=False)
            yield OptionList(*self.options, id="choices")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        if self.selected in self.options:
            choices.highlighted = self.options.index(self.selected)
        choices.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.options[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
