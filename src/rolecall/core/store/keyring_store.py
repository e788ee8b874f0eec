"""Opt-in: keep the secret half of cached sessions in the OS keyring (`ROLECALL_CACHE_BACKEND=keyring`).

The cache files then hold only what is not secret (key id, expiry, profile); the secret key and
session token live in the keyring under the service `rolecall`. Imported only when chosen.
"""

from __future__ import annotations

import json
from typing import Any

from rolecall.core.domain.errors import StorageError

SERVICE = "rolecall"
SECRET_FIELDS = ("SecretAccessKey", "SessionToken")


class KeyringSecrets:
    def __init__(self) -> None:
        try:
            import keyring
            import keyring.errors
        except ImportError:
            raise StorageError(
                "ROLECALL_CACHE_BACKEND=keyring needs the keyring package", hint="pip install 'rolecall[keyring]'"
            ) from None
        self._keyring = keyring
        self._errors = keyring.errors

    def stow(self, entry: str, credentials: dict[str, Any]) -> dict[str, Any]:
        """Put the secret fields in the keyring; return what may go to disk."""
        secret = {k: credentials.get(k) for k in SECRET_FIELDS}
        try:
            self._keyring.set_password(SERVICE, entry, json.dumps(secret))
        except self._errors.KeyringError as exc:
            raise StorageError(f"the keyring refused to store {entry}: {exc}") from None
        return {k: v for k, v in credentials.items() if k not in SECRET_FIELDS}

    def fetch(self, entry: str, stored: dict[str, Any]) -> dict[str, Any] | None:
        """The full credentials, or None when the keyring has lost them (they read as absent)."""
        try:
            secret = self._keyring.get_password(SERVICE, entry)
        except self._errors.KeyringError:
            return None
        if not secret:
            return None
        try:
            return {**stored, **json.loads(secret)}
        except ValueError:
            return None

    def drop(self, entry: str) -> None:
        try:
            self._keyring.delete_password(SERVICE, entry)
        except self._errors.KeyringError:
            pass
