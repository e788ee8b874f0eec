"""Fuzzy matching of profiles: every word of the query must appear, letters in order, in the
profile's account name, account id, role name, profile name or tags."""

from __future__ import annotations

import re
from functools import lru_cache

from rolecall.core.profiles import Profile


@lru_cache(maxsize=64)
def compile_query(query: str) -> tuple[re.Pattern, ...]:
    """One pattern per word; each letter is a group so a match can be highlighted."""
    return tuple(
        re.compile(".*?".join(f"({re.escape(char)})" for char in word), re.IGNORECASE)
        for word in query.split()
    )


def haystack(profile: Profile) -> str:
    tags = " ".join(f"{k}={v}" for k, v in profile.tags.items())
    return f"{profile.account_name} {profile.account_id} {profile.role_name} {profile.name} {tags}"


def matches(patterns: tuple[re.Pattern, ...], text: str) -> bool:
    return all(p.search(text) for p in patterns)


def spans(patterns: tuple[re.Pattern, ...], text: str) -> list[tuple[int, int]]:
    """Where the query's letters fall in `text` (for highlighting), word by word."""
    found = []
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            found.extend(match.span(g) for g in range(1, (match.lastindex or 0) + 1))
    return found
