"""The IAM Identity Center sign-in modal: what is happening while the person signs in.

The app runs the sign-in in a worker; this screen is told, from the event loop, what the person
must do (the page opened in the browser, or the verification URL and the user code of the device
flow), which `c` copies. It closes when the sign-in succeeds; Esc cancels it (the worker stops
waiting). URLs and codes are shown as plain text, never as markup.
"""

from __future__ import annotations

import threading

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from rolecall.core.text.display import printable
from rolecall.tui.screens.dialog import Dialog


class LoginScreen(Dialog[None]):
    DEFAULT_CSS = """
    #login-url {
        margin-top: 1;
        color: $accent;
    }

    #login-keys {
        margin-top: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="login.cancel"),
        Binding("c", "copy", "Copy", id="login.copy"),
    ]

    def __init__(self, session: str):
        super().__init__()
        self.session = session
        self.cancelled = threading.Event()
        self.url: str | None = None
        self.user_code: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="login-dialog", classes="dialog"):
            yield Label(printable(f"Sign in to {self.session}"), classes="dialog-title", markup=False)
            yield Static("starting the sign-in…", id="login-status", markup=False)
            yield Static("", id="login-url", markup=False)
            yield Label("Esc cancels", id="login-keys", classes="dim")

    def show_prompt(self, url: str, user_code: str | None) -> None:
        """Called on the event loop with what the person must open (and confirm)."""
        self.url, self.user_code = url, user_code
        if user_code:
            status = f"open this page and confirm the code {user_code}:"
        else:
            status = "the sign-in page is open in your browser; if it did not open, visit:"
        self.query_one("#login-status", Static).update(printable(status))
        self.query_one("#login-url", Static).update(printable(url))
        self.query_one("#login-keys", Label).update(
            "c copies the URL" + (" and code" if user_code else "") + " · Esc cancels"
        )

    def action_copy(self) -> None:
        if self.url is None:
            return
        self.app.copy_to_clipboard(self.url + (f"\n{self.user_code}" if self.user_code else ""))
        self.app.notify("copied the sign-in URL" + (" and code" if self.user_code else ""), timeout=3)

    def on_unmount(self) -> None:
        self.cancelled.set()  # the app is quitting (or the sign-in ended): the wait stops with it

    def action_cancel(self) -> None:
        self.cancelled.set()
        self.dismiss(None)
