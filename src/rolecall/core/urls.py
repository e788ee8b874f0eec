"""Where a secret may travel: https anywhere, plain http only to this machine."""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(host: str | None) -> bool:
    return host is not None and (host.lower() in LOOPBACK or host.startswith("127."))


def safe_for_secrets(url: str) -> bool:
    """Whether a request carrying credentials or tokens may go to `url`: https, or http to
    127.0.0.0/8, localhost or [::1] (a local stand-in). Anything else would send them in clear."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))
