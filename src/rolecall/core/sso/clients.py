"""botocore's `sso-oidc` and `sso` clients: unsigned (bearer token), created on first use.

Endpoints are botocore's: https://oidc.{region}.amazonaws.com and https://portal.sso.{region}.amazonaws.com,
or AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL, which botocore itself honours.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from rolecall.core import settings
from rolecall.core.errors import AwsError, ConfigError

_lock = threading.Lock()
_session = None


def _botocore_session() -> Any:  # botocore is untyped
    global _session
    with _lock:
        if _session is None:
            import botocore.session

            # Nothing from the user's profiles changes these calls; endpoint variables still apply.
            session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
            session.set_config_variable("config_file", os.devnull)
            session.set_config_variable("credentials_file", os.devnull)
            _session = session
        return _session


def client(service: str, region: str, *, attempts: int = 3, mode: str = "standard") -> Any:
    """An unsigned botocore client for `service` ("sso-oidc" or "sso") in `region`."""
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
    session = _botocore_session()
    try:
        with _lock:  # a botocore session is not thread-safe; the clients it makes are
            return session.create_client(service, config=config)
    except Exception as exc:
        raise ConfigError(f"cannot set up {service} for region {region}: {first_line(exc)}") from None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return code if isinstance(code, str) else None
    return None


def call(client: Any, operation: str, what: str, **params: Any) -> dict[str, Any]:
    """`client.<operation>(**params)`; botocore's failures become one-line AwsErrors (ClientErrors are
    re-raised as AwsError with AWS's code, so callers can tell pending, denied and throttled apart)."""
    from botocore import exceptions as bx

    try:
        response: dict[str, Any] = getattr(client, operation)(**params)
        return response
    except bx.ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code") or "Unknown"
        message = " ".join((error.get("Message") or "").split())
        raise AwsError(f"IAM Identity Center refused {what}: {code}: {message}".rstrip(": "), code=code) from None
    except (bx.ConnectTimeoutError, bx.ReadTimeoutError) as exc:
        raise AwsError(f"IAM Identity Center did not answer in time ({client.meta.endpoint_url}): {first_line(exc)}",
                       code="Timeout") from None
    except bx.EndpointConnectionError:
        raise AwsError(f"cannot reach IAM Identity Center at {client.meta.endpoint_url}: check the network",
                       code="NetworkError") from None
    except bx.BotoCoreError as exc:
        raise AwsError(f"{what} failed: {first_line(exc)}", code=type(exc).__name__) from None
