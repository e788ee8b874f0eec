"""What every dialog shares: a modal screen with its box (`.dialog`) in the middle, a title line,
dim notes. These styles, and each dialog's own (its DEFAULT_CSS), are parsed as a dialog first
opens, not before the app's first frame (app.tcss holds the main screen's)."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

Result = TypeVar("Result")


class Dialog(ModalScreen[Result]):
    DEFAULT_CSS = """
    Dialog {
        align: center middle;
    }

    .dialog {
        width: 64;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 1 2;
        border: thick $primary;
        background: $surface;
    }

    .dialog Label {
        width: 100%;
    }

    .dialog-title {
        text-style: bold;
        color: $primary;
        margin-bottom: 1;
    }

    .dim {
        color: $text-muted;
    }
    """
