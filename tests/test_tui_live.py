"""The app in step with the cache and with IAM Identity Center.

Other processes (`python -m rolecall ...`) change the cache while the app runs; the app notices on
its 1-second tick (driven here by hand with a FakeClock) and shows what `rolecall sessions` would.
Sign-ins run against the local fake of IAM Identity Center with a stand-in $BROWSER.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import webbrowser
from datetime import timedelta

import pytest

from rolecall.core.domain.clock import FakeClock
from rolecall.core.domain.credentials import format_remaining
from rolecall.core.engine import Engine
from rolecall.core.sources.index import load_catalog
from rolecall.core.sso import discovery
from rolecall.core.sso.token import token_path
from rolecall.tui.app import make_app
from rolecall.tui.screens.login import LoginScreen
from rolecall.tui.widgets.accounts import AccountsTree
from rolecall.tui.widgets.sessions import SessionsList
from tests.conftest import FIXED_NOW, MFA_SERIAL, seed_sessions, wait_for
from tests.sso_fixtures import (  # noqa: F401
    BROWSER_SCRIPT,
    CONFIG,
    CORP,
    rolecall_sso,
    sign_in,
    sso_fixture,
    start_fake,
)
from tests.tui_screen import notices, record_notices, shown_lines, shows
from tests.tui_screen import settle as settle_work

SIZE = (120, 40)


def build(clock):
    engine = Engine(load_catalog(use_index=False), clock=clock, session_name="rolecall-alice")
    return make_app(engine=engine, theme="rolecall-dark")


def panel(app) -> SessionsList:
    return app.query_one(SessionsList)


def row(app, key: str) -> str:
    """The row keyed `key` as drawn, runs of spaces squeezed."""
    return " ".join(panel(app).line_text(key).split())


def left(app, key: str, clock) -> str:
    """The countdown the row keyed `key` should show now."""
    return format_remaining(panel(app).rows[key].remaining(clock.now()))


def roles(app) -> list[str]:
    tree = app.query_one(AccountsTree)
    return tree.shown_roles()


@pytest.fixture(autouse=True)
def _notices(monkeypatch):
    record_notices(monkeypatch)


async def next_tick(pilot, clock) -> None:
    """One second passes: the app's timer would call tick now."""
    clock.advance(1)
    pilot.app.main.tick()
    await pilot.pause()


async def settle(pilot) -> None:
    await settle_work(pilot, rounds=3)  # a sign-in's worker starts a sync, whose end starts a reload


@pytest.fixture
def browser(tmp_path, monkeypatch, sandbox):
    """A stand-in $BROWSER that fetches the page it is given and follows the redirect, as a browser
    would. webbrowser reads $BROWSER once per process: make it read it again for this test."""
    script = tmp_path / "browser.py"
    script.write_text(BROWSER_SCRIPT, encoding="utf-8")  # opens rolecall's local page and follows it
    monkeypatch.setenv("BROWSER", f"{sys.executable} {script} %s")
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    return script


# ---------------------------------------------------------------------------- the cache, live


async def sign_in_shows(pilot, shown) -> None:
    """Wait (up to a minute on a loaded machine) until the sign-in modal shows what `shown` picks:
    the worker signing in reaches the browser or the device-code step in its own time."""
    for _ in range(1200):
        if isinstance(pilot.app.screen, LoginScreen) and shown(pilot.app.screen):
            return
        await pilot.pause(0.05)


async def test_a_session_assumed_in_another_terminal_appears_and_clear_elsewhere_removes_it(sandbox, cli, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert panel(app).sessions == {}
        done = cli("assume", "prod/ReadOnly")
        assert done.code == 0, done.err
        await next_tick(pilot, fake_clock)
        assert list(panel(app).sessions) == ["prod/ReadOnly"]
        assert row(app, "prod/ReadOnly") == f"prod/ReadOnly {left(app, 'prod/ReadOnly', fake_clock)}"
        assert left(app, "prod/ReadOnly", fake_clock).startswith(("3:59:", "4:00:"))  # a 4 h role
        tree = app.query_one(AccountsTree)
        assert "● ReadOnly" in tree.label_texts()
        assert app.sub_title.endswith("1 session")

        assert cli("sessions", "--clear").code == 0
        await next_tick(pilot, fake_clock)
        assert panel(app).sessions == {}
        assert app.sub_title.endswith("0 sessions")


async def test_a_chained_role_assumed_elsewhere_brings_its_parent(sandbox, cli, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert cli("assume", "shared/Deploy").code == 0
        await next_tick(pilot, fake_clock)
        assert sorted(panel(app).sessions) == ["shared/Deploy", "shared/Hub"]  # what `rolecall sessions` lists


async def test_an_mfa_session_is_listed_with_its_device_and_countdown(sandbox, cli, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        done = cli("assume", "prod/Admin", "--mfa-code", "123456")
        assert done.code == 0, done.err
        await next_tick(pilot, fake_clock)
        shown = row(app, f"mfa:{MFA_SERIAL}")
        assert shown == f"mfa {MFA_SERIAL} {left(app, f'mfa:{MFA_SERIAL}', fake_clock)}"
        assert left(app, f"mfa:{MFA_SERIAL}", fake_clock).startswith(("7:59:", "8:00:"))  # the 8 h MFA session
        assert "prod/Admin" in panel(app).sessions
        assert app.sub_title.endswith("2 sessions")  # the header counts the panel's rows: role and MFA

        panel(app).focus()
        panel(app).cursor = list(panel(app).rows).index(f"mfa:{MFA_SERIAL}")
        await pilot.press("x")  # forget the MFA session from its row
        await pilot.pause()
        assert f"mfa:{MFA_SERIAL}" not in panel(app).rows
        assert app.sub_title.endswith("1 session")
        assert cli("sessions", "--json").json()  # the role session is still there
        assert "mfa" not in cli("sessions").out


async def test_nothing_is_read_again_while_the_cache_is_unchanged(sandbox, cli, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert cli("assume", "prod/ReadOnly").code == 0
        await next_tick(pilot, fake_clock)
        before = panel(app).rows["prod/ReadOnly"]
        for _ in range(3):
            await next_tick(pilot, fake_clock)
        assert panel(app).rows["prod/ReadOnly"] is before  # the same object: no re-read
        assert row(app, "prod/ReadOnly").endswith(left(app, "prod/ReadOnly", fake_clock))


async def test_the_status_line_does_not_keep_a_frozen_countdown(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one(AccountsTree).select_profile("prod/ReadOnly")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert "prod/ReadOnly" in panel(app).sessions
        assert str(app.main.status_line.render()) == ""


# ---------------------------------------------------------------------------- IAM Identity Center


async def test_sign_in_from_the_app_shows_the_countdown_and_the_discovered_roles(sso, browser, fake_clock):
    sso.auto_approve = True
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row(app, "sso:corp") == "sso corp signed out"
        assert not any(name.startswith("account-") for name in roles(app))
        await pilot.press("l")  # the only session
        await settle(pilot)
        assert not isinstance(app.screen, LoginScreen)  # closed on success
        assert row(app, "sso:corp").endswith("8:00:00")  # the fake's 8 h token, from the app's clock
        assert "account-0000/ReadOnly" in roles(app) and "account-0002/ReadOnly" in roles(app)
        assert any(text.startswith("signed in to corp until") for text in notices(app))
        assert "corp: 3 accounts, 6 roles" in notices(app)
        assert token_path(CORP).exists()
        assert sso.count("Authorize") == 1

        await next_tick(pilot, fake_clock)
        assert row(app, "sso:corp").endswith("7:59:59")


async def test_esc_cancels_a_sign_in_and_the_url_can_be_copied_meanwhile(sso, tmp_path, monkeypatch, fake_clock):
    idle = tmp_path / "idle-browser.py"
    idle.write_text("", encoding="utf-8")  # opens nothing: the person has not signed in yet
    monkeypatch.setenv("BROWSER", f"{sys.executable} {idle} %s")
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await sign_in_shows(pilot, lambda screen: screen.url)
        screen = app.screen
        assert isinstance(screen, LoginScreen) and screen.url, f"no sign-in URL shown; notes: {notices(app)}"
        assert screen.url.startswith(sso.url) and "/authorize?" in screen.url
        assert str(screen.query_one("#login-url").render()) == screen.url
        await pilot.press("c")
        assert app.clipboard == screen.url
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, LoginScreen)
        assert "sign-in to corp cancelled" in notices(app)
        assert not token_path(CORP).exists()
        assert row(app, "sso:corp").endswith("signed out")


async def test_r_on_the_sign_in_row_discovers_again(sso, fake_clock):
    sso.auto_approve = True
    assert rolecall_sso("login", "--no-browser").returncode == 0
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = sso.count("ListAccounts")
        panel(app).focus()
        panel(app).cursor = list(panel(app).rows).index("sso:corp")
        await pilot.press("r")
        await settle(pilot)
        assert sso.count("ListAccounts") == before + 1
        assert "corp: 3 accounts, 6 roles" in notices(app)


async def test_a_re_sync_shows_its_progress_in_the_status_line(sso, fake_clock):
    sso.auto_approve = True
    assert rolecall_sso("login", "--no-browser").returncode == 0
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sso.latency = 0.2  # each portal call: the discovery takes a while, as a real one does
        panel(app).focus()
        panel(app).cursor = list(panel(app).rows).index("sso:corp")
        await pilot.press("r")
        shown: list[str] = []
        deadline = time.monotonic() + 30
        while "corp: 3 accounts, 6 roles" not in notices(app) and time.monotonic() < deadline:
            line = " ".join(shown_lines(app, app.main.status_line)[0].split())
            if line and line not in shown:
                shown.append(line)
            await pilot.pause(0.02)
        progress = [line for line in shown if re.fullmatch(r"discovering corp: \d/3 accounts, \d roles?", line)]
        assert progress, shown
        assert shown_lines(app, app.main.status_line)[0].strip() == ""  # done: the line is cleared


async def test_a_discovery_older_than_a_day_is_made_again_in_the_background(sso, fake_clock):
    sso.auto_approve = True
    assert rolecall_sso("login", "--no-browser").returncode == 0
    stale = json.loads(discovery.path(CORP).read_text())
    stale["fetched_at"] = (fake_clock.now() - timedelta(hours=25)).isoformat()
    discovery.path(CORP).write_text(json.dumps(stale))
    before = sso.count("ListAccounts")
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await next_tick(pilot, fake_clock)
        await settle(pilot)
        assert sso.count("ListAccounts") == before + 1
        assert discovery.read(CORP).fetched_at >= fake_clock.now() - timedelta(seconds=2)
        await next_tick(pilot, fake_clock)
        await settle(pilot)
        assert sso.count("ListAccounts") == before + 1  # fresh now: not again


async def test_a_sync_from_the_cli_shows_the_new_accounts_in_the_running_app(sso, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one(AccountsTree).select_profile("shared/Hub")
        await pilot.pause()
        sso.auto_approve = True
        assert rolecall_sso("login", "--no-browser").returncode == 0
        await next_tick(pilot, fake_clock)
        await settle(pilot)
        assert "account-0001/AdministratorAccess" in roles(app)
        assert app.main.current_profile().name == "shared/Hub"  # the catalog made anew keeps the user's place
        assert row(app, "sso:corp") == f"sso corp {left(app, 'sso:corp', fake_clock)}"


async def test_without_a_browser_the_modal_shows_the_device_code_to_confirm_elsewhere(sso, monkeypatch, fake_clock):
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.setattr(webbrowser, "_tryorder", [])  # webbrowser knows no browser here (as over SSH)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await sign_in_shows(pilot, lambda screen: screen.user_code)
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        status = str(screen.query_one("#login-status").render())
        assert status == f"open this page and confirm the code {screen.user_code}:"
        assert str(screen.query_one("#login-url").render()) == screen.url and screen.url.startswith(sso.url)
        await pilot.press("c")
        assert app.clipboard == f"{screen.url}\n{screen.user_code}"
        assert sso.approve(screen.user_code) == 1  # the person confirms it on their phone
        await settle(pilot)
        assert not isinstance(app.screen, LoginScreen)
        assert token_path(CORP).exists()
        assert sso.count("StartDeviceAuthorization") == 1 and sso.count("Authorize") == 0
        assert "account-0000/ReadOnly" in roles(app)


MANY = """\
version: 1
defaults: {region: eu-west-1, source_profile: corp}
accounts:
  - {id: "111111111111", name: staging-environment-for-the-payments-team, roles: [{role: Developer}, {role: ReadOnly}, {role: Admin}]}
  - {id: "222222222222", name: prod, roles: [{role: Admin}, {role: ReadOnly}, {role: Deploy}]}
  - {id: "333333333333", name: dev, roles: [{role: Admin}, {role: Developer}, {role: ReadOnly}]}
  - {id: "444444444444", name: security-audit-and-compliance, roles: [{role: Auditor}, {role: ReadOnly}]}
"""


@pytest.mark.parametrize("width", [160, 180, 200, 220])
async def test_a_sessions_panel_that_scrolls_at_wide_sizes_draws_every_row(sandbox, width):
    sandbox.write_profiles(MANY)
    names = list(load_catalog(use_index=False).profiles)
    left = {name: format_remaining(timedelta(seconds=3600 + 60 * number)) for number, name in enumerate(names)}
    seed_sessions({name: 3600 + 60 * number for number, name in enumerate(names)})
    app = build(FakeClock(FIXED_NOW))
    async with app.run_test(size=(width, 20)) as pilot:
        await settle(pilot)
        panel(app).focus()
        seen: dict[str, str] = {}  # countdown -> its lines and the ones above (a long name wraps)
        for _ in range(len(names) + 1):  # scrolled row by row to the end: every row is drawn once
            lines = shown_lines(app, panel(app))
            for above, line in zip(["", *lines], lines, strict=False):
                for countdown in re.findall(r"\d:\d\d:\d\d", line):
                    seen[countdown] = seen.get(countdown, "") + above + line
            await pilot.press("down")
            await pilot.pause()
        for name, countdown in left.items():
            assert countdown in seen, f"{name}'s row ({countdown}) was never drawn in the sessions panel"
            assert name.split("/")[-1] in seen[countdown] or name[:10] in seen[countdown]


async def test_the_real_one_second_timer_ticks_the_countdowns(sandbox):
    """No tick() by hand here: the app's own timer must fire and redraw the countdown."""
    seed_sessions({"prod/ReadOnly": 3600})
    clock = FakeClock(FIXED_NOW)
    app = build(clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)

        def countdowns() -> list[str]:
            return [c for line in shown_lines(app, panel(app)) for c in re.findall(r"\d:\d\d:\d\d", line)]

        assert countdowns() == ["1:00:00"]
        clock.advance(5)
        for _ in range(100):  # up to ~10 s of real time for a 1-second timer on a loaded machine
            if countdowns() == ["0:59:55"]:
                break
            await pilot.pause(0.1)
        assert countdowns() == ["0:59:55"]


async def test_quitting_while_a_discovery_runs_stops_it_and_saves_nothing(sandbox, monkeypatch, fake_clock):
    """A discovery of minutes (300 accounts, a portal serving 2 calls a second) is running when the
    person quits: it stops with the app instead of keeping the process alive until it ends."""
    sandbox.aws_config.write_text(CONFIG, encoding="utf-8")
    fake = start_fake(monkeypatch, sandbox, accounts=300, rate_limit=2)
    try:
        sign_in(fake, fake_clock)
        app = build(fake_clock)
        async with app.run_test(size=SIZE) as pilot:
            await settle_work(pilot)
            await next_tick(pilot, fake_clock)  # signed in, never discovered: the first tick starts it
            await shows(pilot, lambda lines: any("discovering corp" in line for line in lines))
        wait_for(
            lambda: not any(thread.name.startswith("sso-discovery") for thread in threading.enumerate()),
            what="the discovery to stop once the app quit",
        )
        assert discovery.read(CORP) is None
    finally:
        fake.close()
