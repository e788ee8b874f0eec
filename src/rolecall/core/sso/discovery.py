"""The accounts and roles an SSO session reaches, cached per session without secrets.

`list`, the app and the quick path read this file and make no network call. A sync replaces it
only when the whole discovery succeeded, so a failed sync keeps the previous result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolecall.core.domain.credentials import iso, parse_time
from rolecall.core.sso.portal import Account, Portal
from rolecall.core.store import paths, storage

if TYPE_CHECKING:
    from rolecall.core.domain.clock import Clock
    from rolecall.core.sso.session import SsoSession

FORMAT = 1


@dataclass(frozen=True)
class Discovery:
    session: str
    start_url: str
    fetched_at: datetime
    accounts: tuple[Account, ...]

    @property
    def role_count(self) -> int:
        return sum(len(account.roles) for account in self.accounts)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "session": self.session,
            "start_url": self.start_url,
            "fetched_at": iso(self.fetched_at),
            "accounts": [{"id": a.account_id, "name": a.name, "roles": list(a.roles)} for a in self.accounts],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Discovery:
        return cls(
            session=data["session"],
            start_url=data["start_url"],
            fetched_at=parse_time(data["fetched_at"]),
            accounts=tuple(Account(str(a["id"]), str(a["name"]), tuple(a["roles"])) for a in data["accounts"]),
        )


def path(session: SsoSession) -> Path:
    return paths.cache_dir() / "sso" / f"{session.digest}.discovery.json"


def read(session: SsoSession) -> Discovery | None:
    """The last discovery of `session`, or None (never synced, another start URL, or a damaged file).
    A file storage does not trust (another owner, writable by others, a symbolic link) is set aside."""
    data = storage.read_trusted_json(path(session))
    if not data or data.get("format") != FORMAT:
        return None
    try:
        found = Discovery.from_json(data)
    except (KeyError, TypeError, ValueError):
        storage.set_aside(path(session))
        return None
    return found if found.start_url == session.start_url else None


def sync(
    session: SsoSession,
    clock: Clock,
    *,
    progress: Callable[[int, int, int], None] | None = None,
    portal: Portal | None = None,
    cancelled: threading.Event | None = None,
) -> Discovery:
    """Discover every account and role with a valid token and save the result; on any error (or
    `cancelled` set) the previous result stays as it was."""
    if portal is None:
        from rolecall.core.sso.login import valid_token

        portal = Portal(session, valid_token(session, clock), cancelled=cancelled)
    accounts = portal.discover(progress)
    found = Discovery(session.name, session.start_url, clock.now().replace(microsecond=0), tuple(accounts))
    storage.write_json(path(session), found.to_json())
    return found


def forget(session: SsoSession) -> bool:
    return storage.remove(path(session))
