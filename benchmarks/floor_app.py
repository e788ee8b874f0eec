"""The first paint's floor: a Textual app with one widget, a Tree of a few accounts and roles.

A script of its own, so that the floor's process imports Textual and nothing else (started as
`python first_paint.py --serve-floor`, it also imported pyte, argparse and statistics: ~20 ms the
app does not pay, which made the app's ratio look better than it was).
Usage: python benchmarks/floor_app.py
"""

from textual.app import App, ComposeResult
from textual.widgets import Tree

# The names it shows (the same shape as the app's list: accounts and roles).
FLOOR_TREE = {"prod": ("Admin", "ReadOnly", "Deploy"), "staging": ("Admin", "Developer")}


class Floor(App[None]):
    def compose(self) -> ComposeResult:
        tree: Tree[None] = Tree("accounts")
        for account, roles in FLOOR_TREE.items():
            branch = tree.root.add(account, expand=True)
            for role in roles:
                branch.add_leaf(role)
        tree.root.expand()
        yield tree


if __name__ == "__main__":
    Floor().run()
