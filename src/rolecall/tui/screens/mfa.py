"""The MFA modal: one six-digit input; AWS's answer to a wrong code is shown here for a retry.

Every line wraps to the dialog's width (AWS's messages and network errors are long) and is plain
text: a serial, a profile name or an AWS message is never read as markup."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.validation import Regex
from textual.widgets import Input, Label

from rolecall.core.domain.credentials import Session
from rolecall.core.domain.errors import RolecallError
from rolecall.core.text.display import printable
from rolecall.tui.screens.dialog import Dialog


class MfaScreen(Dialog[Session | None]):
    """Dismisses with the Session that the code opened, or None when cancelled."""

    DEFAULT_CSS = """
    #mfa-code {
        margin-top: 1;
        width: 20;
    }

    #mfa-message {
        color: $error;
        height: auto;
        margin-top: 1;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="mfa.cancel")]

    def __init__(self, serial: str, profile: str, attempt: Callable[[str], Session], hint: str | None = None):
        super().__init__()
        self.serial = serial
        self.profile = profile
        self.attempt = attempt
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="mfa-dialog", classes="dialog"):
            yield Label(printable(f"MFA code for {self.serial}"), id="mfa-title", classes="dialog-title", markup=False)
            yield Label(
                printable(f"to assume {self.profile}") + (f"  ·  {self.hint}" if self.hint else ""),
                id="mfa-hint",
                classes="dim",
                markup=False,
            )
            yield Input(
                placeholder="six digits",
                max_length=6,
                restrict=r"\d*",
                validators=[Regex(r"^\d{6}$", failure_description="six digits")],
                id="mfa-code",
            )
            yield Label("", id="mfa-message", markup=False)

    @on(Input.Submitted, "#mfa-code")
    def submit(self, event: Input.Submitted) -> None:
        if not event.validation_result or not event.validation_result.is_valid:
            self.query_one("#mfa-message", Label).update("an MFA code is six digits")
            return
        event.input.disabled = True
        self.query_one("#mfa-message", Label).update("checking…")
        self.check(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def check(self, code: str) -> None:
        try:
            session = self.attempt(code)
        except RolecallError as exc:
            self.app.call_from_thread(self.rejected, exc.message)
            return
        self.app.call_from_thread(self.dismiss, session)

    def rejected(self, message: str) -> None:
        code = self.query_one("#mfa-code", Input)
        code.disabled = False
        code.value = ""
        code.focus()
        self.query_one("#mfa-message", Label).update(printable(message))

    def action_cancel(self) -> None:
        self.dismiss(None)
