"""The session cache: assumed-role sessions and MFA sessions, one file each, locked per entry.

Layout under <user cache dir>/rolecall/:  sessions/<profile>.json, mfa/<serial>.json,
and a `.lock` file beside each. A damaged entry reads as absent and is kept aside.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import unquote

from rolecall.core import storage
from rolecall.core.credentials import Credentials, Session
from rolecall.core.quick import entry_file_name

FORMAT = 1


class FileSecrets:
    """The default: secrets stay in the cache files themselves (0600, in a 0700 directory)."""

    def stow(self, entry: str, credentials: dict) -> dict:
        return credentials

    def fetch(self, entry: str, stored: dict) -> dict | None:
        return stored

    def drop(self, entry: str) -> None:
        pass


def secret_store():
    """Where the secret half of a cached session lives: the files, or the OS keyring (opt-in)."""
    backend = os.environ.get("ROLECALL_CACHE_BACKEND", "file")
    if backend == "keyring":
        from rolecall.core.keyring_store import KeyringSecrets

        return KeyringSecrets()
    if backend != "file":
        from rolecall.core.errors import ConfigError

        raise ConfigError(f"ROLECALL_CACHE_BACKEND must be file or keyring, not {backend!r}")
    return FileSecrets()


class SessionCache:
    def __init__(self, root: Path, secrets=None):
        self.root = Path(root)
        self.secrets = secrets or secret_store()

    def _path(self, kind: str, key: str) -> Path:
        return self.root / kind / entry_file_name(key)

    # -- role sessions

    def get(self, profile: str) -> Session | None:
        data = self._read(self._path("sessions", profile))
        if data is None:
            return None
        try:
            stored = dict(data["session"])
            credentials = self.secrets.fetch(f"session:{profile}", stored["credentials"])
            if credentials is None:
                return None
            return Session.from_dict({**stored, "credentials": credentials})
        except (KeyError, TypeError, ValueError):
            storage.set_aside(self._path("sessions", profile))
            return None

    def put(self, session: Session) -> None:
        data = session.to_dict()
        data["credentials"] = self.secrets.stow(f"session:{session.profile}", data["credentials"])
        storage.write_json(self._path("sessions", session.profile), {"format": FORMAT, "session": data})

    def forget(self, profile: str) -> bool:
        self.secrets.drop(f"session:{profile}")
        try:
            self._path("sessions", profile).unlink()
            return True
        except FileNotFoundError:
            return False

    def sessions(self) -> list[Session]:
        found = []
        folder = self.root / "sessions"
        try:
            names = sorted(os.listdir(folder))
        except FileNotFoundError:
            return []
        for name in names:
            if name.endswith(".json") and not name.startswith("."):
                session = self.get(unquote(name[: -len(".json")]))
                if session:
                    found.append(session)
        return found

    def lock(self, profile: str):
        return storage.locked(self._path("sessions", profile).with_suffix(".lock"))

    # -- MFA sessions

    def get_mfa(self, serial: str) -> Credentials | None:
        data = self._read(self._path("mfa", serial))
        if data is None:
            return None
        try:
            credentials = self.secrets.fetch(f"mfa:{serial}", data["credentials"])
            return Credentials.from_dict(credentials) if credentials else None
        except (KeyError, TypeError, ValueError):
            storage.set_aside(self._path("mfa", serial))
            return None

    def put_mfa(self, serial: str, credentials: Credentials) -> None:
        stored = self.secrets.stow(f"mfa:{serial}", credentials.to_dict())
        storage.write_json(self._path("mfa", serial), {"format": FORMAT, "serial": serial, "credentials": stored})

    def forget_mfa(self, serial: str) -> None:
        self.secrets.drop(f"mfa:{serial}")
        with contextlib.suppress(FileNotFoundError):
            self._path("mfa", serial).unlink()

    def mfa_serials(self) -> list[str]:
        try:
            names = os.listdir(self.root / "mfa")
        except FileNotFoundError:
            return []
        return sorted(unquote(n[: -len(".json")]) for n in names if n.endswith(".json") and not n.startswith("."))

    def lock_mfa(self, serial: str):
        return storage.locked(self._path("mfa", serial).with_suffix(".lock"))

    def clear(self) -> int:
        """Forget every session and MFA session; returns how many entries were removed."""
        removed = 0
        for kind, prefix in (("sessions", "session"), ("mfa", "mfa")):
            folder = self.root / kind
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if entry.suffix == ".json" and not entry.name.startswith("."):
                    self.secrets.drop(f"{prefix}:{unquote(entry.stem)}")
                    entry.unlink(missing_ok=True)
                    removed += 1
        return removed

    def _read(self, path: Path) -> dict | None:
        if not path.parent.exists():
            return None
        storage.private_dir(self.root)
        data = storage.read_json(path)
        if data is not None and data.get("format") != FORMAT:
            return None
        return data
