"""`rolecall request PROFILE URL`: an HTTP request signed with SigV4 with a profile's credentials."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from rolecall.cli import parser as opts
from rolecall.cli.common import session_for
from rolecall.cli.output import say, write_out


def opt_request(p: argparse.ArgumentParser) -> None:
    opts.profile(p)
    p.add_argument("url", metavar="URL")
    p.add_argument("--method", "-X", metavar="M", help="HTTP method (default GET, or POST with --data)")
    p.add_argument(
        "--header", "-H", action="append", default=[], metavar="'K: V'", help="a request header (repeatable)"
    )
    p.add_argument("--data", "-d", metavar="D|@FILE", help="request body: text, @FILE, or @- for standard input")
    p.add_argument("--service", metavar="S", help="service to sign for (default: from an AWS host, e.g. lambda)")
    p.add_argument("--region", metavar="R", help="region to sign for (default: from the host, else the profile's)")
    p.add_argument("--include", "-i", action="store_true", help="print the status line and response headers first")
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="give up when the whole request, body included, has taken this long (default 30)",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write the body to FILE instead of standard output")
    p.add_argument(
        "--allow-http",
        action="store_true",
        help="send over plain http to another machine (the session token travels in clear)",
    )
    opts.mfa_code(p)


def cmd_request(args: argparse.Namespace) -> int:
    """Body on stdout or --output as it arrives (after the status line and headers with -i); exit 0
    for 2xx, else 1 with the status on stderr."""
    from rolecall.core.gateways.signed_request import parse_header, read_data, send
    from rolecall.core.text.display import printable

    headers = [parse_header(text) for text in args.header]
    data = read_data(args.data)
    method = args.method or ("POST" if args.data is not None else "GET")
    session = session_for(args)
    response = send(
        session.credentials,
        args.url,
        method,
        headers,
        data,
        args.service,
        args.region,
        args.timeout,
        default_region=session.region,
        allow_http=args.allow_http,
    )
    status = printable(f"HTTP {response.status} {response.reason}".rstrip())
    if args.include:
        lines = [status, *(f"{name}: {value}" for name, value in response.headers), "", ""]
        if write_out("\n".join(lines).encode("utf-8", "replace")):
            return 1
    if args.output:
        _save(response.chunks(), args.output)
    else:
        for chunk in response.chunks():
            if write_out(chunk):
                return 1
    if not response.ok:
        say(status)
        return 1
    return 0


def _save(chunks: Iterator[bytes], path: str) -> None:
    from rolecall.core.domain.errors import ConfigError

    try:
        with open(path, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
    except OSError as exc:
        raise ConfigError(f"--output {path}: {exc.strerror or exc}") from None
