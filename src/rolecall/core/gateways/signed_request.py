"""An HTTP request signed with SigV4 (botocore's signer) using a session's temporary credentials:
what awscurl does, for IAM-authenticated endpoints such as a Lambda Function URL with IAM auth.

botocore is imported inside the functions that sign and send, like everywhere in core.
"""

from __future__ import annotations

import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rolecall.core.domain.errors import AwsError, ConfigError
from rolecall.core.domain.regions import is_region
from rolecall.core.gateways.urls import safe_for_secrets

if TYPE_CHECKING:
    from rolecall.core.domain.credentials import Credentials

LAMBDA_URL = re.compile(r"^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$")
AWS_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn")


CHUNK = 64 * 1024  # the most of a body held in memory at once: it is written out as it arrives


@dataclass(frozen=True)
class Response:
    """Status and headers; the body is read with `chunks()`, each at most CHUNK bytes, until the
    request's deadline."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    chunks: Callable[[], Iterator[bytes]]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def scope_from_host(host: str) -> tuple[str | None, str | None]:
    """(service, region) to sign for, as far as an AWS host name tells them; (None, None) for other hosts.

    `<id>.lambda-url.<region>.on.aws` -> lambda; `[<prefix>.]<service>.<region>.amazonaws.com`;
    `<domain>.<region>.<service>.amazonaws.com` (OpenSearch, aoss); `<service>.amazonaws.com` (global).
    """
    host = host.lower().rstrip(".")
    match = LAMBDA_URL.match(host)
    if match:
        return "lambda", match.group(1)
    domain = next((d for d in AWS_DOMAINS if host.endswith(d)), None)
    if domain is None:
        return None, None
    labels = host[: -len(domain)].split(".")
    regions = [i for i, label in enumerate(labels) if is_region(label)]
    if not regions:
        return labels[-1] or None, None
    i = regions[-1]
    if i + 1 < len(labels):
        return labels[i + 1], labels[i]
    return (labels[i - 1] if i > 0 else None), labels[i]


def parse_header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip() or any(c.isspace() for c in name.strip()):
        raise ConfigError(f"--header {text!r} is not 'Name: value'")
    return name.strip(), value.strip()


MAX_DATA = 64 * 1024 * 1024  # a request body is signed whole (its hash is in the signature), so it is held in memory


def read_data(value: str | None) -> bytes:
    """The request body: `@FILE` reads a file (`@-` standard input), anything else is sent as written."""
    if value is None:
        return b""
    if not value.startswith("@"):
        return value.encode("utf-8")
    path = os.path.expanduser(value[1:])
    try:
        if value == "@-":
            body = sys.stdin.buffer.read(MAX_DATA + 1)
        else:
            with open(path, "rb") as file:
                body = file.read(MAX_DATA + 1)
    except OSError as exc:
        raise ConfigError(f"--data {value}: cannot read {path}: {exc.strerror or exc}") from None
    if len(body) > MAX_DATA:
        raise ConfigError(f"--data {value}: larger than {MAX_DATA // (1024 * 1024)} MiB")
    return body


def send(
    credentials: Credentials,
    url: str,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    data: bytes = b"",
    service: str | None = None,
    region: str | None = None,
    timeout: float = 30.0,
    *,
    default_region: str | None = None,
    allow_http: bool = False,
) -> Response:
    """Sign `method url` with SigV4 for (service, region) and send it.

    `service`/`region` given win; else they come from an AWS host name; the region last from
    `default_region` (the profile's). The session token is signed in (X-Amz-Security-Token), so
    plain http goes only to this machine unless `allow_http`. `timeout` is a deadline for the
    whole request, body included: a server that drips bytes is cut off when it passes.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{url!r} is not an http(s) URL")
    if any(c.isspace() for c in url):
        raise ConfigError(f"{url!r} holds spaces: write them as %20")
    if not (allow_http or safe_for_secrets(url)):
        raise ConfigError(
            f"refusing to send the session token in clear to {parts.hostname}: use https",
            hint="--allow-http sends it anyway (only for a network you trust)",
        )
    if not 0 < timeout <= 24 * 3600:
        raise ConfigError(f"--timeout must be between 0 and 86400 seconds, not {timeout:g}")
    host_service, host_region = scope_from_host(parts.hostname)
    service = service or host_service
    region = region or host_region or default_region
    if not service:
        raise ConfigError(
            f"cannot tell which AWS service {parts.hostname} is: pass --service (e.g. execute-api, lambda)"
        )
    if not region:
        raise ConfigError(f"cannot tell the region of {parts.hostname}: pass --region or set the profile's region")

    from botocore import exceptions as bx
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials
    from botocore.httpsession import URLLib3Session
    from botocore.utils import get_environ_proxies

    deadline = time.monotonic() + timeout
    request = AWSRequest(method=method.upper(), url=url, headers=dict(headers or []), data=data)
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(
        BotoCredentials(credentials.access_key_id, credentials.secret_access_key, credentials.session_token),
        service,
        region,
    ).add_auth(request)
    http = URLLib3Session(
        verify=os.environ.get("AWS_CA_BUNDLE") or True, proxies=get_environ_proxies(url), timeout=timeout
    )
    prepared = request.prepare()
    prepared.stream_output = True

    def failed(exc: Exception) -> AwsError:
        if isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError):
            return AwsError(f"{parts.hostname} did not answer within {timeout:g} seconds", code="Timeout")
        if isinstance(exc, bx.EndpointConnectionError):
            return AwsError(f"cannot connect to {parts.netloc}: check the URL and the network", code="NetworkError")
        if isinstance(exc, bx.SSLError):
            return AwsError(f"TLS with {parts.hostname} failed: {str(exc).splitlines()[0]}", code="SSLError")
        return AwsError(f"the request to {parts.netloc} failed: {str(exc).splitlines()[0]}", code="HTTPError")

    try:
        answer = http.send(prepared)
    except (bx.HTTPClientError, bx.EndpointConnectionError) as exc:
        http.close()
        raise failed(exc) from None
    raw = answer.raw

    def chunks() -> Iterator[bytes]:
        # At the deadline a timer shuts the socket, so a read that is waiting returns at once.
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, (sock,))
        watchdog.daemon = True
        watchdog.start()
        read = getattr(raw, "read1", None) or raw.read
        try:
            while True:
                try:
                    chunk = read(CHUNK)
                except Exception as exc:
                    if time.monotonic() >= deadline:
                        break
                    raise failed(exc) from None
                if time.monotonic() >= deadline:
                    break  # the watchdog shut the socket, or the deadline passed between reads
                if not chunk:
                    return
                yield chunk
            raise AwsError(f"{parts.hostname} did not finish within {timeout:g} seconds (--timeout)", code="Timeout")
        finally:
            watchdog.cancel()
            raw.release_conn()
            http.close()

    return Response(answer.status_code, raw.reason or "", list(raw.headers.items()), chunks)


def _shut(sock: socket.socket | None) -> None:
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
