"""The IAM Identity Center commands: `login`, `logout`, `sync` (and `sync` of a SAML source).

Messages and progress go to stderr (progress only when it is a terminal); errors are RolecallErrors,
which cli.main prints as one line with the right exit code.
"""

from __future__ import annotations

import argparse
import sys
import time

from rolecall.cli.output import say
from rolecall.core.display import printable


def _session_arg(p: argparse.ArgumentParser, what: str = "the SSO session (default: the only one)") -> None:
    p.add_argument("session", nargs="?", metavar="SESSION", help=what)


def opt_login(p: argparse.ArgumentParser) -> None:
    p.description = ("Sign in to an SSO session (authorization code with PKCE in your browser, or the device code "
                     "flow with --no-browser), then discover its accounts and roles.")
    _session_arg(p)
    p.add_argument("--no-browser", "--device-code", dest="no_browser", action="store_true",
                   help="print a URL and a code to confirm on any device instead of opening a browser")


def opt_logout(p: argparse.ArgumentParser) -> None:
    p.description = "Sign out of an SSO session: portal logout, token removed, its cached role sessions forgotten."
    _session_arg(p)


def opt_sync(p: argparse.ArgumentParser) -> None:
    p.description = ("Discover every account and role an SSO session reaches, or the roles a SAML source's assertion "
                     "offers; a failed sync keeps the previous result.")
    _session_arg(p, "the SSO session or profiles.yaml saml: source (default: the only SSO session)")


def configured_sessions(profiles_path=None):
    """Every SSO session: ~/.aws/config `[sso-session]` sections and legacy start URLs, then
    profiles.yaml `sso:` entries. Returns (sessions, problems)."""
    from rolecall.core import paths
    from rolecall.core.sources import sso_sessions
    from rolecall.core.sources.profiles_yaml import load_profiles_yaml

    _, _, yaml = load_profiles_yaml(paths.profiles_file(profiles_path))
    return sso_sessions(paths.aws_config_file(), yaml)


def _session(args):
    from rolecall.core.errors import ConfigError
    from rolecall.core.sso.session import pick

    sessions, problems = configured_sessions(getattr(args, "profiles", None))
    if args.session and all(s.name != args.session for s in sessions):
        for problem in problems:
            if problem.message.split(":", 1)[0].split()[-1:] == [args.session]:
                raise ConfigError(str(problem))
    return pick(sessions, args.session)


class _Progress:
    """`corp: 420/1000 accounts, 714 roles` rewritten in place on a terminal; silent otherwise."""

    def __init__(self, name: str):
        self.name = name
        self.tty = sys.stderr.isatty()
        self.shown = False

    def __call__(self, done: int, known: int, roles: int) -> None:
        if self.tty:
            print(f"\rrolecall: {printable(self.name)}: {done}/{known} accounts, {roles} roles", end="", file=sys.stderr, flush=True)
            self.shown = True

    def end(self) -> None:
        if self.shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def _sync(session, clock) -> int:
    from rolecall.core.errors import RolecallError
    from rolecall.core.sso import discovery

    previous = discovery.read(session)
    progress = _Progress(session.name)
    started = time.monotonic()
    try:
        found = discovery.sync(session, clock, progress=progress)
    except RolecallError as exc:
        progress.end()
        if previous is not None:
            exc.hint = f"kept the previous discovery ({len(previous.accounts)} accounts, from {previous.fetched_at:%Y-%m-%d %H:%M} UTC)"
        raise
    except KeyboardInterrupt:
        progress.end()
        raise
    progress.end()
    say(f"{session.name}: {len(found.accounts)} accounts, {found.role_count} roles "
         f"(discovered in {time.monotonic() - started:.1f} s)")
    return 0


def cmd_login(args) -> int:
    from rolecall.core.clock import SystemClock
    from rolecall.core.sso.login import login

    session = _session(args)
    clock = SystemClock()
    token = login(session, clock, browser=not args.no_browser, notify=say)
    say(f"signed in to {session.name} until {token.expires_at:%Y-%m-%d %H:%M} UTC")
    return _sync(session, clock)


def cmd_sync(args) -> int:
    from rolecall.core.clock import SystemClock

    if args.session:
        entry = _saml_entry(args)
        if entry is not None:
            return _sync_saml(args, entry)
    return _sync(_session(args), SystemClock())


def _saml_entry(args):
    """The profiles.yaml `saml:` entry called args.session, if there is one."""
    from rolecall.core import paths
    from rolecall.core.sources.profiles_yaml import load_profiles_yaml

    _, _, yaml = load_profiles_yaml(paths.profiles_file(getattr(args, "profiles", None)))
    return next((e for e in yaml.saml_entries if isinstance(e, dict) and e.get("name") == args.session), None)


def _sync_saml(args, entry) -> int:
    """Run the source's assertion_process once (the user signs in) and remember the roles it offers."""
    from rolecall.core import paths
    from rolecall.core.clock import SystemClock
    from rolecall.core.sources.profiles_yaml import load_profiles_yaml
    from rolecall.core.sources.saml import discover, validate_saml_entry

    yaml_path = paths.profiles_file(getattr(args, "profiles", None))
    problems = validate_saml_entry(entry, yaml_path, getattr(entry, "line", None))
    if problems:
        from rolecall.core.errors import ConfigError

        raise ConfigError(str(problems[0]))
    _, _, yaml = load_profiles_yaml(yaml_path)
    found = discover(entry, yaml.account_names, yaml_path, SystemClock().now())
    names = ", ".join(profile.name for profile, _ in found) or "none"
    say(f"{entry['name']}: {len(found)} role{'s' if len(found) != 1 else ''} offered ({names})")
    return 0


def cmd_logout(args) -> int:
    from rolecall.core.clock import SystemClock
    from rolecall.core.engine import Engine
    from rolecall.core.sources.sso import session_of
    from rolecall.core.sso.portal import Portal
    from rolecall.core.sso.token import NotSignedIn, read_token, remove_token

    session = _session(args)
    try:
        token = read_token(session)
    except NotSignedIn:
        token = None  # a damaged file: removing it is what logging out asks for
    if token is not None and token.remaining(SystemClock().now()).total_seconds() > 0:
        Portal(session, token).logout()
    removed = remove_token(session)
    # Role sessions got with this sign-in: those of every profile that signs in with this session.
    engine = Engine.open(getattr(args, "profiles", None))
    forgotten = sum(engine.forget(p.name) for p in engine.catalog.profiles.values()
                    if p.kind == "sso" and session_of(p).name == session.name)
    state = "signed out of" if removed else "was not signed in to"
    say(f"{state} {session.name}; forgot {forgotten} cached role session{'s' if forgotten != 1 else ''}")
    return 0
