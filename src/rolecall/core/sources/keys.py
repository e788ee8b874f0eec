"""Base credentials: the long-lived (or outside) credentials a profile's first hop is assumed with.

From `source_profile`: keys in the OS keyring (core/store/key_vault.py), static keys in the credentials file or the config file, or that
profile's `credential_process`; with no source_profile, from the environment.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from rolecall.core.domain.credentials import Credentials
from rolecall.core.domain.errors import ConfigError
from rolecall.core.store import paths

if TYPE_CHECKING:
    from rolecall.core.domain.profiles import Profile

KEY_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def base_credentials(profile: Profile) -> Credentials:
    if profile.source_profile:
        return from_source_profile(profile.source_profile)
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        return Credentials(key, secret, os.environ.get("AWS_SESSION_TOKEN") or None)
    raise ConfigError(
        f"{profile.name} has no source_profile and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set",
        hint="set source_profile to a profile with keys in ~/.aws/credentials",
    )


def _sections(path: str | os.PathLike[str], *, config: bool) -> dict[str, Any]:
    from botocore import configloader

    if not os.path.isfile(path):
        return {}
    try:
        if config:
            sections: dict[str, Any] = configloader.load_config(str(path)).get("profiles", {})
        else:
            sections = configloader.raw_config_parse(str(path), parse_subsections=False)
        return sections
    except Exception as exc:
        kind = "config" if config else "credentials"
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"cannot read the AWS {kind} file {path}: {detail}") from None


def _static(section: dict[str, Any]) -> Credentials | None:
    key, secret = section.get("aws_access_key_id"), section.get("aws_secret_access_key")
    if key and secret:
        return Credentials(key.strip(), secret.strip(), (section.get("aws_session_token") or "").strip() or None)
    return None


def from_source_profile(name: str) -> Credentials:
    from rolecall.core.store.key_vault import lookup

    kept = lookup(name)  # keys `rolecall add` put in the OS keyring come first
    if kept is not None:
        return kept
    creds_path, config_path = paths.aws_credentials_file(), paths.aws_config_file()
    for path, config in ((creds_path, False), (config_path, True)):
        section = _sections(path, config=config).get(name)
        if section is None:
            continue
        found = _static(section)
        if found:
            return found
        if config and section.get("credential_process"):
            return run_credential_process(name, section["credential_process"])
    raise ConfigError(
        f"source_profile {name!r} has no keys in {creds_path} and no credential_process in {config_path}",
        hint=f"add [{name}] with aws_access_key_id and aws_secret_access_key to {creds_path}",
    )


def run_credential_process(name: str, command: str, timeout: float = 60) -> Credentials:
    """Run a credential_process and take the credentials it prints (Version 1 JSON)."""
    from rolecall.core.gateways import runner  # when one runs: reading profiles back needs none

    what = f"credential_process of {name}"
    done = runner.run(what, runner.split(what, command), timeout, env=runner.helper_env())
    if done.status is None:
        raise ConfigError(f"{what} did not finish within {timeout:g}s")
    if done.status != 0:
        raise ConfigError(f"{what} exited {done.status}: {done.last_error_line()}".rstrip(": "))
    try:
        data = json.loads(done.out)
        if data.get("Version") != 1:
            raise ValueError("Version must be 1")
        return Credentials.from_dict(data)
    except (ValueError, KeyError, AttributeError, TypeError) as exc:
        raise ConfigError(f"{what} printed no valid credentials JSON ({exc})") from None
