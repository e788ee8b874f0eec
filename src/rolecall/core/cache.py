"""The session cache: assumed-role sessions and MFA sessions, one file each, locked per entry.

Layout under <user cache dir>/rolecall/:  sessions/<profile>.json, mfa/<serial>.json,
and a `.lock` file beside each. A damaged entry reads as absent and is kept aside.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import quote, unquote

from rolecall.core import storage
from rolecall.core.credentials import Credentials, Session

FORMAT = 1


def _file_name(key: str) -> str:
    return quote(key, safe="") + ".json"


class SessionCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, kind: str, key: str) -> Path:
        return self.root / kind / _file_name(key)

    # -- role sessions

    def get(self, profile: str) -> Session | None:
        data = self._read(self._path("sessions", profile))
        if data is None:
            return None
        try:
            return Session.from_dict(data["session"])
        except (KeyError, TypeError, ValueError):
            storage.set_aside(self._path("sessions", profile))
            return None

    def put(self, session: Session) -> None:
        storage.write_json(self._path("sessions", session.profile), {"format": FORMAT, "session": session.to_dict()})

    def forget(self, profile: str) -> bool:
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
            return Credentials.from_dict(data["credentials"])
        except (KeyError, TypeError, ValueError):
            storage.set_aside(self._path("mfa", serial))
            return None

    def put_mfa(self, serial: str, credentials: Credentials) -> None:
        storage.write_json(
            self._path("mfa", serial), {"format": FORMAT, "serial": serial, "credentials": credentials.to_dict()}
        )

    def forget_mfa(self, serial: str) -> None:
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
        for kind in ("sessions", "mfa"):
            folder = self.root / kind
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if entry.suffix == ".json":
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
