"""botocore's `sso-oidc` and `sso` clients: unsigned (bearer token), created on first use.

Endpoints are botocore's: https://oidc.{region}.amazonaws.com and https://portal.sso.{region}.amazonaws.com,
or AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL, which botocore itself honours.
Every call carries a bearer token, refresh token or client secret, so the endpoint botocore resolved
must be https, or plain http on this machine only (`urls.safe_for_secrets`, the rule of every
endpoint that carries a secret).

Text from the service (error messages) goes through `display.printable` before it is put in an
error, so a message is safe to print as it is.
"""

from __future__ import annotations

import os
from typing import Any

from rolecall.core.domain.errors import AwsError, ConfigError
from rolecall.core.gateways import aws, urls
from rolecall.core.store import settings
from rolecall.core.text.display import printable

ENDPOINT_VARIABLES = {"sso-oidc": "AWS_ENDPOINT_URL_SSO_OIDC", "sso": "AWS_ENDPOINT_URL_SSO"}
MAX_RETRY_AFTER = 30.0  # seconds: a server asking for longer is answered with our own backoff


class Throttled(AwsError):
    """The service answered 429 (or a throttling code); `retry_after` is its Retry-After in seconds, if any."""

    def __init__(self, message: str, code: str, retry_after: float | None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


def client(service: str, region: str, *, attempts: int = 3, mode: str = "standard") -> Any:
    """An unsigned botocore client for `service` ("sso-oidc" or "sso") in `region`; a ConfigError when
    its endpoint would send secrets in clear (http to another machine)."""
    from botocore import UNSIGNED
    from botocore.config import Config

    config = Config(
        region_name=region,
        signature_version=UNSIGNED,
        connect_timeout=settings.get("sso_connect_timeout"),
        read_timeout=settings.get("sso_read_timeout"),
        retries={"mode": mode, "total_max_attempts": attempts},
        max_pool_connections=32,
        user_agent_extra="rolecall",
    )
    made = aws.client(service, f"{service} for region {printable(region)}", config=config)
    endpoint = made.meta.endpoint_url
    if not urls.safe_for_secrets(endpoint):
        variable = ENDPOINT_VARIABLES.get(service, "AWS_ENDPOINT_URL")
        if variable not in os.environ:
            variable = "AWS_ENDPOINT_URL"
        raise ConfigError(
            f"refusing to send IAM Identity Center tokens in clear to {printable(endpoint[:100])!r}: "
            f"{variable} must be an https URL (http only for 127.0.0.1, localhost or [::1])",
            hint=f"use https, or unset {variable} to use AWS's endpoint",
        )
    return made


def retry_after(response: dict[str, Any]) -> float | None:
    """The delay a throttled response asks for: x-amz-retry-after (milliseconds, as botocore reads it)
    or Retry-After (seconds); None when absent or not a number, capped at MAX_RETRY_AFTER."""
    headers = (response.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    for name, scale in (("x-amz-retry-after", 0.001), ("retry-after", 1.0)):
        try:
            value = float(headers[name]) * scale
        except (KeyError, TypeError, ValueError):
            continue
        if 0 <= value < float("inf"):
            return min(value, MAX_RETRY_AFTER)
    return None


THROTTLING = {"TooManyRequestsException", "ThrottlingException", "Throttling", "SlowDown"}


def call(client: Any, operation: str, what: str, **params: Any) -> dict[str, Any]:
    """`client.<operation>(**params)`; botocore's failures become one-line AwsErrors (ClientErrors are
    re-raised as AwsError with AWS's code, so callers can tell pending, denied and throttled apart;
    a 429 or throttling code is a Throttled carrying the server's Retry-After)."""

    def refused(code: str, message: str, response: dict[str, Any]) -> AwsError:
        text = f"IAM Identity Center refused {what}: {code}: {message}".rstrip(": ")
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        if status == 429 or code in THROTTLING:
            return Throttled(text, code, retry_after(response))
        return AwsError(text, code=code)

    return aws.call(client, operation, params, service="IAM Identity Center", what=what, refused=refused)
