"""Credentials and the small time arithmetic around them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rolecall.core.store import layout

REFRESH_MARGIN = timedelta(seconds=layout.MARGIN_SECONDS)


def mask(secret: str | None) -> str:
    """Show just enough of a secret to tell two apart: the last four characters."""
    if not secret:
        return ""
    return "****" + secret[-4:] if len(secret) > 12 else "****"


parse_time = layout.parse_time  # ISO 8601 to an aware UTC datetime


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def format_remaining(left: timedelta) -> str:
    """`H:MM:SS`, never negative: the countdown shown in the TUI and the CLI."""
    seconds = max(0, int(left.total_seconds()))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None

    def __repr__(self) -> str:
        return (
            f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key='{mask(self.secret_access_key)}', "
            f"session_token='{mask(self.session_token)}', expiration={self.expiration!r})"
        )

    @property
    def temporary(self) -> bool:
        return bool(self.session_token)

    def remaining(self, now: datetime) -> timedelta | None:
        return None if self.expiration is None else self.expiration - now

    def fresh(self, now: datetime, margin: timedelta = REFRESH_MARGIN) -> bool:
        """Good enough to hand out: no expiry, or at least `margin` left."""
        left = self.remaining(now)
        return left is None or left >= margin

    def to_dict(self) -> dict[str, Any]:
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": iso(self.expiration) if self.expiration else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Credentials:
        expiration = data.get("Expiration")
        if isinstance(expiration, datetime):
            expiration = expiration.astimezone(UTC)
        elif expiration is not None and expiration != "":
            expiration = parse_time(expiration)  # ValueError for a number, a list, garbage
        if expiration:
            expiration = expiration.replace(microsecond=0)  # what ISO 8601 output keeps, rounded down
        return cls(
            access_key_id=data["AccessKeyId"],
            secret_access_key=data["SecretAccessKey"],
            session_token=data.get("SessionToken"),
            expiration=expiration or None,
        )


@dataclass(frozen=True)
class Session:
    """A role session: the credentials of one assumed profile and what is known about them."""

    profile: str
    role_arn: str
    credentials: Credentials
    session_name: str = ""
    source_identity: str | None = None
    assumed_at: datetime | None = None
    region: str | None = None

    @property
    def expiration(self) -> datetime | None:
        return self.credentials.expiration

    def remaining(self, now: datetime) -> timedelta | None:
        return self.credentials.remaining(now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "role_arn": self.role_arn,
            "credentials": self.credentials.to_dict(),
            "session_name": self.session_name,
            "source_identity": self.source_identity,
            "assumed_at": iso(self.assumed_at) if self.assumed_at else None,
            "region": self.region,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        return cls(
            profile=data["profile"],
            role_arn=data["role_arn"],
            credentials=Credentials.from_dict(data["credentials"]),
            session_name=data.get("session_name") or "",
            source_identity=data.get("source_identity"),
            assumed_at=parse_time(data["assumed_at"]) if data.get("assumed_at") else None,
            region=data.get("region"),
        )
