"""The registry of credential source kinds: `Profile.kind` -> its CredentialSource class.

A class is imported only when a profile of its kind is used or read back from the index, so the
cached paths never load what they do not need. Adding a kind: its module in core/sources/ and one
line here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rolecall.core.domain.errors import ConfigError

if TYPE_CHECKING:
    from rolecall.core.sources.base import CredentialSource, Settings

KINDS: dict[str, str] = {
    "role": "rolecall.core.sources.role:RoleSource",
    "static": "rolecall.core.sources.static:StaticKeys",
    "process": "rolecall.core.sources.process:CredentialProcess",
    "web_identity": "rolecall.core.sources.web_identity:WebIdentity",
    "saml": "rolecall.core.sources.saml:Saml",
    "federation": "rolecall.core.sources.federation:Federation",
    "sso": "rolecall.core.sources.sso:IdentityCenter",
    "login_session": "rolecall.core.sources.login_session:LoginSession",
}

_loaded: dict[str, CredentialSource] = {}


def source_for(kind: str) -> CredentialSource:
    """The source of profiles of `kind` (one instance per kind)."""
    found = _loaded.get(kind)
    if found is None:
        try:
            module, _, name = KINDS[kind].partition(":")
        except KeyError:
            raise ConfigError(f"profiles of kind {kind!r} are not supported by this rolecall") from None
        found = _loaded[kind] = getattr(importlib.import_module(module), name)()
    return found


def settings_type(kind: str) -> type[Settings]:
    return source_for(kind).settings
