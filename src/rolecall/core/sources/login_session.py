"""Kind "login_session": a profile `aws login` (AWS CLI 2.32+) signed in, `[profile x] login_session = ARN`.

The AWS CLI keeps the session in ~/.aws/login/cache/<sha256 of the login_session>.json
(AWS_LOGIN_CACHE_DIRECTORY moves it): 15-minute credentials, a refresh token and the DPoP key
that binds it. botocore's LoginCredentialFetcher reads that file and refreshes it against the
sign-in service (signing with the key, which needs the AWS CRT: the `crt` extra); the file is read
and written here with the session cache's trust rules (ours, not writable by others, no symlink).
Without a usable session the answer is one line: run `aws login`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolecall.core.domain.credentials import Credentials
from rolecall.core.domain.errors import AwsError, ConfigError
from rolecall.core.gateways import aws
from rolecall.core.sources.base import CredentialSource, Settings, settings_of
from rolecall.core.store import layout, storage

if TYPE_CHECKING:
    from rolecall.core.domain.profiles import Profile
    from rolecall.core.gateways.mfa import CodeSource
    from rolecall.core.sources.base import SourceContext

SIGN_IN_AGAIN = "run `aws login` to sign in again"
# Who signed in: an IAM user, root, or an assumed role (console federation), in their account.
SIGNED_IN_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):[\w+=,.@/:-]+$")


@dataclass(frozen=True)
class LoginSettings(Settings):
    session: str  # the login_session value: the ARN of the IAM user or root that signed in


class LoginSession(CredentialSource):
    kind = "login_session"
    settings = LoginSettings
    config_keys = ("login_session",)
    label = "aws login"

    def needs_code(self, profile: Profile) -> bool:
        return False  # `aws login` asked for everything in the browser

    def describe(self, profile: Profile) -> list[tuple[str, str]]:
        return [("aws login session", settings_of(profile, LoginSettings).session)]

    def settings_from_config(self, section: dict[str, Any]) -> LoginSettings | tuple[str, str]:
        arn = str(section["login_session"]).strip()
        if not SIGNED_IN_ARN.match(arn):
            return f"login_session {arn!r} is not an ARN (`aws login` writes the signed-in user's ARN)", "login_session"
        return LoginSettings(arn)

    def account_of(self, settings: Settings) -> str:
        match = SIGNED_IN_ARN.match(settings.session) if isinstance(settings, LoginSettings) else None
        return match.group(1) if match else ""

    def credentials(self, profile: Profile, ctx: SourceContext, code_source: CodeSource, seconds: int) -> Credentials:
        from botocore import credentials as botocore_credentials
        from botocore import exceptions as bx
        from botocore.utils import LoginTokenLoader

        session = settings_of(profile, LoginSettings).session
        fetcher = botocore_credentials.LoginCredentialFetcher(
            session_name=session,
            token_loader=LoginTokenLoader(_TrustedCache(cache_dir())),
            client_creator=_client_creator(profile.region),
            time_fetcher=ctx.now,
        )
        what = f"{profile.name}: the aws login session {session}"
        try:
            found = fetcher.load_cached_credentials()
            if _seconds_left(found, ctx.now()) < layout.MARGIN_SECONDS:
                if botocore_credentials.EC is None:
                    raise ConfigError(
                        f"{what} has expired and refreshing it needs the AWS CRT: "
                        "pip install 'rolecall[crt]', or run `aws login` again"
                    )
                found = fetcher.refresh_credentials()
        except bx.LoginTokenLoadError:
            raise ConfigError(f"{what} is not in {cache_dir()} or cannot be read: {SIGN_IN_AGAIN}") from None
        except (bx.LoginRefreshRequired, bx.LoginInsufficientPermissions) as exc:
            raise ConfigError(f"{what} cannot be refreshed ({aws.first_line(exc)}): {SIGN_IN_AGAIN}") from None
        except (bx.LoginError, bx.ClientError) as exc:
            raise AwsError(f"{what}: the sign-in service refused the refresh: {aws.first_line(exc)}") from None
        except bx.BotoCoreError as exc:  # the network: endpoint unreachable, timeouts
            raise AwsError(
                f"{what}: cannot reach the sign-in service: {aws.first_line(exc)}", code="NetworkError"
            ) from None
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{what} in {cache_dir()} is damaged: {SIGN_IN_AGAIN}") from None
        return Credentials(
            found["access_key"], found["secret_key"], found["token"], layout.parse_time(found["expiry_time"])
        )


def cache_dir() -> Path:
    """Where `aws login` keeps its sessions (botocore's rule: AWS_LOGIN_CACHE_DIRECTORY, else ~/.aws/login/cache)."""
    configured = os.environ.get("AWS_LOGIN_CACHE_DIRECTORY")
    return Path(os.path.expanduser(os.path.expandvars(configured)) if configured else "~/.aws/login/cache").expanduser()


class _TrustedCache:
    """The login cache as botocore's token loader uses it (key -> JSON), read only from files that
    pass the session cache's trust rules and written atomically, 0600."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def __contains__(self, key: str) -> bool:
        return self._read(key) is not None

    def __getitem__(self, key: str) -> dict[str, Any]:
        found = self._read(key)
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        storage.write_json(self._path(key), value)

    def _read(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        if not storage.trusted(path):
            raise ConfigError(
                f"{path} is not a private file of this user (or is a link): refused; remove it and {SIGN_IN_AGAIN}"
            )
        return storage.read_json(path)


def _client_creator(region: str | None) -> Any:
    def create(service: str, **options: Any) -> Any:
        options.setdefault("region_name", region or "us-east-1")
        return aws.client(service, "the sign-in service", **options)

    return create


def _seconds_left(found: dict[str, Any], now: datetime) -> float:
    return (layout.parse_time(found["expiry_time"]) - now).total_seconds()
