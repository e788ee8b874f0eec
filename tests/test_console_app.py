"""The app's console key: a picker with recent services; what it opens, decoded (never by substring)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from textual.widgets import Input, OptionList

from rolecall.core.domain.clock import FakeClock
from rolecall.core.engine import Engine
from rolecall.core.gateways import console
from rolecall.core.sources.index import load_catalog
from rolecall.tui.app import make_app
from rolecall.tui.screens.console import ConsoleScreen
from rolecall.tui.widgets.accounts import AccountsTree
from tests.conftest import FIXED_NOW, seed_sessions
from tests.console_fixtures import (  # noqa: F401
    HOME,
    TOKEN,
    Page,
    base_fixture,
    expected_login,
    fake_browser_fixture,
    login_parts,
)
from tests.sso_fixtures import START_URL, rolecall_sso, sso_fixture  # noqa: F401
from tests.tui_screen import notices, record_notices, settle

SIZE = (120, 36)


def build(clock: FakeClock | None = None):
    engine = Engine(load_catalog(use_index=False), clock=clock or FakeClock(FIXED_NOW), session_name="rolecall-alice")
    return make_app(engine=engine, theme="rolecall-dark")


async def open_picker(pilot, name: str) -> ConsoleScreen:
    pilot.app.query_one(AccountsTree).select_profile(name)
    await pilot.pause()
    await pilot.press("o")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConsoleScreen)
    return pilot.app.screen


@pytest.fixture(autouse=True)
def shown_notices(monkeypatch) -> None:
    record_notices(monkeypatch)


def choices(screen: ConsoleScreen) -> list[str]:
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_typed_service_opens_there_through_a_private_page(sandbox, base, fake_browser, monkeypatch, fake_clock):
    browser = fake_browser()
    monkeypatch.setenv("ROLECALL_BROWSER", str(browser.path))
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(pilot, "prod/ReadOnly")
        await pilot.press(*"s3", "enter")
        await settle(pilot, rounds=2)
        assert "opened the AWS console as prod/ReadOnly" in notices(app)
    [run] = browser.runs()
    assert TOKEN not in "".join(run["argv"]) and run["mode"] == 0o600
    assert login_parts(Page(run["page"]).refresh, base) == expected_login(
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    )
    assert console.recent_services() == ["s3"]


async def test_enter_at_once_opens_the_console_home(sandbox, base, fake_browser, monkeypatch, fake_clock):
    browser = fake_browser()
    monkeypatch.setenv("BROWSER", f"{browser.path} %s")
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(pilot, "prod/ReadOnly")
        await pilot.press("enter")
        await settle(pilot, rounds=2)
    assert login_parts(Page(browser.runs()[0]["page"]).refresh, base) == expected_login(HOME)


async def test_recent_services_come_first_and_typing_filters(sandbox, fake_clock):
    console.remember_service("s3")
    console.remember_service("lambda")
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(pilot, "prod/ReadOnly")
        assert choices(screen)[:4] == ["console home", "lambda  (recent)", "s3  (recent)", "ec2"]
        await pilot.press(*"cloud")
        await pilot.pause()
        assert choices(screen) == ["cloudwatch", "cloudformation"]
        assert screen.query_one(Input).value == "cloud"


async def test_down_and_enter_pick_from_the_list(sandbox, base, fake_browser, monkeypatch, fake_clock):
    browser = fake_browser()
    monkeypatch.setenv("ROLECALL_BROWSER", str(browser.path))
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(pilot, "prod/ReadOnly")
        await pilot.press("down", "enter")  # into the list, one below "console home": s3
        await settle(pilot, rounds=2)
    assert (
        login_parts(Page(browser.runs()[0]["page"]).refresh, base)["Destination"]
        == "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    )


async def test_escape_opens_nothing_and_assumes_nothing(sandbox, base, fake_browser, monkeypatch, fake_clock):
    browser = fake_browser()
    monkeypatch.setenv("ROLECALL_BROWSER", str(browser.path))
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(pilot, "prod/ReadOnly")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ConsoleScreen)
        assert app.engine.usable("prod/ReadOnly") is None
    assert browser.runs() == []


async def test_a_destination_off_the_console_is_refused_before_anything(
    sandbox, base, fake_browser, monkeypatch, fake_clock
):
    browser = fake_browser()
    monkeypatch.setenv("ROLECALL_BROWSER", str(browser.path))
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(pilot, "prod/ReadOnly")
        await pilot.press(*"https://evil.example/x", "enter")
        await settle(pilot)
        assert "the destination 'https://evil.example/x' is not an AWS console page" in notices(app)
        assert app.engine.usable("prod/ReadOnly") is None
    assert browser.runs() == []


async def test_a_failing_browser_is_one_notice(sandbox, base, fake_browser, monkeypatch, fake_clock):
    browser = fake_browser("broken", code=4)
    monkeypatch.setenv("ROLECALL_BROWSER", str(browser.path))
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(pilot, "prod/ReadOnly")
        await pilot.press("enter")
        await settle(pilot, rounds=2)
        assert f"the browser command {str(browser.path)!r} failed (exit 4)" in notices(app)


async def test_an_sso_role_opens_the_portal_without_getting_credentials(
    sso, sandbox, fake_browser, monkeypatch, fake_clock
):
    sso.auto_approve = True
    assert rolecall_sso("login", "--no-browser").returncode == 0
    browser = fake_browser()
    monkeypatch.setenv("ROLECALL_BROWSER", str(browser.path))
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(pilot, "account-0001/ReadOnly")
        await pilot.press(*"iam", "enter")
        await settle(pilot, rounds=2)
    [url] = browser.runs()[0]["argv"]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == START_URL + "/"
    route, _, fields = parts.fragment.partition("?")
    assert route == "/console" and parse_qs(fields, strict_parsing=True) == {
        "account_id": ["100000000001"],
        "role_name": ["ReadOnly"],
        "destination": ["https://eu-west-1.console.aws.amazon.com/iam/home?region=eu-west-1"],
    }
    assert sso.count("GetRoleCredentials") == 0


def test_console_picker_snapshot(sandbox, snap_compare):
    """The picker over the main screen: recent services first, marked, then common ones."""
    seed_sessions({"prod/ReadOnly": 3 * 3600})
    console.remember_service("cloudwatch")
    console.remember_service("s3")

    async def open_it(pilot):
        pilot.app.query_one(AccountsTree).select_profile("prod/ReadOnly")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()

    assert snap_compare(build(), run_before=open_it, terminal_size=SIZE)
