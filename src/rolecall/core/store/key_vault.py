"""Long-lived access keys kept in the OS keyring (`rolecall add`), as aws-vault keeps them.

The keyring holds each profile's key id and secret under the service `rolecall`, entry
`keys:<profile>`. A small file beside the settings (paths.keyring_keys_file) lists which profiles
have keys there, and nothing else: the loaders read it to know such a profile exists without
waking the keyring, and the keyring is asked only when the keys are used. The keyring package is
imported only then.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rolecall.core.domain.credentials import Credentials
from rolecall.core.domain.errors import ConfigError, StorageError
from rolecall.core.store import paths, storage

SERVICE = "rolecall"
FORMAT = 1
KEY_ID = re.compile(r"^AKIA[A-Z0-9]{12,124}$")
SECRET = re.compile(r"^[\x21-\x7e]{16,128}$")
PLAIN_KEY = "aws_secret_access_key"


def entry(profile: str) -> str:
    return f"keys:{profile}"


def check_keys(key_id: str, secret: str) -> Credentials:
    """Long-lived keys as typed or piped, checked for shape before they are stored."""
    key_id, secret = key_id.strip(), secret.strip()
    if key_id.startswith("ASIA"):
        raise ConfigError(
            "ASIA... keys are temporary: only an IAM user's long-lived keys (AKIA...) belong in the keyring"
        )
    if not KEY_ID.match(key_id):
        raise ConfigError("that is not an access key id (AKIA followed by capital letters and digits)")
    if not SECRET.match(secret):
        raise ConfigError("that is not a secret access key (16 to 128 characters, no spaces)")
    return Credentials(key_id, secret)


def stored_profiles() -> list[str]:
    """The profiles whose keys are in the keyring (read from the list file; the keyring is not asked)."""
    data = storage.read_json(paths.keyring_keys_file())
    if not data or data.get("format") != FORMAT or not isinstance(data.get("profiles"), list):
        return []
    return [name for name in data["profiles"] if isinstance(name, str)]


def _save_list(names: list[str]) -> None:
    storage.write_json(paths.keyring_keys_file(), {"format": FORMAT, "profiles": sorted(set(names))})


def _lock() -> Path:
    return paths.keyring_keys_file().with_name("keyring-keys.lock")


class _Keyring:
    """The keyring package, with every failure (absent, locked, refused) one StorageError line."""

    def __init__(self) -> None:
        try:
            import keyring
            import keyring.errors
        except ImportError:
            raise StorageError(
                "keeping keys in the OS keyring needs the keyring package", hint="pip install 'rolecall[keyring]'"
            ) from None
        self.keyring: Any = keyring
        self.errors: Any = keyring.errors

    def _fail(self, doing: str, exc: Exception) -> StorageError:
        if isinstance(exc, self.errors.NoKeyringError):
            why = "no OS keyring is available"
        elif isinstance(exc, self.errors.KeyringLocked):
            why = "the keyring is locked"
        else:
            detail = str(exc).strip().splitlines()
            why = f"the keyring refused: {detail[0] if detail else type(exc).__name__}"
        return StorageError(f"cannot {doing}: {why}", hint="unlock the keyring, or set PYTHON_KEYRING_BACKEND")

    def get(self, profile: str) -> str | None:
        try:
            value: str | None = self.keyring.get_password(SERVICE, entry(profile))
            return value
        except (self.errors.KeyringError, RuntimeError) as exc:
            raise self._fail(f"read the keys of {profile}", exc) from None

    def set(self, profile: str, value: str) -> None:
        try:
            self.keyring.set_password(SERVICE, entry(profile), value)
        except (self.errors.KeyringError, RuntimeError) as exc:
            raise self._fail(f"store the keys of {profile}", exc) from None

    def delete(self, profile: str) -> None:
        try:
            self.keyring.delete_password(SERVICE, entry(profile))
        except self.errors.PasswordDeleteError:
            pass  # not there: removing is what was asked
        except (self.errors.KeyringError, RuntimeError) as exc:
            raise self._fail(f"remove the keys of {profile}", exc) from None


def _encode(keys: Credentials) -> str:
    import json

    return json.dumps({"AccessKeyId": keys.access_key_id, "SecretAccessKey": keys.secret_access_key})


def store(profile: str, keys: Credentials) -> None:
    """Put (or replace) `profile`'s keys in the keyring and list the profile."""
    with storage.locked(_lock()):
        _Keyring().set(profile, _encode(keys))
        names = stored_profiles()
        if profile not in names:
            _save_list(names + [profile])


def remove(profile: str) -> bool:
    """Forget `profile`'s keys; whether they were there."""
    with storage.locked(_lock()):
        names = stored_profiles()
        if profile not in names:
            return False
        _Keyring().delete(profile)
        _save_list([name for name in names if name != profile])
        return True


def lookup(profile: str) -> Credentials | None:
    """`profile`'s keys from the keyring, or None when it is not listed (the keyring is not woken)."""
    import json

    if profile not in stored_profiles():
        return None
    raw = _Keyring().get(profile)
    try:
        data = json.loads(raw) if raw else None
        if data is not None:
            return Credentials(str(data["AccessKeyId"]), str(data["SecretAccessKey"]))
    except (ValueError, KeyError, TypeError):
        pass
    raise ConfigError(
        f"the keyring has no usable keys for {profile} any more", hint=f"store them again with `rolecall add {profile}`"
    )


def plain_keys(path: Path) -> list[tuple[str, int]]:
    """(profile, line) of every section of an AWS credentials or config file that holds a long-lived
    secret key in plain text (temporary keys, with a session token, are left alone)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found: list[tuple[str, int]] = []
    section: str | None = None
    secret_line: int | None = None
    temporary = False

    def close() -> None:
        if section is not None and secret_line is not None and not temporary:
            found.append((section, secret_line))

    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]", line)
        if header:
            close()
            section, secret_line, temporary = header.group(1).strip('"'), None, False
            continue
        key = re.match(r"^([A-Za-z_]+)\s*[=:]\s*\S", line)
        if key and key.group(1).lower() == PLAIN_KEY:
            secret_line = number
        elif key and key.group(1).lower() == "aws_session_token":
            temporary = True
    close()
    return found
