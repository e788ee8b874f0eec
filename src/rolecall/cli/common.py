"""What most commands share: the engine over the user's profiles and a profile's session."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rolecall.cli.output import say

if TYPE_CHECKING:
    import argparse

    from rolecall.core.domain.credentials import Session
    from rolecall.core.engine import Engine


def engine_for(args: argparse.Namespace) -> Engine:
    """The engine over the user's profiles. Problems in other profiles are not mentioned here:
    commands that succeed are quiet (`process` runs on every SDK call); `list` and `check` tell."""
    from rolecall import collector
    from rolecall.core.engine import Engine

    engine = Engine.open(args.profiles, warn=say)
    collector.resume()  # start-up is done: the catalog is made
    return engine


def session_for(args: argparse.Namespace, engine: Engine | None = None) -> Session:
    """The profile's session (cached, or assumed now: MFA code from --mfa-code or the terminal),
    with --duration and --region applied."""
    from rolecall.core.gateways import mfa

    engine = engine or engine_for(args)
    duration = None
    if getattr(args, "duration", None):
        from rolecall.core.domain.durations import parse_duration
        from rolecall.core.domain.errors import ConfigError

        try:
            duration = parse_duration(args.duration)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    code_source = mfa.default_source(getattr(args, "mfa_code", None))
    session = engine.assume(args.profile, code_source, refresh=getattr(args, "refresh", False), duration=duration)
    region = getattr(args, "region", None)
    if region:
        from dataclasses import replace

        from rolecall.core.domain.regions import check_region

        session = replace(session, region=check_region(region))
    return session


def left(expires: datetime | None, now: datetime) -> str:
    """Time left as the CLI's tables show it: H:MM:SS, `expired`, or `-` for no session."""
    from rolecall.core.domain.credentials import format_remaining

    if expires is None:
        return "-"
    return "expired" if expires <= now else format_remaining(expires - now)
