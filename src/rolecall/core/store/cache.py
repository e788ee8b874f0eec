"""The session cache: assumed-role sessions and MFA sessions, one file each, locked per entry.

Layout under <user cache dir>/rolecall/:  sessions/<profile>.json, mfa/<serial>.json (names from
layout.entry_file_name), and a `.lock` file beside each. A damaged or untrusted entry reads as
absent and is kept aside without its secrets.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from rolecall.core.domain.credentials import Credentials, Session
from rolecall.core.store import layout, settings, storage

FORMAT = layout.FORMAT
KINDS = ("sessions", "mfa")


class FileSecrets:
    """The default: secrets stay in the cache files themselves (0600, in a 0700 directory)."""

    def stow(self, entry: str, credentials: dict[str, Any]) -> dict[str, Any]:
        return credentials

    def fetch(self, entry: str, stored: dict[str, Any]) -> dict[str, Any] | None:
        return stored

    def drop(self, entry: str) -> None:
        pass


class Secrets(Protocol):
    """Where the secret half of a cached session is kept (FileSecrets, keyring_store.KeyringSecrets)."""

    def stow(self, entry: str, credentials: dict[str, Any]) -> dict[str, Any]: ...

    def fetch(self, entry: str, stored: dict[str, Any]) -> dict[str, Any] | None: ...

    def drop(self, entry: str) -> None: ...


def secret_store() -> Secrets:
    """Where the secret half of a cached session lives: the files, or the OS keyring (opt-in)."""
    if settings.from_env("cache_backend") == "keyring":
        from rolecall.core.store.keyring_store import KeyringSecrets

        return KeyringSecrets()
    return FileSecrets()


class SessionCache:
    def __init__(self, root: Path, secrets: Secrets | None = None):
        self.root = Path(root)
        self.secrets = secrets or secret_store()
        self._swept: set[str] = set()

    def _path(self, kind: str, key: str) -> Path:
        return self.root / kind / layout.entry_file_name(key)

    # -- role sessions

    def get(self, profile: str, fingerprint: str | None = None) -> Session | None:
        """The cached session of `profile`; with `fingerprint`, only one made for that exact request
        (see layout.fingerprint): any other reads as absent."""
        path = self._path("sessions", profile)
        data = self._read(path)
        if data is None:
            return None
        if fingerprint is not None and data.get("fingerprint") != fingerprint:
            return None
        try:
            stored = dict(data["session"])
            if stored["profile"] != profile:
                return None  # another name that hashes to the same file
            credentials = self.secrets.fetch(f"session:{profile}", stored["credentials"])
            if credentials is None:
                return None
            return Session.from_dict({**stored, "credentials": credentials})
        except (KeyError, TypeError, ValueError, AttributeError):
            storage.set_aside(path)
            return None

    def put(self, session: Session, fingerprint: str | None = None) -> None:
        """Keep `session`, made for the request whose layout.fingerprint is `fingerprint`."""
        data = session.to_dict()
        data["credentials"] = self.secrets.stow(f"session:{session.profile}", data["credentials"])
        entry = {"format": FORMAT, "session": data}
        if fingerprint is not None:
            entry["fingerprint"] = fingerprint
        storage.write_json(self._path("sessions", session.profile), entry)

    def forget(self, profile: str) -> bool:
        self.secrets.drop(f"session:{profile}")
        try:
            self._path("sessions", profile).unlink()
            return True
        except FileNotFoundError:
            return False

    def sessions(self) -> list[Session]:
        found = []
        for path in self._entries("sessions"):
            data = self._read(path)
            profile = data.get("session", {}).get("profile") if data else None
            if isinstance(profile, str):
                session = self.get(profile)
                if session:
                    found.append(session)
        return found

    def lock(self, profile: str) -> contextlib.AbstractContextManager[None]:
        return storage.locked(self._path("sessions", profile).with_suffix(".lock"))

    # -- MFA sessions

    def get_mfa(self, serial: str) -> Credentials | None:
        path = self._path("mfa", serial)
        data = self._read(path)
        if data is None:
            return None
        try:
            if data.get("serial", serial) != serial:
                return None
            credentials = self.secrets.fetch(f"mfa:{serial}", data["credentials"])
            return Credentials.from_dict(credentials) if credentials else None
        except (KeyError, TypeError, ValueError, AttributeError):
            storage.set_aside(path)
            return None

    def put_mfa(self, serial: str, credentials: Credentials) -> None:
        stored = self.secrets.stow(f"mfa:{serial}", credentials.to_dict())
        storage.write_json(self._path("mfa", serial), {"format": FORMAT, "serial": serial, "credentials": stored})

    def forget_mfa(self, serial: str) -> None:
        self.secrets.drop(f"mfa:{serial}")
        with contextlib.suppress(FileNotFoundError):
            self._path("mfa", serial).unlink()

    def mfa_serials(self) -> list[str]:
        serials = []
        for path in self._entries("mfa"):
            data = self._read(path)
            serial = data.get("serial") if data else None
            serials.append(serial if isinstance(serial, str) else unquote(path.stem))
        return sorted(serials)

    def lock_mfa(self, serial: str) -> contextlib.AbstractContextManager[None]:
        return storage.locked(self._path("mfa", serial).with_suffix(".lock"))

    def clear(self) -> int:
        """Forget every session and MFA session, and remove what interrupted writes and damaged
        entries left behind; returns how many entries were removed."""
        removed = 0
        for kind, prefix in (("sessions", "session"), ("mfa", "mfa")):
            folder = self.root / kind
            if not folder.is_dir() or folder.is_symlink():
                continue
            for entry in folder.iterdir():
                if entry.suffix == ".json" and not entry.name.startswith("."):
                    data = storage.read_json(entry) if storage.trusted(entry) else None
                    key = self._key(kind, data) or unquote(entry.stem)
                    self.secrets.drop(f"{prefix}:{key}")
                    storage.remove(entry)
                    removed += 1
                elif storage.is_kept_aside(entry.name):
                    storage.remove(entry)
        return removed

    @staticmethod
    def _key(kind: str, data: dict[str, Any] | None) -> str | None:
        if not data:
            return None
        key = data.get("session", {}).get("profile") if kind == "sessions" else data.get("serial")
        return key if isinstance(key, str) else None

    def _entries(self, kind: str) -> list[Path]:
        try:
            names = sorted(os.listdir(self.root / kind))
        except OSError:
            return []
        return [self.root / kind / n for n in names if n.endswith(".json") and not n.startswith(".")]

    def _read(self, path: Path) -> dict[str, Any] | None:
        """An entry's JSON when it can be trusted; one another user owns or others can write is
        set aside, so the caller assumes again."""
        if not path.parent.exists():
            return None
        storage.private_dir(self.root)
        storage.private_dir(path.parent)
        if path.parent.name not in self._swept:
            self._swept.add(path.parent.name)
            storage.sweep(path.parent)
        data = storage.read_trusted_json(path)
        if data is not None and data.get("format") != FORMAT:
            return None
        return data
