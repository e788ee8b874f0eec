"""`add`, `remove`, `rotate`: long-lived access keys kept in the OS keyring (core/store/key_vault.py).

Keys are read from the terminal (the secret without echo) or from stdin, never from argv.
"""

from __future__ import annotations

import argparse
import re
import sys

from rolecall.cli.output import say
from rolecall.cli.parser import mfa_code, profile

LINE_LIMIT = 4096  # an access key line is under 200 characters; stdin is read no further
NAME = re.compile(r"^[^\s\[\]#;\x00-\x1f\x7f]{1,128}$")


def opt_add(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Keep an IAM user's long-lived access keys in the OS keyring, for PROFILE. Typed at the "
        "terminal (the secret without echo), or two lines on stdin: the key id, then the secret."
    )
    profile(p)
    p.add_argument(
        "--env", action="store_true", help="take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead"
    )
    # Keys typed after the profile are refused without being echoed back (argparse would repeat them).
    p.add_argument("given", nargs="*", help=argparse.SUPPRESS)


def opt_remove(p: argparse.ArgumentParser) -> None:
    p.description = "Delete PROFILE's access keys from the OS keyring (asks first at a terminal)."
    profile(p)
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def opt_rotate(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Replace PROFILE's access key: CreateAccessKey, check the new key, store it in the keyring, "
        "DeleteAccessKey of the old one (with an MFA session when the profile has mfa_serial)."
    )
    profile(p)
    mfa_code(p)


def _checked_name(name: str) -> str:
    from rolecall.core.domain.errors import ConfigError

    if not NAME.match(name):
        raise ConfigError(f"{name!r} is not a profile name the AWS CLI can use (no spaces, brackets, # or ;)")
    return name


def _read_keys(args: argparse.Namespace) -> tuple[str, str]:
    import os

    from rolecall.core.domain.errors import ConfigError

    if args.env:
        return os.environ.get("AWS_ACCESS_KEY_ID", ""), os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        sys.stderr.write("Access key ID: ")
        sys.stderr.flush()
        key_id = sys.stdin.readline(LINE_LIMIT)
        return key_id, getpass.getpass("Secret access key: ")
    if sys.stdin is None:
        raise ConfigError(
            "no keys given", hint="type them at a terminal, or pipe two lines: the key id, then the secret"
        )
    key_id, secret = sys.stdin.readline(LINE_LIMIT), sys.stdin.readline(LINE_LIMIT)
    if not key_id.strip() and not secret.strip():
        raise ConfigError(
            "no keys given", hint="type them at a terminal, or pipe two lines: the key id, then the secret"
        )
    return key_id, secret


def cmd_add(args: argparse.Namespace) -> int:
    from rolecall.core.domain.errors import ConfigError
    from rolecall.core.store import key_vault

    if args.given:
        raise ConfigError(
            "keys are never taken from the command line (it is kept in shell history and visible to other processes)",
            hint="run `rolecall add PROFILE` and type them, or pipe them to stdin",
        )
    name = _checked_name(args.profile)
    keys = key_vault.check_keys(*_read_keys(args))
    replaced = name in key_vault.stored_profiles()
    key_vault.store(name, keys)
    say(f"{'replaced the keys' if replaced else 'stored keys'} {keys.access_key_id} of {name} in the OS keyring")
    _plain_copies(name, "still holds these keys in plain text; delete them there (the keyring's are used)")
    return 0


def _plain_copies(name: str, what: str) -> None:
    """Say where `name`'s keys still lie in plain text, beside the keyring's."""
    from rolecall.core.store import paths
    from rolecall.core.store.key_vault import plain_keys

    for path in (paths.aws_credentials_file(), paths.aws_config_file()):
        for section, line in plain_keys(path):
            if section == name:
                say(f"{path}:{line}: [{name}] {what}")


def _confirm(question: str) -> bool:
    from rolecall.core.gateways.mfa import open_terminal

    try:
        tty = open_terminal()
    except OSError:
        return False
    with tty:
        tty.write(f"{question} [y/N] ")
        tty.flush()
        return tty.readline(LINE_LIMIT).strip().lower() in ("y", "yes")


def cmd_remove(args: argparse.Namespace) -> int:
    from rolecall.core.domain.errors import ConfigError
    from rolecall.core.store import key_vault

    name = args.profile
    if name not in key_vault.stored_profiles():
        raise ConfigError(f"the keyring holds no keys for {name}")
    if not args.yes:
        if not (sys.stdin is not None and sys.stdin.isatty()):
            raise ConfigError(f"removing the keys of {name} cannot be undone", hint="pass --yes to confirm")
        if not _confirm(f"Delete the access keys of {name} from the keyring? This cannot be undone."):
            say("nothing removed")
            return 1
    key_vault.remove(name)
    say(f"removed the keys of {name} from the OS keyring")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    from functools import partial

    from rolecall.cli.common import engine_for
    from rolecall.core.gateways import mfa
    from rolecall.core.gateways.rotate import rotate

    name = args.profile
    engine = engine_for(args)
    found = engine.catalog.profiles.get(name)
    serial, code = None, None
    if found is not None and found.mfa and found.mfa_serial:
        serial, code = found.mfa_serial, partial(mfa.default_source(args.mfa_code), found)
    done = rotate(
        name, engine.sts, region=found.region if found else None, mfa_serial=serial, mfa_code=code, notify=say
    )
    engine.forget(name)  # its cached session was made with the old key
    say(f"rotated {name}: {done.old_key_id} deleted, {done.new_key_id} in use")
    _plain_copies(name, "holds the deleted key in plain text; delete it there")
    return 0
