"""The AWS console sign-in URL for a session, through the federation endpoint."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from rolecall.core import settings
from rolecall.core.credentials import Session
from rolecall.core.errors import AwsError, ConfigError

FEDERATION_URL = "https://signin.aws.amazon.com/federation"


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def federation_url() -> str:
    """The federation endpoint: AWS's, or $ROLECALL_FEDERATION_URL when set (for a local stand-in).

    Credentials travel in its query string, so only https is accepted, and plain http only on
    this machine (127.0.0.1, localhost, [::1]); anything else is a ConfigError naming the variable.
    """
    value: str | None = settings.from_env("federation_url")
    if not value:
        return FEDERATION_URL
    try:
        parts = urllib.parse.urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        host, parts = None, None
    if parts is None or not host or parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(f"ROLECALL_FEDERATION_URL is not a usable URL: {value[:100]!r}")
    if parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK):
        return value
    raise ConfigError(
        f"ROLECALL_FEDERATION_URL must be an https URL (http only for 127.0.0.1, localhost or [::1]), not {value[:100]!r}",
        hint="unset it to use AWS's sign-in endpoint",
    )


def signin_url(session: Session, *, base: str | None = None, timeout: float = 10) -> str:
    """Trade the session for a sign-in token and build the login URL (valid for 15 minutes)."""
    base = base or federation_url()
    creds = session.credentials
    if not creds.session_token:
        raise AwsError("the console needs temporary credentials (a role session)")
    payload = json.dumps(
        {"sessionId": creds.access_key_id, "sessionKey": creds.secret_access_key, "sessionToken": creds.session_token}
    )
    query = urllib.parse.urlencode({"Action": "getSigninToken", "Session": payload})
    try:
        with urllib.request.urlopen(f"{base}?{query}", timeout=timeout) as response:
            token = json.loads(response.read())["SigninToken"]
    except urllib.error.HTTPError as exc:
        raise AwsError(f"the AWS sign-in endpoint refused the session: HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AwsError(f"cannot reach the AWS sign-in endpoint: {reason}") from None
    except (ValueError, KeyError):
        raise AwsError("the AWS sign-in endpoint gave no sign-in token") from None
    region = session.region or "us-east-1"
    destination = f"https://{region}.console.aws.amazon.com/console/home?region={region}"
    login = urllib.parse.urlencode(
        {"Action": "login", "Issuer": "rolecall", "Destination": destination, "SigninToken": token}
    )
    return f"{base}?{login}"
