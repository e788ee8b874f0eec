"""Start the TUI from the command line (`rolecall`, `rolecall ui`, `rolecall demo`)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from types import FrameType


def run_app(
    profiles: str | os.PathLike[str] | None = None,
    theme: str | None = None,
    banner: str | None = None,
    mfa_hint: str | None = None,
    on_hangup: Callable[[], None] | None = None,
) -> int:
    from rolecall.tui.app import make_app

    def hang_up(signum: int, frame: FrameType | None) -> None:
        # The terminal is gone: nothing can be shown and every file write is atomic, so go now.
        if on_hangup:
            on_hangup()
        os._exit(128 + signum)

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, hang_up)
    app = make_app(profiles=profiles, theme=theme, banner=banner, mfa_hint=mfa_hint)
    app.run()
    return app.return_code or 0
