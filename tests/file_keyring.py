"""Keyring backends for tests, loadable in a fresh interpreter through PYTHON_KEYRING_BACKEND.

FileKeyring keeps passwords in the JSON file named by ROLECALL_TEST_KEYRING (and refuses writes
while ROLECALL_TEST_KEYRING_READONLY is set, as a keyring that will not take a new secret);
LockedKeyring is one the user did not unlock.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError, PasswordSetError


class FileKeyring(KeyringBackend):
    priority = 1

    @property
    def path(self) -> Path:
        return Path(os.environ["ROLECALL_TEST_KEYRING"])

    def _load(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}

    def get_password(self, service, username):
        return self._load().get(f"{service}\t{username}")

    def set_password(self, service, username, password):
        if os.environ.get("ROLECALL_TEST_KEYRING_READONLY"):
            raise PasswordSetError("the collection is read-only")
        data = self._load()
        data[f"{service}\t{username}"] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service, username):
        data = self._load()
        if f"{service}\t{username}" not in data:
            raise PasswordDeleteError("not found")
        del data[f"{service}\t{username}"]
        self.path.write_text(json.dumps(data))


class LockedKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service, username, password):
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service, username):
        raise KeyringLocked("Failed to unlock the collection!")
