"""Commands about profiles and their sessions: list, assume, process, export, copy, sessions,
whoami, check."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

from rolecall.cli import parser as opts
from rolecall.cli.common import engine_for, left, session_for
from rolecall.cli.output import print_json, print_table, say, write_out

if TYPE_CHECKING:
    from rolecall.core.domain.profiles import Profile


def opt_list(p: argparse.ArgumentParser) -> None:
    opts.json_flag(p)


def cmd_list(args: argparse.Namespace) -> int:
    from rolecall.core.domain.credentials import iso

    engine = engine_for(args)
    for problem in engine.unreadable():
        say(str(problem))
    if engine.unreadable():
        return 2
    problems = engine.problems()
    if problems:
        say(
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in your profiles (those are skipped): "
            "run `rolecall check`"
        )
    now = engine.now()
    cached = {
        session.profile: session for session in engine.cached_sessions()
    }  # one directory read, not one per profile
    rows = [(p, cached.get(p.name)) for p in engine.catalog.profiles.values()]
    if args.json:
        return print_json(
            [
                {
                    "name": p.name,
                    "account": p.account_name,
                    "account_id": p.account_id,
                    "role": p.role_name,
                    "role_arn": p.role_arn,
                    "region": p.region,
                    "mfa": p.needs_mfa,
                    "source": p.source,
                    "kind": p.kind,
                    "tags": p.tags,
                    "session_expires": iso(s.expiration) if s and s.expiration else None,
                }
                for p, s in rows
            ]
        )
    if not rows:
        say("no profiles: create profiles.yaml (see profiles.example.yaml) or add profiles to ~/.aws/config")
        return 0
    return print_table(
        [("PROFILE", "ACCOUNT", "ROLE", "REGION", "MFA", "SESSION")]
        + [
            (
                p.name,
                _account_label(p),
                p.role_name or p.kind,
                p.region or "-",
                "yes" if p.needs_mfa else "-",
                left(s.expiration if s else None, now),
            )
            for p, s in rows
        ]
    )


def _account_label(profile: Profile) -> str:
    """`name (id)`, the id once when the account has no name of its own, `-` when unknown."""
    name, number = profile.account_name, profile.account_id
    if name and number and name != number:
        return f"{name} ({number})"
    return name or number or "-"


def opt_assume(p: argparse.ArgumentParser) -> None:
    opts.profile(p)
    opts.mfa_code(p)
    opts.duration(p)
    p.add_argument("--refresh", action="store_true", help="assume again even if a cached session is valid")


def cmd_assume(args: argparse.Namespace) -> int:
    from rolecall.core.domain.credentials import format_remaining, iso
    from rolecall.core.text.display import printable

    engine = engine_for(args)
    session = session_for(args, engine)
    left_now = session.remaining(engine.now())
    until = "with no expiry"
    if session.expiration and left_now is not None:
        until = f"until {iso(session.expiration)} ({format_remaining(left_now)} left)"
    return write_out(f"{printable(session.profile)}: session {until}\n")


def opt_process(p: argparse.ArgumentParser) -> None:
    opts.profile(p)
    opts.mfa_code(p)
    opts.region(p)


def cmd_process(args: argparse.Namespace) -> int:
    import json

    from rolecall.core.text.formats import process_json

    return write_out(json.dumps(process_json(session_for(args).credentials.to_dict())) + "\n")


def _format(p: argparse.ArgumentParser) -> None:
    from rolecall.core.text.formats import FORMATS

    p.add_argument("--format", "-f", choices=FORMATS, default="env", help="output format (default env)")


def opt_export(p: argparse.ArgumentParser) -> None:
    opt_process(p)
    _format(p)


def cmd_export(args: argparse.Namespace) -> int:
    from rolecall.core.text.formats import render

    return write_out(render(args.format, session_for(args)))


def opt_copy(p: argparse.ArgumentParser) -> None:
    opt_export(p)
    p.add_argument(
        "--clear-after",
        type=float,
        metavar="SECONDS",
        help="empty the clipboard after this long if it still holds the credentials "
        "(0: never; default $ROLECALL_CLIPBOARD_CLEAR, else clipboard_clear_seconds in settings, else 60)",
    )


def cmd_copy(args: argparse.Namespace) -> int:
    from rolecall.core.gateways import clipboard
    from rolecall.core.store import settings
    from rolecall.core.text.formats import render

    delay: float = settings.get("clipboard_clear_seconds", args.clear_after)  # checked before anything is assumed
    text = render(args.format, session_for(args))
    how = clipboard.copy(text)
    note = ""
    if how == "system clipboard" and delay > 0:
        clipboard.clear_later(text, delay)
        note = f"; cleared in {delay:g}s if still there"
    say(f"copied {args.profile} credentials ({args.format} format) to the {how}{note}")
    return 0


def opt_sessions(p: argparse.ArgumentParser) -> None:
    opts.json_flag(p)
    p.add_argument("--clear", action="store_true", help="forget every cached session")


def cmd_sessions(args: argparse.Namespace) -> int:
    from rolecall.core.domain.credentials import iso

    engine = engine_for(args)
    if args.clear:
        removed = engine.forget_all()
        say(f"forgot {removed} cached session{'s' if removed != 1 else ''}")
        return 0
    now = engine.now()
    rows: list[tuple[str, str, str | None, datetime | None]] = [
        ("role", s.profile, s.role_arn, s.expiration) for s in engine.cached_sessions()
    ]
    rows += [("mfa", m.serial, None, m.expiration) for m in engine.mfa_sessions()]
    if args.json:
        return print_json(
            [
                {
                    "kind": kind,
                    "name": name,
                    "role_arn": arn,
                    "expires": iso(expires) if expires else None,
                    "seconds_left": max(0, int((expires - now).total_seconds())) if expires else None,
                }
                for kind, name, arn, expires in rows
            ]
        )
    if not rows:
        say("no cached sessions")
        return 0
    return print_table(
        [("KIND", "NAME", "EXPIRES", "LEFT")] + [(k, n, iso(e) if e else "-", left(e, now)) for k, n, _, e in rows]
    )


def opt_whoami(p: argparse.ArgumentParser) -> None:
    opts.profile(p)
    opts.mfa_code(p)


def cmd_whoami(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    return print_json(engine.whoami(session_for(args, engine)))


def cmd_check(args: argparse.Namespace) -> int:
    from rolecall.core.engine import Engine
    from rolecall.core.store import paths

    catalog = Engine.open(args.profiles, use_index=False).catalog
    from rolecall.core.text.display import printable

    if catalog.problems:
        write_out("".join(printable(str(problem)) + "\n" for problem in catalog.problems))
    for note in catalog.without_credentials.values():
        say(f"note: {note}")
    from rolecall.core.store.key_vault import plain_keys

    for path in (paths.aws_credentials_file(), paths.aws_config_file()):
        for name, line in plain_keys(path):
            say(
                f"{path}:{line}: profile {name}: long-lived keys in plain text; "
                f"`rolecall add {name}` keeps them in the OS keyring"
            )
    count = len(catalog.profiles)
    source = paths.profiles_file(args.profiles)
    if catalog.problems:
        say(f"{len(catalog.problems)} problem(s); {count} profile(s) usable")
        return 2
    if not count:
        say(f"no profiles found (looked in {source} and {paths.aws_config_file()})")
        return 2
    return write_out(f"ok: {count} profile{'s' if count != 1 else ''}\n")
