"""The only module that talks to STS. botocore is imported on first use, never at import time.

Every AWS or network failure leaves here as an AwsError with one line a user can read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Protocol

from rolecall.core.domain.credentials import Credentials
from rolecall.core.domain.errors import AwsError, InvalidMfaCode
from rolecall.core.gateways import aws
from rolecall.core.store import settings

SESSION_NAME_CHARS = re.compile(r"[^\w+=,.@-]")


def session_name(user: str | None = None) -> str:
    """`rolecall-<user>`, reduced to STS's RoleSessionName alphabet and 64 characters."""
    if user is None:
        import getpass

        try:
            user = getpass.getuser()
        except Exception:  # no passwd entry, no USER: still a valid name
            user = "user"
    name = SESSION_NAME_CHARS.sub("-", f"rolecall-{user}")[:64]
    return name if len(name) >= 2 else "rolecall"


def endpoint_url(region: str | None) -> str | None:
    """AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else None (botocore picks the regional endpoint)."""
    return os.environ.get("AWS_ENDPOINT_URL_STS") or os.environ.get("AWS_ENDPOINT_URL") or None


@dataclass(frozen=True)
class AssumeRequest:
    role_arn: str
    session_name: str
    duration: int
    region: str | None = None
    external_id: str | None = None
    mfa_serial: str | None = None
    mfa_code: str | None = None
    source_identity: str | None = None
    session_tags: tuple[tuple[str, str], ...] = ()
    policy_arns: tuple[str, ...] = ()


class Gateway(Protocol):
    """What the engine and the credential sources ask of STS; StsGateway is the real one (tests hand in
    a StsGateway pointed at moto, or a recording wrapper)."""

    def assume_role(self, credentials: Credentials, request: AssumeRequest) -> Credentials: ...

    def get_session_token(
        self,
        credentials: Credentials,
        *,
        duration: int,
        region: str | None,
        serial: str | None = None,
        code: str | None = None,
    ) -> Credentials: ...

    def assume_role_with_web_identity(self, request: AssumeRequest, token: str) -> Credentials: ...

    def assume_role_with_saml(
        self,
        role_arn: str,
        principal_arn: str,
        assertion: str,
        duration: int,
        region: str | None,
        policy_arns: tuple[str, ...] = (),
    ) -> Credentials: ...

    def get_federation_token(
        self,
        credentials: Credentials,
        name: str,
        duration: int,
        policy: str | None = None,
        policy_arns: tuple[str, ...] = (),
        region: str | None = None,
    ) -> Credentials: ...

    def get_caller_identity(self, credentials: Credentials, region: str | None) -> dict[str, Any]: ...


class StsGateway:
    """STS calls with explicit credentials, through core/gateways/aws.py's one botocore session."""

    def __init__(
        self,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_attempts: int | None = None,
    ):
        # Short by default: STS answers in well under a second, and a user waiting on a dead
        # network should hear so in seconds. Each can be set from the environment.
        self.connect_timeout: float = connect_timeout or settings.get("sts_connect_timeout")
        self.read_timeout: float = read_timeout or settings.get("sts_read_timeout")
        self.max_attempts: int = max_attempts or settings.get("sts_attempts")

    def _client(self, credentials: Credentials | None, region: str | None) -> Any:
        """A client signing with `credentials`; with None, an unsigned one (the calls whose proof is
        a token or an assertion rather than a signature)."""
        from botocore.config import Config

        region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        options: dict[str, Any] = {}
        keys: dict[str, Any] = {}
        if credentials is None:
            from botocore import UNSIGNED

            options["signature_version"] = UNSIGNED
        else:
            keys = {
                "aws_access_key_id": credentials.access_key_id,
                "aws_secret_access_key": credentials.secret_access_key,
                "aws_session_token": credentials.session_token,
            }
        config = Config(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            user_agent_extra="rolecall",
            **options,
        )
        return aws.client(
            "sts",
            f"STS for region {region}",
            region_name=region,
            endpoint_url=endpoint_url(region),
            config=config,
            **keys,
        )

    def assume_role(self, credentials: Credentials, request: AssumeRequest) -> Credentials:
        params: dict[str, Any] = {
            "RoleArn": request.role_arn,
            "RoleSessionName": request.session_name,
            "DurationSeconds": request.duration,
        }
        if request.external_id:
            params["ExternalId"] = request.external_id
        if request.mfa_serial and request.mfa_code:
            params["SerialNumber"] = request.mfa_serial
            params["TokenCode"] = request.mfa_code
        if request.source_identity:
            params["SourceIdentity"] = request.source_identity
        if request.session_tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in request.session_tags]
        if request.policy_arns:
            params["PolicyArns"] = [{"arn": arn} for arn in request.policy_arns]
        client = self._client(credentials, request.region)
        response = self._call(client, "AssumeRole", request.role_arn, params)
        return Credentials.from_dict(response["Credentials"])

    def get_session_token(
        self,
        credentials: Credentials,
        *,
        duration: int,
        region: str | None,
        serial: str | None = None,
        code: str | None = None,
    ) -> Credentials:
        """A session of the keys' own user; with `serial` and `code`, an MFA session."""
        client = self._client(credentials, region)
        params: dict[str, Any] = {"DurationSeconds": duration}
        if serial and code:
            params.update(SerialNumber=serial, TokenCode=code)
        response = self._call(client, "GetSessionToken", serial or "the keys' user", params)
        return Credentials.from_dict(response["Credentials"])

    def assume_role_with_web_identity(self, request: AssumeRequest, token: str) -> Credentials:
        """AssumeRoleWithWebIdentity: the OIDC token is the proof, so the call is unsigned."""
        params: dict[str, Any] = {
            "RoleArn": request.role_arn,
            "RoleSessionName": request.session_name,
            "WebIdentityToken": token,
            "DurationSeconds": request.duration,
        }
        if request.policy_arns:
            params["PolicyArns"] = [{"arn": arn} for arn in request.policy_arns]
        client = self._client(None, request.region)
        response = self._call(client, "AssumeRoleWithWebIdentity", request.role_arn, params)
        return Credentials.from_dict(response["Credentials"])

    def assume_role_with_saml(
        self,
        role_arn: str,
        principal_arn: str,
        assertion: str,
        duration: int,
        region: str | None,
        policy_arns: tuple[str, ...] = (),
    ) -> Credentials:
        """AssumeRoleWithSAML: the base64 SAMLResponse is the proof, so the call is unsigned."""
        params: dict[str, Any] = {
            "RoleArn": role_arn,
            "PrincipalArn": principal_arn,
            "SAMLAssertion": assertion,
            "DurationSeconds": duration,
        }
        if policy_arns:
            params["PolicyArns"] = [{"arn": arn} for arn in policy_arns]
        client = self._client(None, region)
        response = self._call(client, "AssumeRoleWithSAML", role_arn, params)
        return Credentials.from_dict(response["Credentials"])

    def get_federation_token(
        self,
        credentials: Credentials,
        name: str,
        duration: int,
        policy: str | None = None,
        policy_arns: tuple[str, ...] = (),
        region: str | None = None,
    ) -> Credentials:
        """GetFederationToken with an IAM user's long-term keys; the policy narrows what the user may do."""
        params: dict[str, Any] = {"Name": name, "DurationSeconds": duration}
        if policy:
            params["Policy"] = policy
        if policy_arns:
            params["PolicyArns"] = [{"arn": arn} for arn in policy_arns]
        client = self._client(credentials, region)
        response = self._call(client, "GetFederationToken", f"federated user {name}", params)
        return Credentials.from_dict(response["Credentials"])

    def get_caller_identity(self, credentials: Credentials, region: str | None) -> dict[str, Any]:
        client = self._client(credentials, region)
        response = self._call(client, "GetCallerIdentity", "the caller", {})
        return {k: response[k] for k in ("UserId", "Account", "Arn") if k in response}

    def _call(self, client: Any, operation: str, target: str, params: dict[str, Any]) -> dict[str, Any]:
        def refused(code: str, message: str, response: dict[str, Any]) -> AwsError:
            return _client_error(code, message, operation, target)

        return aws.call(
            client,
            operation,
            params,
            service="STS",
            what=f"{operation} for {target}",
            refused=refused,
            network_hint=" (or AWS_ENDPOINT_URL_STS)",
        )


def _client_error(code: str, message: str, operation: str, target: str) -> AwsError:
    if "MultiFactorAuthentication" in message or ("MFA" in message and code == "AccessDenied"):
        return InvalidMfaCode(f"AWS rejected the MFA code: {message or code}", code=code)
    if code in ("Throttling", "ThrottlingException", "RequestLimitExceeded"):
        return AwsError(f"AWS is throttling STS ({operation} for {target}), even after retries: {message}", code=code)
    if code in ("RequestExpired", "SignatureDoesNotMatch") and (
        "expired" in message.lower() or "time" in message.lower()
    ):
        return AwsError(
            f"AWS says the request time is wrong ({code}): check this machine's clock. {message}".strip(), code=code
        )
    if code in ("ExpiredToken", "ExpiredTokenException"):
        return AwsError(f"the credentials used for {operation} have expired: {message}", code=code)
    return AwsError(f"AWS refused {operation} for {target}: {code}: {message}".rstrip(": "), code=code)
