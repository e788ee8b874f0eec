"""How much time a session has left, as the sessions panel and the details pane show it: the
countdown text with its colour state, and a bar of the lifetime left."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from rolecall.core.domain.credentials import Session, format_remaining

WARNING_SECONDS = 15 * 60
ERROR_SECONDS = 5 * 60
BAR_WIDTH = 10


class Timed(Protocol):
    """A role session, or one of the panel's other rows (an MFA session, a sign-in)."""

    @property
    def expiration(self) -> datetime | None: ...

    @property
    def assumed_at(self) -> datetime | None: ...

    def remaining(self, now: datetime) -> timedelta | None: ...


def countdown(session: Timed, now: datetime) -> tuple[str, str]:
    """The countdown text and its state: ok, warning (< 15 min), error (< 5 min) or expired. With
    no expiration, a role session never expires and any other row is signed out."""
    left = session.remaining(now)
    if left is None:
        return ("no expiry", "ok") if isinstance(session, Session) else ("signed out", "expired")
    seconds = left.total_seconds()
    if seconds <= 0:
        return "expired (r refreshes)", "expired"
    state = "error" if seconds < ERROR_SECONDS else "warning" if seconds < WARNING_SECONDS else "ok"
    return format_remaining(left), state


def time_left_fraction(session: Timed, now: datetime) -> float | None:
    """How much of the session's lifetime is left, 0..1; None when that is not known."""
    if session.expiration is None or session.assumed_at is None:
        return None
    lifetime = (session.expiration - session.assumed_at).total_seconds()
    if lifetime <= 0:
        return None
    return max(0.0, min(1.0, (session.expiration - now).total_seconds() / lifetime))


def time_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """A bar of `width` cells, filled in proportion to `fraction`."""
    filled = round(fraction * width)
    return "━" * filled + "╌" * (width - filled)
