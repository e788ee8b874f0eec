"""The accounts tree: accounts with their roles, filtered, ranked and highlighted by the filter.

Textual's Tree draws only the lines on screen. To keep a 5,000-role tree quick to rebuild on
every keystroke, nodes carry plain-text labels and the styling (match highlights, the live
marker) is applied when a line is drawn, and the tree is invalidated once per rebuild rather
than once per node.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from rolecall.core.display import printable
from rolecall.core.profiles import Profile
from rolecall.core.search import Query, SearchIndex
from rolecall.tui import keys

MATCH_STYLE = Style(bold=True, underline=True)
LIVE = "● "
NOT_LIVE = "  "


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


class AccountsTree(Tree):
    """Accounts (name, id, tags) with their roles as leaves; node.data is a Profile for roles
    and the account name for accounts. Left folds an account (or goes up to it from a role),
    Right unfolds it (or goes down to its first role)."""

    BINDINGS = keys.bindings("accounts")

    _batching = False  # a class default: Tree.__init__ already invalidates

    def __init__(self, **kwargs):
        self._widths: dict[TreeNode, int] = {}  # each label's cells, measured once (a rebuild asks for every line's)
        super().__init__("accounts", **kwargs)  # which already asks for the root's
        self.show_root = False
        self.guide_depth = 3
        self._profiles: list[Profile] = []
        self._mfa: set[str] = set()  # roles whose chain asks for an MFA code
        self._index = SearchIndex([])
        self._live: set[str] = set()
        self._collapsed: set[str] = set()
        self._role_nodes: dict[str, TreeNode] = {}
        self._accounts: list[tuple[TreeNode, list[TreeNode]]] = []
        self._query = Query("")
        self.query_text = ""

    # -- building

    def set_profiles(self, profiles: list[Profile]) -> None:
        """Create every node once; filtering then only chooses which of them are attached. When the
        profiles are made anew (a discovery changed), the cursor stays on the role it was on."""
        current = self.current_profile.name if self.current_profile else None
        self._profiles = profiles
        by_name = {profile.name: profile for profile in profiles}
        self._mfa = {profile.name for profile in profiles if chain_needs_mfa(profile, by_name)}
        self._index = SearchIndex(profiles)
        self._batching = True
        try:
            self.clear()
            self._accounts = []
            self._role_nodes = {}
            self._widths = {}
            by_account: dict[str, tuple[TreeNode, list[TreeNode]]] = {}
            for profile in profiles:
                if profile.account_name not in by_account:
                    label = "".join(text for text, _ in account_parts(profile))
                    node = self.root.add(Text(label), data=profile.account_name, expand=True)
                    by_account[profile.account_name] = (node, [])
                    self._accounts.append(by_account[profile.account_name])
                node, leaves = by_account[profile.account_name]
                text = NOT_LIVE + "".join(part for part, _ in role_parts(profile, profile.name in self._mfa))
                leaf = node.add_leaf(Text(text), data=profile)
                leaves.append(leaf)
                self._role_nodes[profile.name] = leaf
        finally:
            self._batching = False
        self.rebuild()  # which lays the lines out when mounted, and puts the cursor on the best match of a query
        if self._query and self.is_mounted:
            return
        target = self._role_nodes.get(current) if current else None
        if target is not None and self.is_shown(target) and not self._query:
            # made anew (a discovery changed): the same role, scrolled to once laid out
            self.call_after_refresh(self.move_cursor, target, animate=False)
        elif self.is_mounted:
            # in the first frame with the profiles, with the details of the role under it; the
            # first role is on screen (and the tree not laid out yet): no scrolling
            self._select_first_role(scroll=False)
        else:
            self.call_after_refresh(self._select_first_role)

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

    def rebuild(self) -> int:
        """Attach the accounts and roles that match the query: all of them in their original
        order without a query, else the matching ones best first (an account where its best
        role ranks, its roles by rank), with the cursor on the best match.

        Rebuilding Textual TreeNodes for 5,000 roles took ~0.5 s per keystroke; the nodes are made
        once in set_profiles and only the child lists change here (TreeNode keeps them in
        `_children`, which Tree._build walks), followed by a single invalidation.
        """
        current = self.cursor_node.data if self.cursor_node else None  # kept when it still matches
        self._query = query = Query(self.query_text)
        attached = []
        count = 0
        if query:
            ranked = self._index.rank(query)
            by_account: dict[str, list[TreeNode]] = {}
            for number in ranked:
                profile = self._profiles[number]
                by_account.setdefault(profile.account_name, []).append(self._role_nodes[profile.name])
            account_nodes = {node.data: node for node, _ in self._accounts}
            for account, visible in by_account.items():
                node = account_nodes[account]
                node._children = visible
                node._expanded = True
                attached.append(node)
            for node, _ in self._accounts:
                if node.data not in by_account:
                    node._children = []
            count = len(ranked)
        else:
            for node, leaves in self._accounts:
                node._children = leaves
                node._expanded = node.data not in self._collapsed
                attached.append(node)
                count += len(leaves)
        self.root._children = attached
        self._invalidate()
        target = self._role_nodes.get(current.name) if isinstance(current, Profile) else None
        if self.is_mounted:
            # Lay the lines out now and put the cursor on them in this same frame: moving it after
            # the next refresh drew and laid out the whole screen twice per keystroke.
            self._tree_lines  # noqa: B018 (builds them)
            if query:
                self._select_first_role()  # Enter acts on the best match
            elif target is not None and self.is_shown(target):
                self._put_cursor(target)
        return count

    def is_shown(self, node: TreeNode) -> bool:
        parent = node.parent
        return parent is not None and node in parent.children and parent in self.root.children

    def _invalidate(self) -> None:
        # Textual invalidates the whole tree after every add(); while building, once is enough.
        if not self._batching:
            super()._invalidate()

    def process_label(self, label) -> Text:
        return label if isinstance(label, Text) else super().process_label(label)

    # -- drawing (only the lines on screen)

    def get_label_width(self, node: TreeNode) -> int:
        width = self._widths.get(node)
        if width is None:  # labels are made once: an account's is two cells wider with its fold icon
            width = self._widths[node] = node.label.cell_len + (0 if isinstance(node.data, Profile) else 2)
        return width

    def render_label(self, node: TreeNode, base_style: Style, style: Style) -> Text:
        if isinstance(node.data, Profile):
            profile = node.data
            parts = [(LIVE if profile.name in self._live else NOT_LIVE, "bold")]
            parts += role_parts(profile, profile.name in self._mfa)
            node_label = self._styled(parts, highlight={0: False})
        elif node.children and isinstance(node.children[0].data, Profile):
            node_label = self._styled(account_parts(node.children[0].data))
        else:
            return super().render_label(node, base_style, style)
        node_label.stylize(style)
        if node.allow_expand:
            return Text.assemble((self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE, base_style), node_label)
        return node_label

    def _styled(self, parts: list[tuple[str, str]], highlight: dict[int, bool] | None = None) -> Text:
        label = Text()
        for number, (text, style) in enumerate(parts):
            start = len(label)
            label.append(text, style)
            if self._query and (highlight or {}).get(number, True) and text.strip():
                for begin, end in self._query.spans(text):
                    label.stylize(MATCH_STYLE, start + begin, start + end)
        return label

    # -- live markers and selection

    def set_live(self, names: set[str]) -> None:
        """Mark the roles that have a live session (● in front of the role); repaints only those."""
        changed = self._live ^ names
        self._live = set(names)
        for name in changed:
            node = self._role_nodes.get(name)
            if node is not None and self.is_shown(node):
                node.refresh()

    def _select_first_role(self, scroll: bool = True) -> None:
        for account in self.root.children:
            if account.children:
                self._put_cursor(account.children[0], scroll)
                return

    def _put_cursor(self, node: TreeNode, scroll: bool = True) -> None:
        """Put the cursor on `node`. Tree announces a highlight only when the cursor's line number
        changes; after a rebuild the same line can hold another role, whose details must show."""
        before = self.cursor_line
        if scroll:
            self.move_cursor(node, animate=False)
        else:
            self.cursor_line = node.line
        if self.cursor_line == before:
            self.post_message(Tree.NodeHighlighted(node))

    def select_profile(self, name: str) -> None:
        node = self._role_nodes.get(name)
        if node is not None and self.is_shown(node):
            node.parent.expand()
            self.call_after_refresh(self.move_cursor, node, animate=False)

    def label_text(self, node: TreeNode) -> str:
        """What a line shows, as plain text (markers included)."""
        return self.render_label(node, Style(), Style()).plain

    @property
    def current_profile(self) -> Profile | None:
        node: TreeNode | None = self.cursor_node
        if node is None:
            return None
        if isinstance(node.data, Profile):
            return node.data
        if len(node.children) == 1 and isinstance(node.children[0].data, Profile):
            return node.children[0].data
        return None

    def action_fold(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent, animate=False)

    def action_unfold(self) -> None:
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if not node.is_expanded:
            node.expand()
        elif node.children:
            self.move_cursor(node.children[0], animate=False)

    def _on_tree_node_collapsed(self, event: Tree.NodeCollapsed) -> None:
        if not self._batching and isinstance(event.node.data, str) and not self.query_text.strip():
            self._collapsed.add(event.node.data)

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        if not self._batching and isinstance(event.node.data, str):
            self._collapsed.discard(event.node.data)
