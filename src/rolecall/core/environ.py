"""The environment a role-scoped shell or command gets."""

from __future__ import annotations

from collections.abc import Mapping

from rolecall.core.credentials import Session, iso
from rolecall.core.errors import ConfigError

REMOVED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN")


def role_variables(session: Session) -> dict[str, str]:
    """The AWS_* variables that carry a session (what export formats print too)."""
    creds = session.credentials
    variables = {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
    }
    if creds.session_token:
        variables["AWS_SESSION_TOKEN"] = creds.session_token
    if creds.expiration:
        variables["AWS_CREDENTIAL_EXPIRATION"] = iso(creds.expiration)
    if session.region:
        variables["AWS_REGION"] = session.region
        variables["AWS_DEFAULT_REGION"] = session.region
    return variables


def check_not_nested(environ: Mapping[str, str], force: bool = False) -> None:
    current = environ.get("ROLECALL_PROFILE")
    if current and not force:
        raise ConfigError(
            f"already inside a rolecall environment for {current}",
            hint="exit that shell first, or pass --force to replace its credentials",
        )


def role_environ(environ: Mapping[str, str], session: Session) -> dict[str, str]:
    """`environ` with the session's credentials in, other credential selectors out."""
    env = {k: v for k, v in environ.items() if k not in REMOVED and k != "AWS_SESSION_TOKEN"}
    env.update(role_variables(session))
    env["ROLECALL_PROFILE"] = session.profile
    return env
