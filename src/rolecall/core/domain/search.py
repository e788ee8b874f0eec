"""Filtering profiles the way a person means it: ranked matches over account, role, id and tags.

Each word of the query is scored against every field of a profile (account name, role name,
account id, tags, and the profile name when it is not just `account/role`):

    the whole field                100   `dev` -> account dev
    the start of the field          80   `dev` -> Developer, `2222` -> 222222222222
    the start of a word in it       60   `admin` -> PowerAdmin, `infra` -> team=infra
    the initials of its words       50   `ro` -> ReadOnly
    anywhere inside it              30   `ead` -> ReadOnly
    its letters in order            10   `stg` finds staging (only when nothing above does)

Words are what a person writes between the parts of a name: spaces, `/`, `-` and `_` all
separate them, so `prod/admin`, `prod admin` and `prod-admin` find prod's Admin alike (the filter
and the command palette both rank with this index). A profile matches when every word scores; a repeated word must score in a second field
(`dev dev` puts dev/Developer above staging/Developer). Matches are ranked by their total
score, ties in catalog order. Scattered letters count only inside one field and only when no
profile has the word as written, so `prd` never brings Developer roles above real words.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rolecall.core.domain.profiles import Profile

WHOLE, START, WORD_START, INITIALS, INSIDE, SCATTERED = 100, 80, 60, 50, 30, 10
_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SEPARATORS = re.compile(r"[\s/_-]+")


def fields(profile: Profile) -> list[str]:
    """The texts a query word is matched against, as shown to the user."""
    found = [profile.account_name, profile.role_name, profile.account_id]
    found += [f"{key}={value}" for key, value in profile.tags.items()]
    if profile.name != f"{profile.account_name}/{profile.role_name}":
        found.append(profile.name)
    return found


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


class _Field:
    __slots__ = ("initials", "lower", "starts")

    def __init__(self, text: str):
        self.lower = text.lower()
        parts = _PARTS.findall(text)
        self.starts = [part.lower() for part in parts]
        self.initials = "".join(part[0] for part in parts).lower() if len(parts) > 1 else ""

    def score(self, word: str) -> int:
        """How well `word` (lower case) matches this field without scattering; 0 for not at all."""
        lower = self.lower
        if word not in lower:
            return INITIALS if self.initials.startswith(word) and len(word) > 1 else 0
        if lower == word:
            return WHOLE
        if lower.startswith(word):
            return START
        for part in self.starts:
            if part.startswith(word):
                return WORD_START
        return INSIDE


class SearchIndex:
    """The profiles' fields, prepared once; `rank(query)` per keystroke.

    Scores of a word are kept while the query keeps it, so typing one more letter only scores
    the word being typed."""

    def __init__(self, profiles: list[Profile]):
        self.profiles = profiles
        # one _Field per distinct text: the roles of an account share its name, id and tags, so a
        # word is scored once per text rather than once per role
        made: dict[str, _Field] = {}
        self._fields = [
            [made[text] if text in made else made.setdefault(text, _Field(text)) for text in fields(p)]
            for p in profiles
        ]
        # one text per profile, with a separator no word contains, for a quick `word in` test
        self._joined = [
            "\x00".join(f.lower for f in fs) + "\x00" + "\x00".join(f.initials for f in fs) for fs in self._fields
        ]
        self._cache: dict[str, dict[int, list[int]]] = {}

    def _scores(self, word: str) -> dict[int, list[int]]:
        """Profile index -> its fields' scores for `word`, best first (only profiles that match)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: dict[int, list[int]] = {}
        scored: dict[_Field, int] = {}
        for number, joined in enumerate(self._joined):
            if word in joined:
                scores = []
                for field in self._fields[number]:
                    score = scored.get(field)
                    if score is None:
                        score = scored[field] = field.score(word)
                    if score:
                        scores.append(score)
                if scores:
                    found[number] = sorted(scores, reverse=True)
        if not found:
            scattered: dict[_Field, bool] = {}
            for number, profile_fields in enumerate(self._fields):
                for field in profile_fields:
                    if field not in scattered:
                        scattered[field] = letters_in_order(word, field.lower) is not None
                    if scattered[field]:
                        found[number] = [SCATTERED]
                        break
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[word] = found
        return found

    def rank(self, query: Query | str) -> list[int]:
        """Indices of the matching profiles, best first."""
        query = query if isinstance(query, Query) else Query(query)
        if not query:
            return list(range(len(self.profiles)))
        totals: dict[int, int] | None = None
        for word, times in Counter(query.all_words).items():
            scores = self._scores(word)
            chosen: dict[int, int] = {}
            for number in scores if totals is None else totals:
                best = scores.get(number)
                if best is None:
                    continue
                # a word typed twice needs a second field; scattered letters count once
                chosen[number] = sum(best[:times]) if len(best) >= times or best == [SCATTERED] else 0
            if totals is None:
                totals = {n: s for n, s in chosen.items() if s}
            else:
                totals = {n: totals[n] + s for n, s in chosen.items() if s}
            if not totals:
                return []
        assert totals is not None
        return sorted(totals, key=lambda n: (-totals[n], n))


class Query:
    def __init__(self, text: str):
        self.all_words = tuple(word for word in _SEPARATORS.split(text.lower()) if word)
        self.words = tuple(dict.fromkeys(self.all_words))

    def __bool__(self) -> bool:
        return bool(self.words)

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
