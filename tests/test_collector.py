"""Python's collector is paused while a command starts and resumes once the catalog is made
(rolecall/collector.py): in the CLI and in the app. The app's end-to-end case, on a real
pseudo-terminal, is in test_tui_first_paint.py."""

from __future__ import annotations

import argparse
import gc

import pytest

from rolecall import collector
from rolecall.cli import main
from rolecall.cli.common import engine_for
from rolecall.tui.app import make_app


@pytest.fixture
def paused():
    """The collector paused as a command pauses it while it starts."""
    with collector.starting():
        yield


def test_a_command_collects_again_once_its_catalog_is_made(sandbox, paused):
    engine = engine_for(argparse.Namespace(profiles=str(sandbox.profiles)))
    assert "prod/Admin" in engine.catalog.profiles
    assert gc.isenabled() and gc.get_freeze_count() > 0  # what start-up made is out of its passes


async def test_the_app_collects_again_once_its_first_catalog_is_shown(sandbox, fake_clock, paused):
    app = make_app(clock=fake_clock, theme="rolecall-dark")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.sub_title == "6 profiles · 0 sessions"
        assert gc.isenabled() and gc.get_freeze_count() > 0


def test_a_command_that_ends_before_its_catalog_leaves_the_collector_running(sandbox):
    """main's caller (here, this process) gets the collector back however the command ended."""
    with pytest.raises(SystemExit):
        main(["list", "--no-such-option"])
    assert main(["no-such-command"]) == 2
    assert gc.isenabled()


def test_resume_leaves_a_running_collector_alone():
    """The tests' own process (and any caller that never paused it): nothing is frozen."""
    frozen = gc.get_freeze_count()
    collector.resume()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
