"""botocore, set up once for every AWS service rolecall calls (STS, IAM, IAM Identity Center, the
sign-in service): one botocore session that the user's config files and AWS_PROFILE cannot change
(everything a call needs is passed explicitly; the AWS_ENDPOINT_URL* variables still apply), clients
made under its lock, and every failure of a call as one line whose text from the service has been through
`display.printable`. botocore is imported on first use, never at import time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from rolecall.core.domain.errors import AwsError, ConfigError
from rolecall.core.text.display import printable

MAX_CODE, MAX_MESSAGE = 100, 300  # characters of an error code and message kept from an answer

_lock = threading.Lock()
_botocore: Any = None  # the botocore Session clients are made from (botocore is untyped)


def _botocore_session() -> Any:
    global _botocore
    with _lock:
        if _botocore is None:
            import botocore.session

            made = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
            made.set_config_variable("config_file", os.devnull)
            made.set_config_variable("credentials_file", os.devnull)
            _botocore = made
        return _botocore


def client(service: str, what: str, **options: Any) -> Any:
    """A botocore client for `service` (botocore's `create_client` options); a ConfigError naming
    `what` when botocore cannot make one (an unknown region, a bad endpoint variable)."""
    factory = _botocore_session()
    try:
        with _lock:  # a botocore session is not thread-safe; the clients it makes are
            return factory.create_client(service, **options)
    except Exception as exc:
        raise ConfigError(f"cannot set up {what}: {printable(first_line(exc))}") from None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def endpoint(client: Any, service: str) -> str:
    return printable(str(getattr(client.meta, "endpoint_url", service)))


Refused = Callable[[str, str, dict[str, Any]], AwsError]


def call(
    client: Any,
    operation: str,
    params: dict[str, Any],
    *,
    service: str,
    what: str,
    refused: Refused,
    network_hint: str = "",
) -> dict[str, Any]:
    """`client.<operation>(**params)` (operation as AWS names it, CreateToken, or as botocore does,
    create_token). A refusal becomes `refused(code, message, response)`; timeouts, an unreachable
    endpoint, a request botocore will not send and an answer it cannot parse become one-line errors
    naming `service` and `what`."""
    from botocore import exceptions as bx
    from botocore import xform_name

    try:
        response: dict[str, Any] = getattr(client, xform_name(operation))(**params)
    except bx.ClientError as exc:
        error = exc.response.get("Error", {})
        code = printable(str(error.get("Code") or "Unknown"))[:MAX_CODE]
        message = printable(" ".join(str(error.get("Message") or "").split()))[:MAX_MESSAGE]
        raise refused(code, message, exc.response) from None
    except (bx.ConnectTimeoutError, bx.ReadTimeoutError) as exc:
        raise AwsError(
            f"{service} did not answer in time ({endpoint(client, service)}): {printable(first_line(exc))}",
            code="Timeout",
        ) from None
    except bx.EndpointConnectionError:
        raise AwsError(
            f"cannot reach {service} at {endpoint(client, service)}: check the network{network_hint}",
            code="NetworkError",
        ) from None
    except bx.ParamValidationError as exc:
        detail = "; ".join(line.strip() for line in str(exc).splitlines()[1:]) or first_line(exc)
        raise ConfigError(f"AWS would not accept {what}: {printable(detail)}") from None
    except bx.BotoCoreError as exc:
        raise AwsError(f"{what} failed: {printable(first_line(exc))}", code=type(exc).__name__) from None
    except (ValueError, TypeError, KeyError) as exc:  # botocore's parser on an answer that breaks its model
        raise AwsError(
            f"{what}: {service}'s answer could not be read ({printable(first_line(exc))[:100]})", code="BadResponse"
        ) from None
    return response
