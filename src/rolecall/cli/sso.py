"""The IAM Identity Center commands: `login`, `logout`, `sync` (and `sync` of a SAML source).

Messages and progress go to stderr (progress only when it is a terminal); errors are RolecallErrors,
which cli.main prints as one line with the right exit code.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from rolecall.cli.common import engine_for
from rolecall.cli.output import say
from rolecall.cli.parser import sso_session
from rolecall.core.text.display import printable

if TYPE_CHECKING:
    from rolecall.core.engine import Engine
    from rolecall.core.sso.session import SsoSession


def opt_login(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Sign in to an SSO session (authorization code with PKCE in your browser, or the device code "
        "flow with --no-browser), then discover its accounts and roles."
    )
    sso_session(p)
    p.add_argument(
        "--no-browser",
        "--device-code",
        dest="no_browser",
        action="store_true",
        help="print a URL and a code to confirm on any device instead of opening a browser",
    )


def opt_logout(p: argparse.ArgumentParser) -> None:
    p.description = "Sign out of an SSO session: portal logout, token removed, its cached role sessions forgotten."
    sso_session(p)


def opt_sync(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Discover every account and role an SSO session reaches, or the roles a SAML source's assertion "
        "offers; a failed sync keeps the previous result."
    )
    sso_session(p, "the SSO session or profiles.yaml saml: source (default: the only SSO session)")


class Progress:
    """`corp: 420/1000 accounts, 714 roles` rewritten in place on a terminal; silent otherwise."""

    def __init__(self, name: str):
        self.name = name
        self.tty = sys.stderr.isatty()
        self.shown = False

    def __call__(self, done: int, known: int, roles: int) -> None:
        if self.tty:
            print(
                f"\rrolecall: {printable(self.name)}: {done}/{known} accounts, {roles} roles",
                end="",
                file=sys.stderr,
                flush=True,
            )
            self.shown = True

    def end(self) -> None:
        if self.shown:
            self.shown = False
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def _sync(engine: Engine, session: SsoSession) -> int:
    progress = Progress(session.name)
    started = time.monotonic()
    try:
        found = engine.sso_sync(session, progress)
    finally:
        progress.end()
    say(
        f"{session.name}: {found.accounts} accounts, {found.roles} roles "
        f"(discovered in {time.monotonic() - started:.1f} s)"
    )
    return 0


def cmd_login(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    session = engine.sso_session(args.session)
    expires = engine.sso_login(session, browser=not args.no_browser, notify=say)
    say(f"signed in to {session.name} until {expires:%Y-%m-%d %H:%M} UTC")
    return _sync(engine, session)


def cmd_sync(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    if args.session:
        offered = engine.saml_sync(args.session)
        if offered is not None:
            names = ", ".join(offered) or "none"
            say(f"{args.session}: {len(offered)} role{'s' if len(offered) != 1 else ''} offered ({names})")
            return 0
    return _sync(engine, engine.sso_session(args.session))


def cmd_logout(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    session = engine.sso_session(args.session)
    done = engine.sso_logout(session)
    state = "signed out of" if done.was_signed_in else "was not signed in to"
    say(f"{state} {session.name}; forgot {done.forgotten} cached role session{'s' if done.forgotten != 1 else ''}")
    return 0
