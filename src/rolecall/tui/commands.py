"""The command palette: every action of the app, and `assume <profile>` for every profile."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from rolecall.core.display import printable

ACTIONS = (
    ("Assume the selected role", "assume", "assume it (asks for an MFA code when needed)"),
    ("Shell with the selected role", "shell", "open $SHELL with its credentials"),
    ("Run a command with the selected role", "exec", "run one command with its credentials"),
    ("Copy credentials of the selected role", "copy", "choose a format, copy to the clipboard"),
    ("Refresh the selected role's session", "refresh", "assume it again"),
    ("Forget the selected role's session", "forget", "remove it from the cache"),
    ("Open the AWS console as the selected role", "console", "federation sign-in"),
    ("Filter roles", "focus_filter", "fuzzy filter over account, id, role and tags"),
    ("Help", "help", "every key"),
)


class RolecallCommands(Provider):
    def _commands(self):
        app = self.app
        for title, action, help_text in ACTIONS:
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
