"""`rolecall sso populate`: profiles for every discovered account and role written to ~/.aws/config
(core/sso/populate.py), so other tools can use them."""

from __future__ import annotations

import argparse

from rolecall.cli.output import say, write_out
from rolecall.cli.parser import sso_session

SHOWN = 10  # names listed in a message; the rest are counted


def opt_sso(p: argparse.ArgumentParser) -> None:
    from rolecall.core.sso.populate import DEFAULT_TEMPLATE, PLACEHOLDERS

    sub = p.add_subparsers(dest="sso_command", metavar="SUBCOMMAND", required=True)
    fill = sub.add_parser(
        "populate",
        help="write a profile per discovered account and role to ~/.aws/config",
        description="Write a [profile ...] to ~/.aws/config for every account and role the SSO session's last "
        "discovery found, for the AWS CLI and other tools. Your other sections, comments and keys stay; "
        "the sections it writes are marked, and only those are ever changed.",
    )
    sso_session(fill)
    fill.add_argument("--diff", action="store_true", help="print the change as a unified diff and write nothing")
    fill.add_argument(
        "--prune", action="store_true", help="remove the profiles it made for accounts and roles no longer discovered"
    )
    names = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    fill.add_argument(
        "--template",
        metavar="T",
        default=DEFAULT_TEMPLATE,
        help=f"profile names (default {DEFAULT_TEMPLATE}); placeholders: {names}",
    )
    fill.add_argument("--region", metavar="REGION", help="region of new profiles (default: the session's sso_region)")


def cmd_populate(args: argparse.Namespace) -> int:
    from rolecall.cli.common import engine_for
    from rolecall.core.domain.errors import ConfigError
    from rolecall.core.domain.regions import check_region
    from rolecall.core.sso import populate
    from rolecall.core.store import paths
    from rolecall.core.text.display import printable

    engine = engine_for(args)
    session = engine.sso_session(args.session)
    found = engine.sso_discovery(session)
    if found is None:
        raise ConfigError(
            f"no accounts discovered for {session.name} yet",
            hint=f"run `rolecall login {session.name}` (or `rolecall sync {session.name}`) first",
        )
    region = check_region(args.region) if args.region else session.region
    wants = populate.wanted(found, session, args.template, region)
    path = paths.aws_config_file().resolve()
    result = populate.plan(path, session, wants, prune=args.prune)
    for name in result.skipped:
        say(f"{path}: kept your own [profile {name}]; no profile written for that role")
    gone = len(result.gone)
    if args.diff:
        if result.changed:
            return write_out("".join(printable(line.rstrip("\n")) + "\n" for line in result.diff().splitlines()))
        say(f"{path} is up to date for {session.name}")
        return 0
    backup = populate.write(result) if result.changed else None
    parts = [
        f"{len(result.added)} added",
        f"{len(result.renamed)} renamed",
        f"{len(result.corrected)} corrected",
        f"{len(result.pruned)} removed",
    ]
    state = ", ".join(parts) if result.changed else "up to date"
    say(f"{session.name}: {len(wants) - len(result.skipped)} profiles in {path} ({state})")
    if gone:
        names = ", ".join(result.gone[:SHOWN]) + (f" and {gone - SHOWN} more" if gone > SHOWN else "")
        say(
            f"kept {gone} profile{'s whose roles are' if gone != 1 else ' whose role is'} no longer discovered "
            f"({names}); --prune removes {'them' if gone != 1 else 'it'}"
        )
    if backup is not None:
        say(f"the previous file is in {backup}")
    return 0
