"""`rolecall console`: the AWS console as a profile, on a service or page, in the browser wanted."""

from __future__ import annotations

import argparse

from rolecall.cli import parser as opts
from rolecall.cli.common import engine_for, session_for
from rolecall.cli.output import hint, say, write_out


def opt_console(p: argparse.ArgumentParser) -> None:
    opts.profile(p)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--service", "-s", metavar="NAME", help="land on this service (s3, ec2, cloudwatch...)")
    where.add_argument(
        "--destination",
        "-d",
        metavar="PATH_OR_URL",
        help="land on this console path (/s3/buckets) or console URL (AWS console hosts only)",
    )
    p.add_argument("--region", metavar="REGION", help="the console's region (default: the profile's)")
    p.add_argument(
        "--print", action="store_true", help="print the address the browser would be sent to, and open nothing"
    )
    p.add_argument(
        "--logout-first",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="sign out of the current console session first, for a browser without multi-session "
        "(default: the console_logout_first setting, else off)",
    )
    p.add_argument(
        "--browser",
        metavar="CMD",
        help="browser command, %%s for the address (default: $ROLECALL_BROWSER, the browser setting, "
        "$BROWSER, the system's)",
    )
    p.add_argument(
        "--container",
        action="store_true",
        help="open in a Firefox container named after the profile (needs a container extension)",
    )
    opts.mfa_code(p)
    opts.duration(p)


def cmd_console(args: argparse.Namespace) -> int:
    from rolecall.core.gateways import browser, console
    from rolecall.core.store import settings

    engine = engine_for(args)
    profile = engine.profile(args.profile)
    request = console.Request(
        service=args.service,
        destination=args.destination,
        region=args.region,
        logout_first=settings.get("console_logout_first", args.logout_first),
        container=args.container,
    )
    console.check(profile, request)  # what the user typed, before a session is minted or a browser started
    if args.print:
        session = session_for(args, engine) if console.needs_session(profile) else None
        return write_out(console.target(profile, request, session).url + "\n")
    command = browser.command(args.browser, container=args.container, chromium_profile=profile.chromium_profile)
    session = session_for(args, engine) if console.needs_session(profile) else None
    found, opened = console.open_console(profile, request, session, command)
    if not opened:
        say("no browser found to open the console")
        hint("give one with --browser (or $BROWSER), or use --print")
        return 2
    where = f" on {found.service}" if found.service else ""
    say(f"opened the AWS console for {profile.name}{where}")
    return 0
