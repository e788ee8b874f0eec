"""The command palette: every action with an entry in the key table (tui/keys.py), and
`assume <profile>` for every profile."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from rolecall.core.display import printable
from rolecall.tui.keys import commands


class RolecallCommands(Provider):
    def _commands(self):
        app = self.app
        for title, action, help_text in commands():
            yield title, getattr(app, f"action_{action}"), help_text
        engine = getattr(app, "engine", None)
        if engine is not None:
            for name, profile in engine.catalog.profiles.items():
                yield f"assume {name}", partial(app.assume_named, name), profile.role_arn

    async def discover(self) -> Hits:
        for title, command, help_text in self._commands():
            yield DiscoveryHit(Content(printable(title)), command, help=help_text, text=title)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                # highlight() reads its text as markup: a profile name with `[` is shown as written instead
                shown = matcher.highlight(title) if "[" not in title and printable(title) == title else Content(printable(title))
                yield Hit(score, shown, command, help=help_text, text=title)
