"""The environment a role-scoped shell or command gets."""

from __future__ import annotations

from collections.abc import Mapping

from rolecall.core.domain.errors import ConfigError

TYPE_CHECKING = False  # the fast path imports this module: no typing at run time
if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Session

REMOVED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN")


def role_variables(credentials: Mapping[str, str | None], region: str | None) -> dict[str, str]:
    """The AWS_* variables that carry a session, from its credentials in credential_process form
    (AccessKeyId, SecretAccessKey, SessionToken, Expiration as ISO 8601): what exports print too."""
    variables = {
        "AWS_ACCESS_KEY_ID": credentials.get("AccessKeyId") or "",
        "AWS_SECRET_ACCESS_KEY": credentials.get("SecretAccessKey") or "",
    }
    for name, key in (("AWS_SESSION_TOKEN", "SessionToken"), ("AWS_CREDENTIAL_EXPIRATION", "Expiration")):
        value = credentials.get(key)
        if value:
            variables[name] = value
    if region:
        variables["AWS_REGION"] = region
        variables["AWS_DEFAULT_REGION"] = region
    return variables


def prompt_variables(session: Session) -> dict[str, str]:
    """What every prompt reads (`rolecall_prompt`, starship): the profile, and when its session
    expires in seconds since the epoch (absent when it never does)."""
    found = {"ROLECALL_PROFILE": session.profile}
    if session.credentials.expiration is not None:
        found["ROLECALL_EXPIRES"] = str(int(session.credentials.expiration.timestamp()))
    return found


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
    env.update(role_variables(session.credentials.to_dict(), session.region))
    env.pop("ROLECALL_EXPIRES", None)
    env.update(prompt_variables(session))
    return env
