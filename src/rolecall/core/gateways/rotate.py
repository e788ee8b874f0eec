"""`rolecall rotate`: a new access key for the keys in the keyring, as aws-vault does it.

CreateAccessKey, check the new key answers GetCallerIdentity as the same user, swap it into the
keyring, DeleteAccessKey of the old one. IAM refuses calls made with a GetSessionToken session
unless it carries MFA, so a profile with `mfa_serial` signs its IAM calls with an MFA session and
one without signs them with the old keys themselves. Every step that fails leaves a usable key in
the keyring and says which one. botocore is imported when the first call is made.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rolecall.core.domain.credentials import Credentials
from rolecall.core.domain.errors import AwsError, ConfigError, RolecallError
from rolecall.core.gateways import aws
from rolecall.core.store import key_vault

if TYPE_CHECKING:
    from rolecall.core.gateways.sts import Gateway

CHECK_DELAYS = (1.0, 2.0, 4.0, 8.0)  # a new IAM key takes a few seconds to be accepted everywhere
MFA_SESSION_SECONDS = 900


@dataclass(frozen=True)
class Rotated:
    user_arn: str
    old_key_id: str
    new_key_id: str


class Iam:
    """The IAM calls rotate makes, signed with the given credentials. The endpoint follows
    botocore's own settings (AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL)."""

    def __init__(self, credentials: Credentials, region: str | None):
        from botocore.config import Config

        self.client: Any = aws.client(
            "iam",
            "IAM",
            region_name=region or "us-east-1",
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            config=Config(retries={"mode": "standard"}, user_agent_extra="rolecall"),
        )

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        def refused(code: str, message: str, response: dict[str, Any]) -> AwsError:
            return AwsError(f"AWS refused {operation}: {code}: {message}".rstrip(": "), code=code)

        return aws.call(
            self.client,
            operation,
            params,
            service="IAM",
            what=operation,
            refused=refused,
            network_hint=" (or AWS_ENDPOINT_URL_IAM)",
        )


def user_name(arn: str) -> str:
    """The IAM user an ARN names (`arn:aws:iam::123:user/path/alice` -> alice), or a ConfigError."""
    resource = arn.split(":", 5)[-1]
    if not resource.startswith("user/"):
        raise ConfigError(f"rotate needs an IAM user's keys; these belong to {arn}")
    return resource.rsplit("/", 1)[-1]


def rotate(
    profile: str,
    sts: Gateway,
    *,
    region: str | None = None,
    mfa_serial: str | None = None,
    mfa_code: Callable[[], str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    notify: Callable[[str], None] = lambda _: None,
) -> Rotated:
    """Rotate the keys of `profile` kept in the keyring. `mfa_code` is asked once when the profile
    has an MFA device; `notify` hears each step done."""
    old = key_vault.lookup(profile)
    if old is None:
        raise ConfigError(
            f"the keys of {profile} are not in the keyring", hint=f"move them there first with `rolecall add {profile}`"
        )
    arn = str(sts.get_caller_identity(old, region)["Arn"])
    user = user_name(arn)
    signer = old
    if mfa_serial:
        if mfa_code is None:
            raise ConfigError(f"rotating the keys of {profile} needs an MFA code for {mfa_serial}")
        signer = sts.get_session_token(
            old, duration=MFA_SESSION_SECONDS, region=region, serial=mfa_serial, code=mfa_code()
        )
    iam = Iam(signer, region)
    made = iam.call("CreateAccessKey", UserName=user)["AccessKey"]
    new = Credentials(made["AccessKeyId"], made["SecretAccessKey"])
    notify(f"created access key {new.access_key_id} for {user}")

    def undo(why: str) -> RolecallError:
        try:
            iam.call("DeleteAccessKey", UserName=user, AccessKeyId=new.access_key_id)
            left = f"the new key {new.access_key_id} was deleted"
        except AwsError as exc:
            left = f"delete the unused new key {new.access_key_id} by hand ({exc.message})"
        return AwsError(f"{why}; the old key {old.access_key_id} is still in the keyring and usable; {left}")

    _check(new, sts, region, sleep, undo)
    try:
        key_vault.store(profile, new)
    except RolecallError as exc:
        raise undo(f"the keyring did not take the new key ({exc.message})") from None
    notify(f"the keyring now holds {new.access_key_id} for {profile}")
    try:
        iam.call("DeleteAccessKey", UserName=user, AccessKeyId=old.access_key_id)
    except AwsError as exc:
        raise AwsError(
            f"the new key {new.access_key_id} is in the keyring and works, but deleting the old key "
            f"{old.access_key_id} failed: {exc.message}",
            hint="if it is still there, delete it in the IAM console or with `aws iam delete-access-key`",
        ) from None
    return Rotated(arn, old.access_key_id, new.access_key_id)


def _check(
    new: Credentials,
    sts: Gateway,
    region: str | None,
    sleep: Callable[[float], None],
    undo: Callable[[str], RolecallError],
) -> None:
    """GetCallerIdentity with the new key succeeds, within a few bounded retries."""
    last = ""
    for delay in (0.0, *CHECK_DELAYS):
        if delay:
            sleep(delay)
        try:
            sts.get_caller_identity(new, region)
            return
        except AwsError as exc:
            last = exc.message
    raise undo(f"the new key did not work ({last})")
