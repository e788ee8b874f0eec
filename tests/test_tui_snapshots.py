"""How the app looks: SVG snapshots at a fixed size, theme and clock (pytest-textual-snapshot).

Update after a deliberate change with `python -m pytest tests/test_tui_snapshots.py --snapshot-update`
and look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest

from rolecall.core.domain.clock import FakeClock
from rolecall.core.engine import Engine
from rolecall.core.sources.index import load_catalog
from rolecall.tui.app import make_app
from rolecall.tui.widgets.accounts import AccountsTree
from tests.conftest import FIXED_NOW, seed_sessions
from tests.sts_proxy import INVALID_MFA
from tests.tui_screen import shows

SIZE = (120, 36)
SIZES = {"small": (80, 24), "medium": (120, 40), "wide": (200, 60)}


def app_with_sessions(theme: str = "rolecall-dark", **kwargs):
    # 3h left, 10 min (warning), 3 min (error) and one expired 5 min ago
    seed_sessions({"prod/ReadOnly": 3 * 3600, "staging/Admin": 600, "shared/Hub": 180, "prod/Admin": -300})
    engine = Engine(load_catalog(use_index=False), clock=FakeClock(FIXED_NOW), session_name="rolecall-alice")
    return make_app(engine=engine, theme=theme, **kwargs)


def test_main_screen(sandbox, snap_compare):
    assert snap_compare(app_with_sessions(), terminal_size=SIZE)


def test_filter_active(sandbox, snap_compare):
    async def type_filter(pilot):
        await pilot.press("slash", *"stg")
        await pilot.pause()  # the filter runs on each key; let the last run, and its repaint, finish
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(app_with_sessions(), run_before=type_filter, terminal_size=SIZE)


def test_mfa_modal(sandbox, snap_compare):
    async def open_modal(pilot):
        pilot.app.query_one(AccountsTree).select_profile("staging/Admin")
        await pilot.pause()
        # staging/Admin's session has 10 min left; assuming a different MFA role needs a code
        pilot.app.main.assume(pilot.app.engine.catalog.profiles["prod/Admin"])
        await pilot.pause()

    assert snap_compare(app_with_sessions(), run_before=open_modal, terminal_size=SIZE)


def test_help(sandbox, snap_compare):
    assert snap_compare(app_with_sessions(), press=["question_mark"], terminal_size=SIZE)


def test_demo_banner(sandbox, snap_compare):
    app = app_with_sessions(banner="DEMO: a local fake STS; nothing real is touched. MFA: any six digits.")
    assert snap_compare(app, terminal_size=SIZE)


@pytest.mark.parametrize("theme", ["rolecall-dark", "rolecall-light", "rolecall-contrast"])
def test_bundled_theme(sandbox, snap_compare, theme):
    assert snap_compare(app_with_sessions(theme), terminal_size=SIZE)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_main_screen_at_every_size(sandbox, snap_compare, size):
    """80x24: Help and Quit in the footer, names whole; 200x60: account, region, expiry and a bar."""
    assert snap_compare(app_with_sessions(), terminal_size=SIZES[size])


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_help_at_every_size(sandbox, snap_compare, size):
    assert snap_compare(app_with_sessions(), press=["question_mark"], terminal_size=SIZES[size])


@pytest.mark.parametrize("size", ["small", "wide"])
def test_mfa_modal_with_a_long_aws_error(sandbox, sts_proxy, snap_compare, size):
    sts_proxy.script["GetSessionToken"].append(INVALID_MFA)

    async def wrong_code(pilot):
        app = pilot.app
        app.query_one(AccountsTree).select_profile("prod/Admin")
        await pilot.pause()
        await pilot.press("enter", *"123456", "enter")
        # the refusal comes from a worker that may not have started yet: wait for it on screen
        await shows(pilot, lambda lines: "MultiFactorAuthentication" in "".join(lines))
        await app.workers.wait_for_complete()
        # and the code's input takes the focus back, for the retry: the cursor is in the snapshot
        for _ in range(200):
            if app.focused is not None and app.focused.id == "mfa-code":
                break
            await pilot.pause(0.02)

    assert snap_compare(app_with_sessions(), run_before=wrong_code, terminal_size=SIZES[size])


def test_details_of_a_chained_role(sandbox, snap_compare):
    async def select_deploy(pilot):
        pilot.app.query_one(AccountsTree).select_profile("shared/Deploy")
        await pilot.pause()

    assert snap_compare(app_with_sessions(), run_before=select_deploy, terminal_size=SIZES["medium"])
