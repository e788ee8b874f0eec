"""Start the TUI from the command line (`rolecall`, `rolecall ui`)."""

from __future__ import annotations

import os
import signal


def _hang_up(signum, frame) -> None:
    # The terminal is gone: nothing can be shown, and every file write is atomic, so just go.
    os._exit(128 + signum)


def run_app(profiles=None, theme=None, banner=None, engine=None, mfa_hint=None) -> int:
    from rolecall.tui.app import make_app

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, _hang_up)
    app = make_app(profiles=profiles, theme=theme, banner=banner, engine=engine, mfa_hint=mfa_hint)
    app.run()
    return app.return_code or 0
