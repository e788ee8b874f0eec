"""The audit trail: one JSON line per assume, never a secret."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from rolecall.core.domain.credentials import Session, iso
from rolecall.core.store import storage


def record(path: Path, session: Session, when: datetime, *, action: str = "assume") -> None:
    line = {
        "time": iso(when),
        "action": action,
        "profile": session.profile,
        "role_arn": session.role_arn,
        "session_name": session.session_name,
        "source_identity": session.source_identity,
        "access_key_id": session.credentials.access_key_id,
        "expires": iso(session.expiration) if session.expiration else None,
    }
    storage.append_line(path, json.dumps(line, sort_keys=True))
