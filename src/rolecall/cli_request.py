"""`rolecall request PROFILE URL`: an HTTP request signed with SigV4 with a profile's credentials.

The integrator wires it into cli.py with `add_command(sub, session_for)`, where `session_for(args)`
returns the profile's Session (from the cache, or assumed, MFA code included).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from rolecall.core.quick import say

if TYPE_CHECKING:
    import argparse

    from rolecall.core.credentials import Session

HELP = "send an HTTP request signed with SigV4 with a profile's credentials"


def add_command(sub, session_for: Callable[[argparse.Namespace], Session]):
    """Add `request` to an argparse sub-parsers object; its handler returns the exit code."""
    p = sub.add_parser("request", help=HELP, description=HELP)
    p.set_defaults(handler=lambda args: run(args, session_for))
    p.add_argument("profile", metavar="PROFILE")
    p.add_argument("url", metavar="URL")
    p.add_argument("--method", "-X", metavar="M", help="HTTP method (default GET, or POST with --data)")
    p.add_argument("--header", "-H", action="append", default=[], metavar="'K: V'", help="a request header (repeatable)")
    p.add_argument("--data", "-d", metavar="D|@FILE", help="request body: text, @FILE, or @- for standard input")
    p.add_argument("--service", metavar="S", help="service to sign for (default: from an AWS host, e.g. lambda)")
    p.add_argument("--region", metavar="R", help="region to sign for (default: from the host, else the profile's)")
    p.add_argument("--include", "-i", action="store_true", help="print the status line and response headers first")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="give up after this long (default 30)")
    p.add_argument("--mfa-code", metavar="CODE", help="six-digit MFA code, if one is needed")
    return p


def run(args, session_for: Callable[[argparse.Namespace], Session]) -> int:
    """Body on stdout (after the status line and headers with -i); exit 0 for 2xx, else 1 with the status on stderr."""
    from rolecall.core.signed_request import parse_header, read_data, send

    headers = [parse_header(text) for text in args.header]
    data = read_data(args.data)
    method = args.method or ("POST" if args.data is not None else "GET")
    session = session_for(args)
    response = send(
        session.credentials, args.url, method, headers, data, args.service, args.region, args.timeout,
        default_region=session.region,
    )
    status = f"HTTP {response.status} {response.reason}".rstrip()
    sys.stdout.flush()
    out = sys.stdout.buffer
    if args.include:
        lines = [status, *(f"{name}: {value}" for name, value in response.headers), "", ""]
        out.write("\n".join(lines).encode("utf-8", "replace"))
    out.write(response.body)
    out.flush()
    if not response.ok:
        say(f"rolecall: {status}")
        return 1
    return 0
