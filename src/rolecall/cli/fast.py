"""The fast path: `process` and `export` answered from a cached session with the lightest modules.

`rolecall process P` runs once per SDK call that needs credentials, so its start-up is the cost
users feel. `serve` recognises the forms the command table marks `fast`, asks core/store/quick.py for
the cached session, and writes the answer; anything else (an option this path does not know, no
current index, no session with 5 minutes left) returns None and the full CLI takes over. No
argparse, dataclasses, PyYAML, botocore or textual; and until a form it serves is recognised,
nothing but the command table, so the app and the other commands pay nothing for asking.
"""

from __future__ import annotations

from rolecall.cli.table import BY_NAME


def _parse(argv: list[str]) -> tuple[str | None, str, str, str] | None:
    """(profiles, command, profile, format) for the forms this path serves, else None."""
    args = list(argv)
    profiles = None
    if args[:1] == ["--profiles"] and len(args) > 1:
        profiles, args = args[1], args[2:]
    elif args[:1] and args[0].startswith("--profiles="):
        profiles, args = args[0].split("=", 1)[1], args[1:]
    if len(args) < 2 or args[1].startswith("-"):
        return None
    command = BY_NAME.get(args[0])
    if command is None or command.fast is None:
        return None
    profile, rest = args[1], args[2:]
    fmt = "env"
    if command.fast == "export" and rest:
        if len(rest) == 2 and rest[0] in ("--format", "-f"):
            fmt = rest[1]
        elif len(rest) == 1 and rest[0].startswith("--format="):
            fmt = rest[0].split("=", 1)[1]
        else:
            return None
        from rolecall.core.text.formats import FORMATS

        if fmt not in FORMATS:
            return None
    elif rest:
        return None
    return profiles, command.fast, profile, fmt


def serve(argv: list[str]) -> int | None:
    """Answer from the cache and return the exit code, or None to let the full CLI answer."""
    parsed = _parse(argv)
    if parsed is None:
        return None
    import json

    from rolecall.cli.output import write_out
    from rolecall.core.domain.errors import RolecallError
    from rolecall.core.store.quick import cached_entry
    from rolecall.core.text import formats

    profiles, command, name, fmt = parsed
    found = cached_entry(profiles, name)
    if found is None:
        return None
    profile, credentials = found
    if command == "process":
        text = json.dumps(formats.process_json(credentials)) + "\n"
    else:
        try:
            text = formats.render_credentials(fmt, credentials, name, profile.get("region"))
        except (ValueError, RolecallError):
            return None  # a value this format cannot carry: the full CLI says so in one line
    return write_out(text)
