"""The accounts list: accounts with their roles, filtered, ranked and highlighted by the filter.

A line-API widget (Textual's ScrollView with `render_line`): it keeps the lines shown as a plain
list and draws only those on screen, so a keystroke at 5,000 roles re-ranks and swaps one list
instead of rebuilding widget nodes. Labels are styled when a line is drawn (match highlights,
the live marker), and a tick repaints only the lines whose marker changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rolecall.core.domain.search import Query, SearchIndex
from rolecall.core.text.display import printable
from rolecall.tui import keys

if TYPE_CHECKING:
    from rolecall.core.domain.profiles import Profile

MATCH_STYLE = Style(bold=True, underline=True)
LIVE = "● "
NOT_LIVE = "  "
FOLDED, UNFOLDED = "▶ ", "▼ "
BRANCH, LAST_BRANCH = "├─ ", "└─ "  # a role's guide: one more role below it, or the last one

MAX_HOPS = 10  # a `via` chain longer than this is a loop (the catalog reports it)


def chain_needs_mfa(profile: Profile, by_name: dict[str, Profile]) -> bool:
    """Whether the role or any role it is assumed through asks for an MFA code."""
    for _ in range(MAX_HOPS):
        if profile.needs_mfa:
            return True
        parent = by_name.get(profile.via) if profile.via else None
        if parent is None:
            return False
        profile = parent
    return False


def account_parts(profile: Profile) -> list[tuple[str, str]]:
    """(text, style) pieces of an account's label, taken from any of its profiles."""
    parts = [(printable(profile.account_name), "bold"), ("  ", ""), (printable(profile.account_id), "dim")]
    if profile.tags:
        parts += [("  ", ""), (printable(" ".join(f"{k}={v}" for k, v in profile.tags.items())), "italic")]
    return parts


def role_parts(profile: Profile, needs_mfa: bool | None = None) -> list[tuple[str, str]]:
    """(text, style) pieces of a role's label after the two-cell live marker; `needs_mfa`: whether
    assuming it asks for a code somewhere along its chain (default: the profile itself)."""
    parts = [(printable(profile.role_name), "")]
    if profile.name != f"{profile.account_name}/{profile.role_name}":
        parts += [("  ", ""), (printable(profile.name), "dim")]
    if profile.needs_mfa if needs_mfa is None else needs_mfa:
        parts.append(("  mfa", "dim"))
    if profile.via:
        parts.append((f"  via {printable(profile.via)}", "dim"))
    return parts


class Line(NamedTuple):
    """One line of the list: an account (`profile` None) or one of its roles; `last`: the last
    role shown under its account (its guide ends there)."""

    account: str
    top: int  # the account's line
    profile: Profile | None = None
    last: bool = False


class AccountsTree(ScrollView, can_focus=True):
    """Accounts (name, id, tags) with their roles under them. Left folds an account (or goes up to
    it from a role), Right unfolds it (or goes down to its first role); Enter on a role chooses it,
    on an account folds or unfolds it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "choose", "Choose", show=False),
        Binding("space", "fold_or_unfold", "Fold or unfold", show=False),
        *keys.bindings("accounts"),
    ]

    COMPONENT_CLASSES = {
        "accounts--cursor",
        "accounts--guides",
        "accounts--guides-hover",
        "accounts--guides-selected",
        "accounts--highlight",
        "accounts--highlight-line",
        "accounts--label",
    }

    # Textual's Tree look, so the list reads as the tree it is
    DEFAULT_CSS = """
    AccountsTree {
        background: $surface;
        color: $foreground;
        & > .accounts--guides { color: $surface-lighten-2; }
        & > .accounts--guides-hover { color: $surface-lighten-2; }
        & > .accounts--guides-selected { color: $block-cursor-blurred-background; }
        & > .accounts--cursor {
            text-style: $block-cursor-blurred-text-style;
            background: $block-cursor-blurred-background;
        }
        & > .accounts--highlight-line { background: $block-hover-background; }
        &:focus {
            background-tint: $foreground 5%;
            & > .accounts--cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
            & > .accounts--guides { color: $surface-lighten-3; }
            & > .accounts--guides-hover { color: $surface-lighten-3; }
            & > .accounts--guides-selected { color: $block-cursor-background; }
        }
        &:light {
            & > .accounts--guides { color: $surface-darken-1; }
            & > .accounts--guides-hover { color: $block-cursor-background; }
            & > .accounts--guides-selected { color: $block-cursor-background; }
        }
    }
    AccountsTree:ansi {
        color: ansi_default;
        & > .accounts--guides { color: $ansi-background; }
        &:nocolor > .accounts--cursor { text-style: reverse; }
    }
    """

    cursor_line: var[int] = var(-1, always_update=True)
    """The line with the cursor, -1 when the list is empty."""
    hover_line: var[int] = var(-1)
    """The line under the mouse pointer, -1 when none."""

    class Highlighted(Message):
        """The cursor is on another line: `profile` is its role (None on an account)."""

        def __init__(self, accounts: AccountsTree, profile: Profile | None) -> None:
            super().__init__()
            self.accounts, self.profile = accounts, profile

        @property
        def control(self) -> AccountsTree:
            return self.accounts

    class Chosen(Message):
        """Enter or a click on a role."""

        def __init__(self, accounts: AccountsTree, profile: Profile) -> None:
            super().__init__()
            self.accounts, self.profile = accounts, profile

        @property
        def control(self) -> AccountsTree:
            return self.accounts

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._profiles: list[Profile] = []
        self._mfa: set[str] = set()  # roles whose chain asks for an MFA code
        self._index = SearchIndex([])
        self._live: set[str] = set()
        self._accounts: dict[str, list[Profile]] = {}  # in the order of the profiles
        self._widths: dict[str, int] = {}  # each line's cells (guides, icon, label), measured once
        self._folded: set[str] = set()  # remembered without a filter
        self._folded_now: set[str] = set()  # folded while this filter is typed
        self._shown: dict[str, list[Profile]] = {}  # the accounts listed and their roles, in order
        self._lines: list[Line] = []
        self._announced: tuple[str, str | None] | None = None
        self._query = Query("")
        self.query_text = ""

    # -- building

    def set_profiles(self, profiles: list[Profile]) -> None:
        """Take a new list of profiles; the cursor stays on the role it was on (a discovery made
        the profiles anew), else goes to the first role."""
        current = self.current_profile.name if self.current_profile else None
        self._profiles = profiles
        by_name = {profile.name: profile for profile in profiles}
        self._mfa = {profile.name for profile in profiles if chain_needs_mfa(profile, by_name)}
        self._index = SearchIndex(profiles)
        self._accounts = {}
        self._widths = {}
        for profile in profiles:
            roles = self._accounts.setdefault(profile.account_name, [])
            if not roles:
                self._widths[profile.account_name] = len(UNFOLDED) + cell_len(
                    "".join(text for text, _ in account_parts(profile))
                )
            roles.append(profile)
            label = NOT_LIVE + "".join(text for text, _ in role_parts(profile, profile.name in self._mfa))
            self._widths[profile.name] = len(BRANCH) + cell_len(label)
        self.rebuild(keep=current)

    @property
    def index(self) -> SearchIndex:
        """The search index of the profiles shown (the command palette ranks with it too)."""
        return self._index

    @property
    def total(self) -> int:
        return len(self._profiles)

    def filter(self, query: str) -> int:
        """Show only the roles matching `query`, best match first; returns how many match."""
        self.query_text = query
        return self.rebuild()

    def rebuild(self, keep: str | None = None) -> int:
        """Lay out the accounts and roles that match the query: all of them in their original
        order without a query, else the matching ones best first (an account where its best role
        ranks, its roles by rank) with the cursor on the best match. Returns how many roles match.
        Without a query the cursor stays on the role it was on (`keep`, by default the current)."""
        current = keep if keep is not None else (self.current_profile.name if self.current_profile else None)
        self._query = query = Query(self.query_text)
        self._folded_now = set()
        if query:
            shown: dict[str, list[Profile]] = {}
            for number in self._index.rank(query):
                profile = self._profiles[number]
                shown.setdefault(profile.account_name, []).append(profile)
        else:
            shown = self._accounts
        self._shown = shown
        self._lay_out()
        if query:
            self._put_cursor(self._first_role())  # Enter acts on the best match
        else:
            at = self._line_of(current) if current else -1
            self._put_cursor(at if at >= 0 else self._first_role())
        return sum(len(roles) for roles in shown.values())

    def _lay_out(self) -> None:
        lines: list[Line] = []
        folded = self._folded_now if self._query else self._folded
        for account, roles in self._shown.items():
            top = len(lines)
            lines.append(Line(account, top))
            if account not in folded:
                lines += [Line(account, top, profile, number == len(roles) - 1) for number, profile in enumerate(roles)]
        self._lines = lines
        widths = [self._widths[line.profile.name if line.profile else line.account] for line in lines]
        self.virtual_size = Size(max(widths, default=0), len(lines))
        self.refresh()

    # -- what is shown (public state, for the app and its tests)

    @property
    def lines(self) -> list[Line]:
        return list(self._lines)

    def shown_accounts(self) -> list[str]:
        """The names of the accounts listed, top to bottom."""
        return list(self._shown)

    def shown_roles(self) -> list[str]:
        """The names of the roles listed, top to bottom (folded ones included)."""
        return [profile.name for roles in self._shown.values() for profile in roles]

    def is_folded(self, account: str) -> bool:
        return account in (self._folded_now if self._query else self._folded)

    def label(self, line: Line) -> Text:
        """What a line shows after its guide: the fold icon and account, or the live marker and
        role, with the filter's matches marked."""
        if line.profile is None:
            return Text(self._icon(line)).append_text(self._label(line))
        return self._label(line)

    def _icon(self, line: Line) -> str:
        return FOLDED if self.is_folded(line.account) else UNFOLDED

    def _label(self, line: Line) -> Text:
        if line.profile is None:
            return self._styled(account_parts(self._shown[line.account][0]))
        profile = line.profile
        parts = [(LIVE if profile.name in self._live else NOT_LIVE, "bold")]
        parts += role_parts(profile, profile.name in self._mfa)
        return self._styled(parts, highlight={0: False})

    def label_texts(self) -> list[str]:
        """Every line's label as plain text (markers and icons included)."""
        return [self.label(line).plain for line in self._lines]

    @property
    def cursor(self) -> Line | None:
        return self._lines[self.cursor_line] if 0 <= self.cursor_line < len(self._lines) else None

    @property
    def current_profile(self) -> Profile | None:
        """The role under the cursor, or an account's only role."""
        line = self.cursor
        if line is None:
            return None
        if line.profile is not None:
            return line.profile
        roles = self._shown.get(line.account, [])
        return roles[0] if len(roles) == 1 else None

    def _styled(self, parts: list[tuple[str, str]], highlight: dict[int, bool] | None = None) -> Text:
        label = Text()
        for number, (text, style) in enumerate(parts):
            start = len(label)
            label.append(text, style)
            if self._query and (highlight or {}).get(number, True) and text.strip():
                for begin, end in self._query.spans(text):
                    label.stylize(MATCH_STYLE, start + begin, start + end)
        return label

    # -- drawing (only the lines on screen)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        number = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if number >= len(self._lines):
            return Strip.blank(width, base)
        line = self._lines[number]
        account_line = line.top
        hovered = self.hover_line >= 0 and self.hover_line in (number, account_line)
        line_style = self.get_component_rich_style("accounts--highlight-line") if hovered else base
        line_style += Style(meta={"line": number})
        text = Text(style=line_style)
        if line.profile is not None:
            guide = "accounts--guides"
            if self.has_focus and self.cursor_line == account_line:
                guide = "accounts--guides-selected"
            elif self.hover_line == account_line:
                guide = "accounts--guides-hover"
            guide_style = self.get_component_rich_style("accounts--guides", partial=True)
            if guide != "accounts--guides":
                guide_style += self.get_component_rich_style(guide, partial=True)
            text.append(LAST_BRANCH if line.last else BRANCH, style=guide_style)
        label_style = self.get_component_rich_style("accounts--label", partial=True)
        if self.hover_line == number:
            label_style += self.get_component_rich_style("accounts--highlight", partial=True)
        if self.cursor_line == number:
            label_style += self.get_component_rich_style("accounts--cursor", partial=False)
        if line.profile is None:  # the fold icon is not part of the highlighted label
            text.append(self._icon(line), style=line_style)
        label = self._label(line)
        # the label's line in its meta too: the label stays a segment of its own, apart from the
        # padding (drawn, and exported to SVG, as Textual's Tree drew it)
        label.stylize(label_style + Style(meta={"label": number}))
        text.append_text(label)
        segments = list(text.render(self.app.console))
        pad = max(self.virtual_size.width, width) - text.cell_len
        if pad > 0:
            segments.append(Segment(" " * pad, line_style))
        return Strip(segments).crop(scroll_x, scroll_x + width)

    def _line_of(self, name: str) -> int:
        return next((n for n, line in enumerate(self._lines) if line.profile and line.profile.name == name), -1)

    def _first_role(self) -> int:
        return next((n for n, line in enumerate(self._lines) if line.profile), 0 if self._lines else -1)

    # -- the cursor

    def validate_cursor_line(self, value: int) -> int:
        return max(0, min(value, len(self._lines) - 1)) if self._lines else -1

    def watch_cursor_line(self, before: int, after: int) -> None:
        self.refresh()  # the cursor's line and the guides of its account's roles
        self._announce()

    def _announce(self) -> None:
        """Tell the app when the line under the cursor is another one (or shows another role)."""
        line = self.cursor
        shown = (line.account, line.profile.name if line.profile else None) if line else None
        if shown != self._announced:
            self._announced = shown
            self.post_message(self.Highlighted(self, line.profile if line else None))

    def _put_cursor(self, line: int, scroll: bool = True) -> None:
        self.cursor_line = line
        self._announce()
        if scroll and line >= 0 and self.size.height:  # not laid out yet: at the top, nothing to scroll
            self.scroll_to_line(line)

    def scroll_to_line(self, line: int) -> None:
        self.scroll_to_region(Region(0, line, 1, 1), animate=False, force=True, x_axis=False, origin_visible=False)

    def select_profile(self, name: str) -> None:
        """Put the cursor on role `name` (its account unfolded), if it is shown."""
        account = next((account for account, roles in self._shown.items() if any(p.name == name for p in roles)), None)
        if account is None:
            return
        if self.is_folded(account):
            self._fold(account, False)
        self._put_cursor(self._line_of(name))

    def action_cursor_up(self) -> None:
        self._put_cursor(self.cursor_line - 1)

    def action_cursor_down(self) -> None:
        self._put_cursor(self.cursor_line + 1)

    def action_page_up(self) -> None:
        self._put_cursor(self.cursor_line - (self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self._put_cursor(self.cursor_line + (self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._put_cursor(0)

    def action_last(self) -> None:
        self._put_cursor(len(self._lines) - 1)

    def action_choose(self) -> None:
        line = self.cursor
        if line is None:
            return
        if line.profile is None:
            self._fold(line.account, not self.is_folded(line.account))
        else:
            self.post_message(self.Chosen(self, line.profile))

    def action_fold_or_unfold(self) -> None:
        line = self.cursor
        if line is not None and line.profile is None:
            self._fold(line.account, not self.is_folded(line.account))

    def action_fold(self) -> None:
        line = self.cursor
        if line is None:
            return
        if line.profile is None:
            if not self.is_folded(line.account):
                self._fold(line.account, True)
        else:
            self._put_cursor(line.top)

    def action_unfold(self) -> None:
        line = self.cursor
        if line is None or line.profile is not None:
            return
        if self.is_folded(line.account):
            self._fold(line.account, False)
        else:
            self._put_cursor(self.cursor_line + 1)

    def _fold(self, account: str, fold: bool) -> None:
        folded = self._folded_now if self._query else self._folded
        if fold:
            folded.add(account)
        else:
            folded.discard(account)
        cursor = self.cursor
        self._lay_out()
        if cursor is not None:
            at = self._line_of(cursor.profile.name) if cursor.profile else -1
            self._put_cursor(
                at if at >= 0 else next(n for n, shown in enumerate(self._lines) if shown.account == cursor.account)
            )

    # -- the mouse

    def on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        if "line" not in meta:
            return
        self._put_cursor(meta["line"], scroll=False)
        self.action_choose()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hover_line = event.style.meta.get("line", -1)

    def on_leave(self, event: events.Leave) -> None:
        self.hover_line = -1

    def watch_hover_line(self) -> None:
        self.refresh()

    # -- live markers

    def set_live(self, names: set[str]) -> None:
        """Mark the roles that have a live session (● in front of the role); repaints only those."""
        changed = self._live ^ names
        self._live = set(names)
        if not changed:
            return
        top, height = self.scroll_offset.y, self.size.height
        for number, line in enumerate(self._lines[top : top + height], top):
            if line.profile is not None and line.profile.name in changed:
                self.refresh_line(number)
