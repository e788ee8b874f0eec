"""Where the console opens: recent services first, or a service, path or URL typed in.

Dismissed with "" (the console home), a service name, or a path or URL as typed; None on Esc.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from rolecall.core.text.display import printable
from rolecall.tui.screens.dialog import Dialog

HOME = "console home"
COMMON = ("s3", "ec2", "iam", "cloudwatch", "lambda", "cloudformation", "rds", "dynamodbv2")
SHOWN = 10


class ConsoleScreen(Dialog[str | None]):
    DEFAULT_CSS = """
    #console-choices {
        height: auto;
        max-height: 12;
        margin-top: 1;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="console.cancel")]

    def __init__(self, profile: str, recent: list[str]):
        super().__init__()
        self.profile = profile
        self.recent = recent
        # recent services first, then common ones not already there
        self.services = list(dict.fromkeys([*recent, *COMMON]))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="console-dialog"):
            yield Label(f"Console as {printable(self.profile)}", classes="dialog-title", markup=False)
            yield Input(placeholder="a service, a console path or URL", id="console-input")
            yield OptionList(*self._options(""), id="console-choices")

    def _options(self, typed: str) -> list[Option]:
        typed = typed.strip().lower()
        options = [] if typed else [Option(HOME, id="")]
        for service in self.services:
            if typed in service:
                note = "  (recent)" if service in self.recent else ""
                options.append(Option(f"{service}{note}", id=service))
        return options[:SHOWN]

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = 0
        self.query_one(Input).focus()

    @on(Input.Changed)
    def filter(self, event: Input.Changed) -> None:
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options(self._options(event.value))
        if choices.option_count:
            choices.highlighted = 0

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """What was typed, as typed; with nothing typed, the highlighted choice."""
        typed = event.value.strip()
        choices = self.query_one(OptionList)
        if typed or choices.highlighted is None:
            self.dismiss(typed)
        else:
            self.dismiss(choices.get_option_at_index(choices.highlighted).id or "")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or "")

    def key_down(self) -> None:
        """Down in the input goes into the list, one choice down (as in a combo box)."""
        if self.focused is self.query_one(Input):
            self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
