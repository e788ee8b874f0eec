"""The problems in the user's profiles, as `rolecall check` prints them: `path:line: message`.

Each problem wraps to the dialog's width (paths are long); the list scrolls when there are many.
Text from the files is shown as written, control characters made visible, never as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rolecall.core.text.display import printable
from rolecall.tui.screens.dialog import Dialog


class ProblemsScreen(Dialog[None]):
    DEFAULT_CSS = """
    #problems-dialog {
        width: 100;
    }

    .problem {
        margin-bottom: 1;
    }
    """

    BINDINGS = [Binding("escape,q,p", "close", "Close", id="problems.close")]

    def __init__(self, problems: list[str]):
        super().__init__()
        self.problems = problems

    def compose(self) -> ComposeResult:
        count = len(self.problems)
        with VerticalScroll(id="problems-dialog", classes="dialog"):
            if count:
                yield Label(
                    f"{count} problem{'s' if count != 1 else ''} in your profiles (those are skipped)",
                    classes="dialog-title",
                )
                for problem in self.problems:
                    yield Static(Text(printable(problem)), classes="problem")
            else:
                yield Label("No problems in your profiles", classes="dialog-title")
            yield Label("the same list as `rolecall check` · Esc closes", classes="dim")

    def action_close(self) -> None:
        self.dismiss(None)
