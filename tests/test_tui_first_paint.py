"""The app's first frame, on a real pseudo-terminal with 5,000 profiles: the list's names come
first, straight from the profiles index, beside the panels' empty column; the sessions and details
panels, and the whole catalog (with it the title's count), follow that frame. Before it, no botocore, no YAML, no argparse,
and not many more modules than a one-widget Textual app needs for its own first frame.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

from rolecall.core.domain.search import SearchIndex
from rolecall.core.sources.index import load_catalog
from rolecall.core.store import paths
from rolecall.tui import themes
from tests.many import ACCOUNTS, ROLES, many_profiles
from tests.terminal import Terminal

TOTAL = ACCOUNTS * ROLES + 1  # and the sandbox's static `corp` from ~/.aws/credentials
FIRST_ROWS = r"prod-0000  100000000000[^\n]*\n[^\n]*Admin[^\n]*\n[^\n]*ReadOnly"
# Logs every module imported, with the time, to the file named by $IMPORT_LOG (an audit hook).
HOOK = (
    "import os, sys, time\n"
    "log = open(os.environ['IMPORT_LOG'], 'w', buffering=1)\n"
    "sys.addaudithook(lambda event, args: log.write(f'{time.monotonic()} {args[0]}\\n') if event == 'import' else None)\n"
)
APP = HOOK + "from rolecall.cli import main\nsys.exit(main(['--theme', 'rolecall-dark']))\n"
ONE_WIDGET = HOOK + (
    "from textual.app import App\n"
    "from textual.widgets import Tree\n"
    "class OneWidget(App):\n"
    "    def compose(self):\n"
    "        tree = Tree('accounts')\n"
    "        tree.root.add('prod-0000  100000000000', expand=True).add_leaf('Admin')\n"
    "        tree.root.expand()\n"
    "        yield tree\n"
    "OneWidget().run()\n"
)
# Logs each of the collector's passes as `gc`, and its being turned on and freezing what exists as
# `enable` and `freeze`, beside the imports.
COLLECTIONS = (
    "import gc\n"
    "gc.callbacks.append(lambda phase, info: log.write(f'{time.monotonic()} gc\\n') if phase == 'start' else None)\n"
    "enable, freeze = gc.enable, gc.freeze\n"
    "gc.enable = lambda: (log.write(f'{time.monotonic()} enable\\n'), enable())[-1]\n"
    "gc.freeze = lambda: (log.write(f'{time.monotonic()} freeze\\n'), freeze())[-1]\n"
)
# Modules beyond the one-widget app's before the first frame: 62 today (53 of rolecall's own, json
# for the index, gc, hashlib's sha256, shlex). A busy machine reads the frame late, and the modules
# the catalog loads right after it count then: the margin is for that.
SLACK = 80


@pytest.fixture
def indexed(sandbox):
    """5,000 profiles whose index is current, and the themes read (as after any earlier run)."""
    sandbox.profiles.write_text(many_profiles(), encoding="utf-8")
    assert len(load_catalog(str(sandbox.profiles)).profiles) == TOTAL  # writes the index
    assert "rolecall-dark" in {theme.name for theme in themes.load_themes()[0]}  # writes their cache
    return sandbox


def matches(query: str) -> int:
    return len(SearchIndex(list(load_catalog().profiles.values())).rank(query))


def first_frame_imports(code: str, shows: str, log: Path) -> list[str]:
    """Run `code` on a pty until the screen shows `shows`; the modules it had imported by then."""
    term = Terminal([sys.executable, "-c", code], {**os.environ, "IMPORT_LOG": str(log)}, size=(120, 40))
    try:
        term.expect(shows, timeout=60)
        seen = time.monotonic()  # the frame is being written: what comes after it is not counted
    finally:
        term.kill()
    imported = []
    for line in log.read_text(encoding="utf-8").splitlines():
        stamp, _, module = line.partition(" ")
        if float(stamp) < seen:
            imported.append(module)
    return imported


def test_first_frame_shows_the_list_before_the_catalog_is_made(indexed):
    term = Terminal(
        [sys.executable, "-m", "rolecall", "--theme", "rolecall-dark"], os.environ, size=(120, 40), synchronized=True
    )
    try:
        term.expect(FIRST_ROWS, timeout=60)
        term.settle()  # the rest of that frame
        # the first frame that shows names, as drawn (a busy machine may have drawn the next since)
        first = next(frame for frame in term.frames() if re.search(FIRST_ROWS, frame))
        # the title's count comes with the whole catalog, a frame later
        assert "profiles ·" not in first, first
        assert "staging-0001" in first and "dev-0002" in first  # a screenful of the list, not one account
        assert "Sessions" not in first and "Details" not in first  # their column is there, empty
        term.expect(rf"{TOTAL} profiles · 0 sessions", timeout=60)
        term.expect(r"▕ Sessions[\s\S]*▕ Details\n[^\n]*▕ prod-0000/Admin", timeout=30)
        # the rows stay where they were drawn (the whole list's scrollbar joins them on the right),
        # and so does the column's edge
        shown = term.display.splitlines()
        assert [row[:60].rstrip() for row in shown[4:7]] == [row[:60].rstrip() for row in first.splitlines()[4:7]]
        assert {row.index("▕") for row in shown[4:30]} == {row.index("▕") for row in first.splitlines()[4:30]}
        term.type("/")
        term.type("staging-0171 readonly")  # an account far below the first screenful
        term.expect(rf"{matches('staging-0171 readonly')} of {TOTAL}", timeout=30)  # the whole catalog's
        assert re.search(r"▼ staging-0171 .*\n└─ +ReadOnly", term.display), term.display
    finally:
        term.kill()


def test_modules_before_the_first_frame(indexed, tmp_path):
    app = first_frame_imports(APP, FIRST_ROWS, tmp_path / "app.log")
    floor = first_frame_imports(ONE_WIDGET, r"prod-0000", tmp_path / "floor.log")
    roots = {module.split(".")[0] for module in app}
    assert "rolecall.tui.app" in app
    assert not roots & {"botocore", "boto3", "yaml", "argparse", "urllib3"}
    assert "http.client" not in app and "rolecall.core.gateways.console" not in app
    assert len(app) <= len(floor) + SLACK, (len(app), len(floor), sorted(set(app) - set(floor)))


def collector_events(log: Path) -> list[str]:
    """What the app did, in order: the modules it imported and the collector's events (COLLECTIONS)."""
    return [line.partition(" ")[2] for line in log.read_text(encoding="utf-8").splitlines()]


def run_until_filtered(log: Path) -> None:
    """The app with COLLECTIONS on a pty until its whole catalog is shown and a filter was typed."""
    code = HOOK + COLLECTIONS + APP.removeprefix(HOOK)
    term = Terminal([sys.executable, "-c", code], {**os.environ, "IMPORT_LOG": str(log)}, size=(120, 40))
    try:
        term.expect(rf"{TOTAL} profiles · 0 sessions", timeout=60)
        term.type("/")
        term.type("staging-0171 readonly")
        term.expect(rf"{matches('staging-0171 readonly')} of {TOTAL}", timeout=30)
    finally:
        term.kill()


def test_the_collector_waits_for_the_catalog_then_collects(indexed, tmp_path):
    """Start-up's objects live as long as the app: no collector pass from the moment rolecall
    starts up (it pauses the collector: rolecall/collector.py) until the whole catalog is made;
    it is turned on once, and collects as the filter is used."""
    run_until_filtered(tmp_path / "log")
    events = collector_events(tmp_path / "log")
    assert events.count("enable") == 1
    paused, resumed = events.index("rolecall.cli.app"), events.index("enable")  # cli.app: imported once paused
    assert paused < resumed and "gc" not in events[paused:resumed]
    assert "gc" in events[resumed:]


def test_a_catalog_read_after_the_first_frame_is_kept_out_of_the_passes_too(sandbox, tmp_path):
    """Without a current index the profiles are parsed in a worker after the first frame, which
    turns the collector on; the catalog, once shown, is still frozen (a full pass over it stalls
    a keystroke)."""
    sandbox.profiles.write_text(many_profiles(), encoding="utf-8")
    run_until_filtered(tmp_path / "log")
    events = collector_events(tmp_path / "log")
    resumed = events.index("enable")  # after the first frame, before the worker's catalog
    assert "freeze" in events[resumed:]  # the catalog, once shown
    assert "gc" in events[resumed:]


def test_themes_are_read_again_when_a_theme_file_changes(sandbox):
    """The themes' JSON cache (what spares the first frame PyYAML) follows the files."""
    folder = paths.user_themes_dir()
    folder.mkdir(parents=True)
    mine = folder / "mine.yaml"
    mine.write_text("name: mine\nprimary: '#102030'\n", encoding="utf-8")
    assert by_name(themes.load_themes()[0])["mine"].primary == "#102030"
    assert by_name(themes.load_themes()[0])["mine"].primary == "#102030"  # from the cache now
    mine.write_text("name: mine\nprimary: '#a0b0c0'  # edited\n", encoding="utf-8")
    assert by_name(themes.load_themes()[0])["mine"].primary == "#a0b0c0"
    mine.write_text("name: mine\nprimary: 12\ncolour: red\n", encoding="utf-8")
    found, problems = themes.load_themes()
    assert "mine" not in by_name(found) and "rolecall-dark" in by_name(found)
    assert [str(problem) for problem in problems] == [f"{mine}: unknown field(s): colour"]
    assert (paths.cache_dir() / themes.CACHE).stat().st_mode & 0o777 == 0o600


def by_name(found: list) -> dict:
    return {theme.name: theme for theme in found}


@pytest.mark.parametrize("argv", [["--profiles"], ["--theme"], ["ui", "extra"], ["--profile", "x"]])
def test_what_the_app_shortcut_does_not_read_the_parser_still_refuses(cli, argv):
    """`rolecall [--profiles P] [--theme T] [ui]` reaches the app without argparse; anything
    else is still argparse's, which says what is wrong in one line and exits 2."""
    done = cli(*argv)
    assert done.code == 2
    assert done.out == "" and "Traceback" not in done.err
    assert done.err.strip().splitlines()[-1].startswith("rolecall: "), done.err
