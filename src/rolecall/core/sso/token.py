"""The AWS CLI v2 SSO token cache: ~/.aws/sso/cache/<sha1(session name or legacy start URL)>.json.

The same file `aws sso login` and botocore read and write, with exactly their fields and time format.
A token file is read only when storage's trust rules allow it (a regular file, not a symbolic link,
owned by this user, not group- or world-writable, in a directory that is the same); any other is
left in place and reads as "not signed in".
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolecall.core.domain.credentials import mask
from rolecall.core.domain.errors import AwsError
from rolecall.core.store import storage
from rolecall.core.text.display import printable

if TYPE_CHECKING:
    from rolecall.core.sso.session import SsoSession

REFRESH_WINDOW = timedelta(minutes=15)  # botocore's SSOTokenProvider._REFRESH_WINDOW
MAX_TOKEN_FILE = 1 << 20  # bytes: a token file is a few kilobytes


class NotSignedIn(AwsError):
    """No usable token for a session: the user must sign in again (exit 1)."""

    def __init__(self, session: SsoSession, why: str):
        super().__init__(f"SSO session {session.name}: {why}; run `rolecall login {session.name}`", code="NotSignedIn")
        self.session = session


def cache_dir() -> Path:
    return Path("~/.aws/sso/cache").expanduser()


def token_path(session: SsoSession) -> Path:
    return cache_dir() / f"{session.digest}.json"


def format_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """The AWS CLI's `...Z`, botocore's older `...UTC`, or any ISO 8601 with an offset, to aware UTC."""
    text = text.strip()
    if text.endswith("UTC"):
        text = text[:-3] + "+00:00"
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


@dataclass(frozen=True)
class Token:
    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: datetime
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    registration_expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"Token(start_url={self.start_url!r}, region={self.region!r}, access_token='{mask(self.access_token)}', "
            f"expires_at={self.expires_at!r}, client_id={self.client_id!r}, client_secret='{mask(self.client_secret)}', "
            f"registration_expires_at={self.registration_expires_at!r}, refresh_token='{mask(self.refresh_token)}')"
        )

    def remaining(self, now: datetime) -> timedelta:
        return self.expires_at - now

    def can_refresh(self, now: datetime) -> bool:
        """A refresh token and a client registration that is still live, as botocore requires."""
        return bool(
            self.refresh_token
            and self.client_id
            and self.client_secret
            and self.registration_expires_at
            and self.registration_expires_at > now
        )

    def to_json(self) -> dict[str, Any]:
        data = {
            "startUrl": self.start_url,
            "region": self.region,
            "accessToken": self.access_token,
            "expiresAt": format_time(self.expires_at),
        }
        if self.client_id:
            data["clientId"] = self.client_id
        if self.client_secret:
            data["clientSecret"] = self.client_secret
        if self.registration_expires_at:
            data["registrationExpiresAt"] = format_time(self.registration_expires_at)
        if self.refresh_token:
            data["refreshToken"] = self.refresh_token
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Token:
        """Raises ValueError (with a reason a user can read) for anything that is not a token."""
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        for key in ("accessToken", "expiresAt"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise ValueError(f"no {key}")
        registration = data.get("registrationExpiresAt")
        return cls(
            start_url=str(data.get("startUrl") or ""),
            region=str(data.get("region") or ""),
            access_token=data["accessToken"],
            expires_at=parse_time(data["expiresAt"]),
            client_id=data.get("clientId"),
            client_secret=data.get("clientSecret"),
            registration_expires_at=parse_time(registration) if isinstance(registration, str) else None,
            refresh_token=data.get("refreshToken"),
        )

    def with_access(self, access_token: str, expires_at: datetime, refresh_token: str | None) -> Token:
        return replace(
            self, access_token=access_token, expires_at=expires_at, refresh_token=refresh_token or self.refresh_token
        )


def read_token(session: SsoSession) -> Token | None:
    """The cached token of `session`, None when there is none; NotSignedIn for a damaged or foreign file
    (left in place: it may belong to another tool, and the next sign-in replaces it)."""
    path = token_path(session)
    if not storage.trusted(path):
        raise NotSignedIn(
            session, f"the token file {path} is not a regular file of yours that only you can write; it is not used"
        )
    try:
        fd = os.open(path, os.O_RDONLY | storage.NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise NotSignedIn(session, f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_TOKEN_FILE + 1)
    except OSError as exc:
        raise NotSignedIn(session, f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_TOKEN_FILE:
        raise NotSignedIn(session, f"the token file {path} is too large to be a token")
    try:
        token = Token.from_json(json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise NotSignedIn(session, f"the token file {path} is damaged ({printable(str(exc)[:200])})") from None
    if token.start_url and token.start_url.rstrip("/") != session.start_url.rstrip("/"):
        raise NotSignedIn(
            session, f"the token file {path} is for another start URL ({printable(token.start_url[:200])})"
        )
    return token


def write_token(session: SsoSession, token: Token) -> None:
    storage.write_atomic(token_path(session), json.dumps(token.to_json()).encode("utf-8"))


def remove_token(session: SsoSession) -> bool:
    return storage.remove(token_path(session))
