"""The accounts tree: accounts with their roles, filtered and highlighted by the fuzzy filter.

Textual's Tree renders only the lines on screen, so thousands of roles stay cheap.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from rolecall.core.profiles import Profile
from rolecall.core.search import Query, haystack

MATCH_STYLE = "bold underline"


def _highlighted(text: str, query: Query, style: str = "") -> Text:
    label = Text(text, style=style)
    for start, end in query.spans(text):
        label.stylize(MATCH_STYLE, start, end)
    return label


class AccountsTree(Tree):
    """Accounts (name, id, tags) with their roles as leaves; node.data is a Profile for roles."""

    def __init__(self, **kwargs):
        super().__init__("accounts", **kwargs)
        self.show_root = False
        self.guide_depth = 3
        self._profiles: list[Profile] = []
        self._haystacks: list[str] = []
        self._live: set[str] = set()
        self._collapsed: set[str] = set()
        self._rebuilding = False
        self.query_text = ""

    def set_profiles(self, profiles: list[Profile]) -> None:
        self._profiles = profiles
        self._haystacks = [haystack(p) for p in profiles]
        self.rebuild()
        self.call_after_refresh(self._select_first_role)

    def set_live(self, names: set[str]) -> None:
        """Mark the roles that have a live session (● in front of the role)."""
        if names != self._live:
            self._live = set(names)
            self.rebuild(keep_cursor=True)

    def filter(self, query: str) -> int:
        """Show only the roles matching `query`; returns how many match."""
        self.query_text = query
        return self.rebuild()

    def rebuild(self, keep_cursor: bool = False) -> int:
        current = self.cursor_node.data if keep_cursor and self.cursor_node else None
        query = Query(self.query_text)
        accounts: dict[str, list[Profile]] = {}
        chosen = query.select(self._haystacks) if query else range(len(self._profiles))
        for index in chosen:
            profile = self._profiles[index]
            accounts.setdefault(profile.account_name, []).append(profile)
        self._rebuilding = True
        self.clear()
        cursor_line = None
        for account, roles in accounts.items():
            first = roles[0]
            label = _highlighted(account, query, "bold")
            label.append("  ")
            label.append_text(_highlighted(first.account_id, query, "dim"))
            if first.tags:
                label.append("  ")
                label.append_text(_highlighted(" ".join(f"{k}={v}" for k, v in first.tags.items()), query, "italic"))
            expand = bool(query) or account not in self._collapsed
            node = self.root.add(label, data=account, expand=expand)
            for profile in roles:
                leaf = node.add_leaf(self._role_label(profile, query), data=profile)
                if current is not None and profile == current:
                    cursor_line = leaf
        self._rebuilding = False
        # Lines are laid out on the next refresh; only then can the cursor go to a node.
        if cursor_line is not None:
            self.call_after_refresh(self.move_cursor, cursor_line, animate=False)
        elif query:
            self.call_after_refresh(self._select_first_role)
        return sum(len(r) for r in accounts.values())

    def _role_label(self, profile: Profile, query) -> Text:
        label = Text("● " if profile.name in self._live else "  ", style="bold")
        label.append_text(_highlighted(profile.role_name, query))
        if profile.name != f"{profile.account_name}/{profile.role_name}":
            label.append("  ")
            label.append_text(_highlighted(profile.name, query, "dim"))
        if profile.needs_mfa:
            label.append("  mfa", style="dim")
        if profile.via:
            label.append(f"  via {profile.via}", style="dim")
        return label

    def _select_first_role(self) -> None:
        for account in self.root.children:
            if account.children:
                self.move_cursor(account.children[0], animate=False)
                return

    def select_profile(self, name: str) -> None:
        for account in self.root.children:
            for leaf in account.children:
                if isinstance(leaf.data, Profile) and leaf.data.name == name:
                    account.expand()
                    self.call_after_refresh(self.move_cursor, leaf, animate=False)
                    return

    @property
    def current_profile(self) -> Profile | None:
        node: TreeNode | None = self.cursor_node
        if node is None:
            return None
        if isinstance(node.data, Profile):
            return node.data
        if node.children and isinstance(node.children[0].data, Profile) and len(node.children) == 1:
            return node.children[0].data
        return None

    def _on_tree_node_collapsed(self, event: Tree.NodeCollapsed) -> None:
        if not self._rebuilding and isinstance(event.node.data, str) and not self.query_text.strip():
            self._collapsed.add(event.node.data)

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        if not self._rebuilding and isinstance(event.node.data, str):
            self._collapsed.discard(event.node.data)
