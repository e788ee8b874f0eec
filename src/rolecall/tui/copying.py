"""Copying a role's credentials (`c`): a chooser of formats with `env` preselected, then the
clipboard (the terminal's, OSC 52, and the system's where there is one, cleared after the
`clipboard_clear_seconds` setting)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from rolecall.core.domain.errors import RolecallError
from rolecall.core.gateways import clipboard
from rolecall.core.text import formats
from rolecall.tui.errors import describe

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Session


def choose_format(app: App[object], session: Session, clear_after: float) -> None:
    """Ask for a format, then copy `session`'s credentials in it."""
    from rolecall.tui.screens.choose import ChooseScreen

    app.push_screen(
        ChooseScreen(f"Copy {session.profile} credentials as", list(formats.FORMATS), selected="env"),
        lambda fmt: copy_credentials(app, session, fmt, clear_after) if fmt else None,
    )


def copy_credentials(app: App[object], session: Session, fmt: str, clear_after: float) -> None:
    try:
        text = formats.render(fmt, session)
        app.copy_to_clipboard(text)
        system = clipboard.system_copy(text)
        note = ""
        if system and clear_after > 0:
            clipboard.clear_later(text, clear_after)  # a detached clearer: it outlives the app
            note = f"; cleared in {clear_after:g}s"
    except (RolecallError, OSError) as exc:
        app.notify(describe(exc), title="not copied", severity="error")
        return
    app.notify(f"copied {session.profile} credentials ({fmt}) to the clipboard{note}", timeout=4)
