"""The command line: one parser and one command table (cli/table.py); `process` and `export`
are answered from the cache by cli/fast.py before argparse is even imported. Each command
imports what it needs inside its handler, so cached paths never load botocore or textual."""

from __future__ import annotations

import sys

from rolecall.cli.output import hint, prepare_streams, say, stdout_gone


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code; stdout is flushed here, so a reader that has
    gone is exit 1 with one line, for every command, never Python's exit 120 at shutdown."""
    code = _run(argv)
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        stdout_gone()
        return code or 1
    return code


def _run(argv: list[str] | None) -> int:
    prepare_streams()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["__complete"]:  # every Tab: no argparse, no engine
        from rolecall.cli.shell import complete

        return complete(argv[1:])
    from rolecall.cli.fast import serve

    served = serve(argv)  # `process`/`export` from a cached session: no argparse, no engine
    if served is not None:
        return served
    from rolecall import collector

    with collector.starting():  # on again once the catalog is made, and when the command ends
        return _command(argv)


def _command(argv: list[str]) -> int:
    """Every command but those answered before start-up (a Tab, a cached `process`/`export`)."""
    from rolecall.cli.app import app_arguments

    args = app_arguments(argv)  # the app: no argparse before its first frame
    if args is None:
        from rolecall.cli.parser import parse, unknown_command

        unknown = unknown_command(argv)
        if unknown:
            say(unknown)
            return 2
        args = parse(argv)
    from rolecall.core.domain.errors import RolecallError

    try:
        return int(args.handler(args))
    except RolecallError as exc:
        say(exc.message)
        if exc.hint:
            hint(exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        say("")
        return 130
    except BrokenPipeError:
        stdout_gone()
        return 1
    except Exception as exc:  # the last line of defence: one line, never a traceback
        from rolecall.core.store import settings

        if settings.from_env("debug"):
            raise
        say(f"unexpected error ({type(exc).__name__}); set ROLECALL_DEBUG=1 for details")
        return 1


__all__ = ["main"]
