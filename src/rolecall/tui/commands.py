"""The command palette: every action with an entry in the key table (tui/keys.py), run on the
screen the palette was opened from (the app's own: on the app), and `assume <profile>` for the
profiles that match, ranked by the filter's own index (core/domain/search.py), so the palette and the
filter agree on what `prod/admin` means."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from rolecall.core.domain.search import Query, SearchIndex
from rolecall.core.text.display import printable
from rolecall.tui.keys import commands

PROFILE_HITS = 50  # the palette lists the best matches, never all 5,000 profiles
ASSUME = "assume "


@runtime_checkable
class ProfilesScreen(Protocol):
    """What the palette needs of the screen it was opened from for `assume <profile>`."""

    @property
    def search_index(self) -> SearchIndex: ...

    def assume_named(self, name: str) -> None: ...


class RolecallCommands(Provider):
    def _actions(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        for title, action, help_text in commands():
            namespace, _, name = action.rpartition(".")
            command = getattr(self.app if namespace == "app" else self.screen, f"action_{name}", None)
            if command is not None:
                yield title, command, help_text

    async def discover(self) -> Hits:
        for title, command, help_text in self._actions():
            yield DiscoveryHit(Content(printable(title)), command, help=help_text, text=title)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help_text in self._actions():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text, text=title)
        screen = self.screen
        if not isinstance(screen, ProfilesScreen):
            return
        index = screen.search_index
        words = Query(query.lower().removeprefix(ASSUME) if query.lower() != ASSUME.strip() else "")
        if not words:
            return
        ranked = index.rank(words)[:PROFILE_HITS]
        for place, number in enumerate(ranked):
            profile = index.profiles[number]
            shown = printable(profile.name)
            label = Content(ASSUME + shown)
            for start, end in words.spans(shown):
                label = label.stylize("bold underline", len(ASSUME) + start, len(ASSUME) + end)
            yield Hit(
                1 - place / (2 * PROFILE_HITS),
                label,
                partial(screen.assume_named, profile.name),
                help=profile.role_arn,
                text=ASSUME + profile.name,
            )
