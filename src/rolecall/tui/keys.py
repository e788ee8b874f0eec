"""Every key of the app in one table: the main screen's and the accounts tree's BINDINGS, the help
screen's words, the command palette's entries and the README's key table are all made from it.

A user's keymap (settings.yaml `keymap: {binding id: key}`) changes the live bindings, and the
help screen is rendered from those, so a remapped key shows where it is bound now.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.keys import format_key

NAMED_KEYS = {"enter", "escape", "tab", "space", "left", "right", "up", "down", "home", "end"}


@dataclass(frozen=True)
class Key:
    key: str  # Textual's key name: "slash", "enter", "ctrl+p"
    action: str
    label: str  # the footer's word for it
    id: str  # the binding id a keymap names
    help: str  # what it does, for help and the README
    command: str | None = None  # its command palette entry, if it has one
    show: bool = True  # in the footer
    owner: str = "main"  # whose BINDINGS: "main" (the main screen), "accounts" (the tree), "filter", or "textual"
    priority: bool = False  # handled before the key goes to the focused widget (see MainScreen.action_focus_filter)


KEYS: tuple[Key, ...] = (
    Key(
        "slash",
        "focus_filter",
        "Filter",
        "filter",
        "filter by account, id, role, tags (prod/admin, prod admin)",
        "Filter roles",
        priority=True,
    ),
    Key(
        "enter",
        "assume",
        "Assume",
        "assume",
        "assume the selected role (asks for an MFA code when needed)",
        "Assume the selected role",
    ),
    Key(
        "s",
        "shell",
        "Shell",
        "shell",
        "open $SHELL with the role's credentials; exit it to come back",
        "Shell with the selected role",
    ),
    Key(
        "e",
        "exec",
        "Run",
        "exec",
        "run one command with the role's credentials",
        "Run a command with the selected role",
    ),
    Key("c", "copy", "Copy", "copy", "copy the credentials (choose a format)", "Copy credentials of the selected role"),
    Key(
        "r",
        "refresh",
        "Refresh",
        "refresh",
        "refresh the role (assume again); on a sign-in row: re-discover",
        "Refresh the selected role's session",
    ),
    Key(
        "x",
        "forget",
        "Forget",
        "forget",
        "forget the selected session (a role's or an MFA session)",
        "Forget the selected role's session",
    ),
    Key(
        "o",
        "console",
        "Console",
        "console",
        "open the AWS console as the role",
        "Open the AWS console as the selected role",
    ),
    Key(
        "l",
        "login",
        "Sign in",
        "login",
        "sign in to the row's IAM Identity Center session",
        "Sign in to IAM Identity Center",
    ),
    Key("t", "app.change_theme", "Theme", "theme", "pick a theme (remembered)"),
    Key(
        "p",
        "app.problems",
        "Problems",
        "problems",
        "list the problems in your profiles (path:line: message)",
        "Profile problems",
    ),
    Key(
        "left",
        "fold",
        "Fold",
        "accounts.fold",
        "fold an account (on a role: go to its account)",
        show=False,
        owner="accounts",
    ),
    Key(
        "right",
        "unfold",
        "Unfold",
        "accounts.unfold",
        "unfold an account (when unfolded: go to its first role)",
        show=False,
        owner="accounts",
    ),
    Key(
        "down,tab,escape",
        "leave",
        "List",
        "filter.leave",
        "in the filter: back to the list, the filter kept",
        show=False,
        owner="filter",
    ),
    Key("escape", "clear_filter", "Clear", "clear_filter", "in the list: clear the filter", show=False),
    Key(
        "ctrl+p",
        "command_palette",
        "Palette",
        "command_palette",
        "command palette: every action, and assume <profile>",
        show=False,
        owner="textual",
    ),
    Key("question_mark", "app.help", "Help", "help", "help: every key, the markers, the countdown colours", "Help"),
    Key("q", "app.quit", "Quit", "quit", "quit"),
)

ACTION_HELP = {key.action: key.help for key in KEYS}


def bindings(owner: str) -> list[BindingType]:
    """The BINDINGS of `owner` ("main", "accounts" or "filter"), in table order. An action named
    `app.NAME` is the app's (theme, problems, help, quit), every other one the owner's."""
    return [
        Binding(k.key, k.action, k.label, show=k.show, id=k.id, priority=k.priority) for k in KEYS if k.owner == owner
    ]


def commands() -> list[tuple[str, str, str]]:
    """(palette title, action, help) for every key with a palette entry."""
    return [(k.command, k.action, k.help) for k in KEYS if k.command]


def key_name(key: str) -> str:
    """How a key is written for people: `/`, `?`, `q`, and words for named keys (`enter`, `ctrl+p`)."""
    key = key.strip()
    if "," in key:
        return ", ".join(key_name(one) for one in key.split(","))
    return key if key in NAMED_KEYS or "+" in key else format_key(key)


def readme_table() -> str:
    """The README's key table, in markdown, with the default keys."""
    rows = [f"| `{key_name(k.key)}` | {_markdown(k.help)} |" for k in KEYS]
    return "\n".join(["| key | action |", "| --- | --- |", *rows]) + "\n"


def _markdown(text: str) -> str:
    """`text` as a markdown table cell: a `|` would end the cell, a `<` start an HTML tag."""
    return text.replace("|", "\\|").replace("<", "\\<")
