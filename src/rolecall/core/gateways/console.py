"""Where `rolecall console` sends the browser: a console destination, a federation login (or an
IAM Identity Center portal shortcut), optionally behind a sign-out and inside a Firefox container.

Nothing here opens a browser (core/gateways/browser.py does) and nothing here prints: the faces do.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rolecall.core.domain.errors import AwsError, ConfigError, StorageError
from rolecall.core.domain.profiles import Profile, partition_for
from rolecall.core.domain.regions import check_region
from rolecall.core.gateways.urls import safe_for_secrets
from rolecall.core.store import settings

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Session
    from rolecall.core.sources.base import CredentialSource

FEDERATION_URL = "https://signin.aws.amazon.com/federation"

# Each partition's console and sign-in hosts. A console URL given with --destination must be on
# one of the console hosts (or a subdomain: a region's or a service's).
CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}
SIGNIN_HOSTS = {
    "aws": "signin.aws.amazon.com",
    "aws-cn": "signin.amazonaws.cn",
    "aws-us-gov": "signin.amazonaws-us-gov.com",
}

SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
# A multi-session console host names one signed-in identity: `<account>-<8 characters>.<region>.console...`.
SESSION_LABEL = re.compile(r"^\d{12}-[a-z0-9]{8}\.")
MAX_DESTINATION = 2048
TOKEN_ANSWER_LIMIT = 64 * 1024  # the sign-in endpoint's answer is a few hundred bytes
CONTAINER_SCHEME = "ext+container:"
RECENT_LIMIT = 8


@dataclass(frozen=True)
class Request:
    """What the user asked for: a destination (a service, a console path or URL, or the home page),
    the region, whether to sign out of the current console session first, and a Firefox container."""

    service: str | None = None
    destination: str | None = None
    region: str | None = None
    logout_first: bool = False
    container: bool = False

    @classmethod
    def from_choice(cls, text: str, *, logout_first: bool = False) -> Request:
        """The app's picker: empty for the console home, a path or URL, or a service name."""
        text = text.strip()
        if not text:
            return cls(logout_first=logout_first)
        if text.startswith(("/", "https://", "http://")):
            return cls(destination=text, logout_first=logout_first)
        return cls(service=text, logout_first=logout_first)


@dataclass(frozen=True)
class Target:
    """What the browser is sent to. `secret`: the URL holds a sign-in token, so it must never be a
    browser's argument (core/gateways/browser.py hands it over through a private page instead)."""

    url: str
    secret: bool
    profile: str
    service: str | None = None
    chromium_profile: str | None = None


# --------------------------------------------------------------------------- destinations


def check_service(name: str) -> str:
    service = name.strip().lower()
    if not SERVICE.match(service):
        raise ConfigError(f"{name[:60]!r} is not a console service name (a plain name like s3, ec2 or cloudwatch)")
    return service


def console_base(region: str) -> str:
    """The console's address in `region`: the region's own host in the commercial partition."""
    partition = partition_for(region)
    host = CONSOLE_HOSTS[partition]
    return f"https://{region}.{host}" if partition == "aws" else f"https://{host}"


def is_console_host(host: str) -> bool:
    return any(host == known or host.endswith("." + known) for known in CONSOLE_HOSTS.values())


def destination_url(region: str, service: str | None = None, destination: str | None = None) -> str:
    """The console page to land on: a service's home in `region`, a console path, a console URL
    (only AWS console hosts), or the console home. Bad input is a ConfigError, before any AWS call."""
    if service is not None:
        name = check_service(service)
        return f"{console_base(region)}/{name}/home?region={region}"
    if destination is None:
        return f"{console_base(region)}/console/home?region={region}"
    if len(destination) > MAX_DESTINATION or any(c.isspace() or not c.isprintable() for c in destination):
        raise ConfigError("the destination must be a console path or URL without spaces or control characters")
    if destination.startswith("/") and not destination.startswith("//"):
        return console_base(region) + destination
    return _console_url(destination)


def _console_url(text: str) -> str:
    try:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        parts, host, port = None, "", None
    if (
        parts is None
        or parts.scheme != "https"
        or not is_console_host(host)
        or port
        or parts.username
        or parts.password
    ):
        raise ConfigError(
            f"the destination {text[:100]!r} is not an AWS console page",
            hint="give a path (/s3/buckets) or an https URL on console.aws.amazon.com (or the China or GovCloud console)",
        )
    # A URL copied from a multi-session tab names that tab's identity; the login picks its own.
    host = SESSION_LABEL.sub("", host)
    return urllib.parse.urlunsplit(("https", host, parts.path or "/", parts.query, parts.fragment))


# --------------------------------------------------------------------------- the sign-in endpoint


def federation_url(region: str | None = None) -> str:
    """The federation endpoint: the sign-in endpoint of `region`'s partition (the region's own in
    the commercial partition), or $ROLECALL_FEDERATION_URL when set (for a local stand-in).

    Its answer is a sign-in token, so only https is accepted, and plain http only on this machine
    (127.0.0.0/8, localhost, [::1]); anything else is a ConfigError naming the variable.
    """
    value: str | None = settings.from_env("federation_url")
    if not value:
        if region is None:
            return FEDERATION_URL
        partition = partition_for(region)
        signin = SIGNIN_HOSTS[partition]
        return f"https://{region}.{signin}/federation" if partition == "aws" else f"https://{signin}/federation"
    try:
        parts = urllib.parse.urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        host, parts = None, None
    if parts is None or not host or parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(f"ROLECALL_FEDERATION_URL is not a usable URL: {value[:100]!r}")
    if safe_for_secrets(value):
        return value
    raise ConfigError(
        f"ROLECALL_FEDERATION_URL must be an https URL (http only for 127.0.0.1, localhost or [::1]), not {value[:100]!r}",
        hint="unset it to use AWS's sign-in endpoint",
    )


def signin_token(session: Session, base: str, timeout: float = 10) -> str:
    """Trade the session's credentials for a sign-in token. They travel in a POST body, never in
    a URL (which proxies and servers log)."""
    creds = session.credentials
    if not creds.session_token:
        raise ConfigError(
            "the console needs temporary credentials, and this profile gives long-lived keys",
            hint="sign in with a role (via:) or a federated user (GetFederationToken)",
        )
    payload = json.dumps(
        {"sessionId": creds.access_key_id, "sessionKey": creds.secret_access_key, "sessionToken": creds.session_token}
    )
    body = urllib.parse.urlencode({"Action": "getSigninToken", "Session": payload}).encode("ascii")
    request = urllib.request.Request(
        base, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            token = json.loads(response.read(TOKEN_ANSWER_LIMIT))["SigninToken"]
    except urllib.error.HTTPError as exc:
        raise AwsError(
            f"the AWS sign-in endpoint refused the session: HTTP {exc.code}",
            hint="the console takes role sessions and GetFederationToken sessions only",
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AwsError(f"cannot reach the AWS sign-in endpoint: {reason}") from None
    except (ValueError, KeyError, TypeError):
        raise AwsError("the AWS sign-in endpoint gave no sign-in token") from None
    if not isinstance(token, str) or not token:
        raise AwsError("the AWS sign-in endpoint gave no sign-in token")
    return token


def login_url(base: str, token: str, destination: str) -> str:
    """The federation login: valid for 15 minutes, once. A browser signed in to the console with
    multi-session on adds this identity beside the others."""
    query = urllib.parse.urlencode(
        {"Action": "login", "Issuer": "rolecall", "Destination": destination, "SigninToken": token}
    )
    return f"{base}?{query}"


def logout_first(base: str, then: str) -> str:
    """Sign out of the current console session, then go to `then` (one chain a browser follows)."""
    parts = urllib.parse.urlsplit(base)
    query = urllib.parse.urlencode({"Action": "logout", "redirect_uri": then})
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/oauth", query, ""))


def container_link(name: str, url: str) -> str:
    """The link the Firefox container extensions open in the container `name` (made if missing)."""
    return CONTAINER_SCHEME + urllib.parse.urlencode({"name": name, "url": url}, quote_via=urllib.parse.quote)


# --------------------------------------------------------------------------- a profile's target


def _first_hop(profile: Profile) -> CredentialSource | None:
    """The source whose console hooks count: a chained profile is always a role session (None)."""
    return None if profile.via else profile.credential_source


def _shortcut(profile: Profile, destination: str) -> str | None:
    source = _first_hop(profile)
    return source.console_shortcut(profile, destination) if source else None


def needs_session(profile: Profile) -> bool:
    """Whether opening the console takes credentials (false for a kind with its own shortcut)."""
    return _shortcut(profile, "") is None


def region_of(profile: Profile, request: Request) -> str:
    """The console's region: --region, else the profile's. Credentials sign in only to their own
    partition's console, so a region of another partition is a ConfigError."""
    home = profile.region or "us-east-1"
    if not request.region:
        return home
    region = check_region(request.region)
    if partition_for(region) != partition_for(home):
        raise ConfigError(
            f"{region} is in another partition ({partition_for(region)}) than {profile.name} "
            f"({partition_for(home)}): its credentials cannot sign in to that console"
        )
    return region


def check(profile: Profile, request: Request) -> str:
    """The destination URL. Every bad input in `request`, and a profile whose sessions the console
    refuses, is a ConfigError here, before a session is minted."""
    destination = destination_url(region_of(profile, request), request.service, request.destination)
    source = _first_hop(profile)
    message = source.console_refusal(profile) if source else None
    if message:
        raise ConfigError(message, hint="use a role (via:) or a federated user (GetFederationToken) for the console")
    return destination


def target(profile: Profile, request: Request, session: Session | None) -> Target:
    """Where the browser goes for `profile`. `session` (the profile's credentials) is needed only
    when `needs_session(profile)`: an IAM Identity Center profile goes through its portal instead."""
    region = region_of(profile, request)
    destination = check(profile, request)
    base = federation_url(region)
    shortcut = _shortcut(profile, destination)
    if shortcut is not None:
        url, secret = shortcut, False
    else:
        if session is None:
            raise ValueError(f"{profile.name}: the console needs its session")
        url = login_url(base, signin_token(session, base), destination)
        secret = True
    if request.logout_first:
        url = logout_first(base, url)
    if request.container:
        url = container_link(profile.name, url)
    service = check_service(request.service) if request.service else None
    return Target(url, secret, profile.name, service, profile.chromium_profile)


def open_console(
    profile: Profile, request: Request, session: Session | None, command: list[str] | None
) -> tuple[Target, bool]:
    """Open the console for `profile` with the browser `command` (core/gateways/browser.py `command`; None:
    the system's); a URL with a sign-in token goes through a private page. Whether a browser took it."""
    from rolecall.core.gateways import browser

    found = target(profile, request, session)
    opened = browser.open_url(
        found.url, secret=found.secret, argv=command, extra=browser.chromium_flags(command, found.chromium_profile)
    )
    if opened and found.service:
        remember_service(found.service)
    return found, opened


# --------------------------------------------------------------------------- recent services


def _recent_file() -> Path:
    from rolecall.core.store import paths

    return paths.state_dir() / "console-recent.json"


def recent_services() -> list[str]:
    """The services the console was last opened on, newest first (what the app's picker offers)."""
    from rolecall.core.store import storage

    try:
        data = storage.read_json(_recent_file()) or {}
    except StorageError:
        return []
    names = data.get("services") if isinstance(data, dict) else None
    if not isinstance(names, list):
        return []
    return [name for name in names if isinstance(name, str) and SERVICE.match(name)][:RECENT_LIMIT]


def remember_service(service: str) -> None:
    """Put `service` first in the recent list (kept to RECENT_LIMIT); a disk that refuses is no error."""
    from rolecall.core.store import storage

    names = [service] + [name for name in recent_services() if name != service]
    try:
        storage.write_json(_recent_file(), {"services": names[:RECENT_LIMIT]})
    except StorageError:
        pass
