"""Typing as a terminal delivers it: the real app on a pseudo-terminal, 5,000 profiles, and keys
written in one burst (fast typing, a paste, or a terminal that hands several keys over in one
read). Every key must land in order: the filter shows exactly what was typed and the list what it
matches; the command palette the same. Pilot's `press` waits between keys and cannot catch this.
"""

from __future__ import annotations

import os
import re
import sys

import pytest

from rolecall.core.domain.search import SearchIndex
from rolecall.core.sources.index import load_catalog
from tests.many import many_profiles
from tests.terminal import Terminal

BACKSPACE = "\x7f"
CTRL_P = "\x10"
# what is typed after the first word is rubbed out, in one burst each, and what it must find first
WORDS = [
    ("zqxw9", None),
    ("prod-0040/admin", "prod-0040/Admin"),
    ("prod 0040 admin", "prod-0040/Admin"),
    ("staging-0041 ro", "staging-0041/ReadOnly"),
    ("prod-0040-admin", "prod-0040/Admin"),
    ("dev0042 deploy", None),
]


@pytest.fixture
def big(sandbox):
    sandbox.profiles.write_text(many_profiles(), encoding="utf-8")
    index = SearchIndex(list(load_catalog(str(sandbox.profiles), use_index=False).profiles.values()))
    term = Terminal([sys.executable, "-m", "rolecall", "--theme", "rolecall-dark"], os.environ, size=(120, 40))
    term.expect(rf"{len(index.profiles)} profiles", timeout=90)  # with the sandbox's static `corp`
    yield term, index
    term.kill()


def status_for(index: SearchIndex, typed: str) -> str:
    count = len(index.rank(typed))
    return f"{count} of {len(index.profiles)}" if count else f"no matches for {typed.strip()!r}"


def shows_typed(term: Terminal, index: SearchIndex, typed: str) -> None:
    """Wait until the filter box shows `typed` and the status line what it matches; a key lost
    or out of order never shows them (the failure prints the screen)."""
    term.expect(rf"\n▊  {re.escape(typed)} *▎", timeout=20)
    term.expect(rf"▕ {re.escape(status_for(index, typed))} *\n", timeout=20)


def first_role(term: Terminal) -> str:
    """The first account and role the list shows under the filter, as `account/Role`."""
    lines = term.display.splitlines()
    account = re.match(r"[▼▶] (\S+)", lines[4]).group(1)
    role = re.match(r"[├└]─\s+(?:● )?(\S+)", lines[5]).group(1)
    return f"{account}/{role}"


def test_bursts_of_keys_land_in_the_filter_in_order(big):
    term, index = big
    typed = "readonly"
    # from the list: `/` and everything after it in one write; `r` and `e` are keys of the list
    # (refresh, run), so a key that went there would open an MFA or command prompt instead
    term.type("/" + typed + BACKSPACE * len(typed) + WORDS[0][0])
    typed = WORDS[0][0]
    for word, best in [*WORDS[1:], *WORDS]:  # and again, each from the filter with a word in it
        shows_typed(term, index, typed)
        term.type(BACKSPACE * len(typed) + "readonly" + BACKSPACE * len("readonly") + word)
        typed = word
        shows_typed(term, index, typed)
        if best:
            assert first_role(term) == best, term.display
    assert "MFA code" not in term.display and "Run with" not in term.display


def test_bursts_of_keys_land_in_the_command_palette_in_order(big):
    term, _ = big
    term.type(CTRL_P)
    term.expect(r"Search for commands")
    typed = ""
    for word, best in [*WORDS, *WORDS]:
        term.type(BACKSPACE * len(typed) + "readonly" + BACKSPACE * len("readonly") + word)
        typed = word
        # the palette's input shows exactly what was typed, and its first hit the role it means
        # (ranked as the filter ranks: `prod/admin`, `prod admin` and `prod-admin` alike)
        shown = rf"🔎 {re.escape(typed)} *\n(?:\s*\n)*"
        term.expect(shown + (rf"\s*assume {re.escape(best)} *\n" if best else ""), timeout=30)
