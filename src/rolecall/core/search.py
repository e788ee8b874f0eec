"""Fuzzy matching of profiles over account name, account id, role name, profile name and tags.

Each word of the query must match. A word that appears as written in some profile keeps only
those profiles (typing `prod` should not also bring `p-r-o-d` scattered through an ARN); a
word found nowhere as written matches its letters in order (`stgadm` finds staging/Admin).
"""

from __future__ import annotations

from rolecall.core.profiles import Profile


def haystack(profile: Profile) -> str:
    tags = " ".join(f"{k}={v}" for k, v in profile.tags.items())
    return f"{profile.account_name} {profile.account_id} {profile.role_name} {profile.name} {tags}".lower()


def letters_in_order(word: str, text: str) -> list[int] | None:
    """Positions of `word`'s letters found left to right in `text` (greedy), or None.

    Linear in the text: a regex like p.*?r.*?o backtracks badly on near misses."""
    found, position = [], 0
    for char in word:
        position = text.find(char, position)
        if position < 0:
            return None
        found.append(position)
        position += 1
    return found


class Query:
    def __init__(self, text: str):
        self.words = tuple(dict.fromkeys(text.lower().split()))

    def __bool__(self) -> bool:
        return bool(self.words)

    def select(self, haystacks: list[str]) -> list[int]:
        """Indices of the haystacks (from `haystack()`) that match every word."""
        chosen = range(len(haystacks))
        for word in self.words:
            exact = [i for i in chosen if word in haystacks[i]]
            if exact:
                chosen = exact
            else:
                chosen = [i for i in chosen if letters_in_order(word, haystacks[i]) is not None]
        return list(chosen)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the words fall in a displayed `text`, for highlighting."""
        lowered = text.lower()
        found = []
        for word in self.words:
            start = lowered.find(word)
            if start >= 0:
                found.append((start, start + len(word)))
                continue
            for position in letters_in_order(word, lowered) or ():
                found.append((position, position + 1))
        return found
