"""One key table (tui/keys.py) makes the bindings, the help screen, the command palette and the
README's key table: each shows the same keys, and a remapped key shows where it is bound now."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Input

from rolecall.core.domain.clock import FakeClock
from rolecall.core.engine import Engine
from rolecall.core.sources.index import load_catalog
from rolecall.tui.app import make_app
from rolecall.tui.keys import KEYS, key_name, readme_table
from tests.conftest import FIXED_NOW
from tests.tui_screen import palette_lists, screen_lines, screen_text, shows

README = Path(__file__).resolve().parents[1] / "README.md"


def build():
    engine = Engine(load_catalog(use_index=False), clock=FakeClock(FIXED_NOW), session_name="rolecall-alice")
    return make_app(engine=engine, theme="rolecall-dark")


async def test_help_lists_every_key_of_the_table_with_its_words(sandbox):
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        shown = str(app.screen.query_one("#help-keys").render())
        for key in KEYS:
            assert re.search(rf"^\s*{re.escape(key_name(key.key))}  {re.escape(key.help)}$", shown, re.MULTILINE), key


async def test_the_footer_shows_the_table_labels(sandbox):
    app = build()
    shown = [
        f"{key_name(key.key)} {key.label}" for key in KEYS if key.show and key.key != "enter"
    ]  # the focused list's own enter (select) hides the app's
    async with app.run_test(size=(200, 30)) as pilot:
        await shows(pilot, lambda lines: "palette" in lines[-1])  # the footer is drawn
        footer = screen_lines(app)[-1]
        for label in shown:
            assert label in footer, label


async def test_the_footer_follows_focus_and_is_rebuilt_only_when_its_keys_change(sandbox):
    app = build()
    async with app.run_test(size=(200, 30)) as pilot:

        def footer() -> str:
            return screen_lines(app)[-1]

        await shows(pilot, lambda lines: "palette" in lines[-1])
        assert "q Quit" in footer()
        await pilot.press("slash")  # in the filter, q and ? are letters to type: the footer says so
        await shows(pilot, lambda lines: "/ Filter" in lines[-1])
        assert "q Quit" not in footer()
        await pilot.press("escape", "escape")
        await shows(pilot, lambda lines: "q Quit" in lines[-1])
        widgets = list(app.query("FooterKey"))
        app.refresh_bindings()  # nothing changed: the same keys stay, not a dozen widgets made anew
        await pilot.pause()
        assert list(app.query("FooterKey")) == widgets


async def test_the_palette_offers_the_table_commands(sandbox):
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"sign in to iam")
        for _ in range(400):  # the palette searches in the background, after a short debounce
            if "Sign in to IAM Identity Center" in screen_text(app):
                break
            await pilot.pause(0.05)
        assert "Sign in to IAM Identity Center" in screen_text(app)


def test_the_readme_key_table_is_the_rendered_table():
    assert readme_table() in README.read_text(encoding="utf-8")


async def test_a_palette_command_runs_on_the_screen_it_was_opened_from(sandbox):
    """`Filter roles` is the main screen's action (Help and Problems are the app's): run from the
    palette, it puts the cursor in the main screen's filter, where `/` would."""
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"filter roles")
        await palette_lists(pilot, "Filter roles")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"stg")
        await pilot.pause()
        assert app.focused is app.query_one("#filter")
        assert app.query_one("#filter", Input).value == "stg"
