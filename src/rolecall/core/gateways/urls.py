"""Where a secret may travel: https anywhere, plain http only to this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str | None) -> bool:
    """An address of this machine: localhost, 127.0.0.0/8 or ::1 (a name like 127.0.0.1.example.com is not)."""
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def safe_for_secrets(url: str) -> bool:
    """Whether a request carrying credentials or tokens may go to `url`: https, or http to
    127.0.0.0/8, localhost or [::1] (a local stand-in). Anything else would send them in clear."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))
