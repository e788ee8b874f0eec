"""The TUI driven with Pilot against the local STS: what a user sees and gets after each key."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from rich.style import Style

from rolecall.core.domain.clock import FakeClock
from rolecall.core.engine import Engine
from rolecall.core.sources.index import load_catalog
from rolecall.core.text import formats
from rolecall.tui.app import make_app
from rolecall.tui.screens.choose import ChooseScreen
from rolecall.tui.screens.mfa import MfaScreen
from rolecall.tui.widgets.accounts import AccountsTree
from rolecall.tui.widgets.sessions import SessionsList
from rolecall.tui.widgets.titlebar import TitleBar
from tests.conftest import FIXED_NOW, seed_sessions
from tests.tui_screen import notices, palette_lists, record_notices, screen_lines, settle, shown_lines

SIZE = (120, 36)


def build(fake_clock, **kwargs):
    engine = Engine(load_catalog(use_index=False), clock=fake_clock, session_name="rolecall-alice")
    return make_app(engine=engine, theme="rolecall-dark", **kwargs)


def roles(app) -> list[str]:
    tree = app.query_one(AccountsTree)
    return tree.shown_roles()


def sessions(app) -> dict:
    return app.query_one(SessionsList).sessions


def shown(app, name: str) -> tuple[str, str]:
    """The countdown at the end of the session's line, as drawn, and its colour state."""
    panel = app.query_one(SessionsList)
    drawn = panel.line_text(name)
    assert drawn.strip().startswith(name)
    return drawn[len(drawn) - 22 :].strip(), panel.shown[name][1]


@pytest.fixture(autouse=True)
def _notices(monkeypatch):
    record_notices(monkeypatch)


async def select(pilot, name: str) -> None:
    await settle(pilot)  # the profiles' loading job, which would move the cursor, has finished
    pilot.app.query_one(AccountsTree).select_profile(name)
    await pilot.pause()
    assert pilot.app.main.current_profile().name == name


async def assume(pilot, name: str) -> None:
    """Select `name`, press Enter and wait until the app has the answer: what a user does most."""
    await select(pilot, name)
    await pilot.press("enter")
    await settle(pilot)


async def test_every_profile_is_listed_at_start_with_accounts_expanded(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert roles(app) == ["prod/Admin", "prod/ReadOnly", "staging/Admin", "shared/Hub", "shared/Deploy", "corp"]
        tree = app.query_one(AccountsTree)
        assert not any(tree.is_folded(account) for account in tree.shown_accounts())
        assert app.main.current_profile().name == "prod/Admin"
        assert app.sub_title == "6 profiles · 0 sessions"


async def test_filter_narrows_highlights_and_escape_clears(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"stg")
        await pilot.pause()
        assert roles(app) == ["staging/Admin"]
        tree = app.query_one(AccountsTree)
        drawn = tree.label(tree.lines[1])
        assert drawn.plain == "  Admin  mfa"
        account = tree.label(tree.lines[0])
        marked = [
            account.plain[s.start : s.end] for s in account.spans if isinstance(s.style, Style) and s.style.underline
        ]
        assert marked[:3] == ["s", "t", "g"]  # the letters of "stg" in "staging" (and again in its tags)
        await pilot.press("enter")  # Enter in the filter acts on the match: an MFA role asks for a code
        await pilot.pause()
        assert isinstance(app.screen, MfaScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("slash", "escape")  # back to the list, the filter kept
        await pilot.pause()
        assert app.focused is app.query_one(AccountsTree)
        assert roles(app) == ["staging/Admin"]
        await pilot.press("escape")  # Esc in the list clears it
        await pilot.pause()
        assert len(roles(app)) == 6
        assert app.focused is app.query_one(AccountsTree)


async def test_filter_matches_tags_and_account_ids(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"env=prod")
        await pilot.pause()
        assert roles(app) == ["prod/Admin", "prod/ReadOnly"]
        await pilot.press(*["backspace"] * 8, *"4444")
        await pilot.pause()
        assert roles(app) == ["shared/Hub", "shared/Deploy"]


async def test_enter_assumes_and_the_countdown_ticks_and_changes_colour(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await assume(pilot, "prod/ReadOnly")
        text, state = shown(app, "prod/ReadOnly")
        assert re.fullmatch(r"3:59:\d\d|4:00:[0-5]\d", text) and state == "ok"  # a 4h role, give or take
        expires = sessions(app)["prod/ReadOnly"].expiration
        fake_clock.set(expires - timedelta(minutes=10))
        app.main.tick()
        await pilot.pause()
        assert shown(app, "prod/ReadOnly") == ("0:10:00", "warning")
        fake_clock.set(expires - timedelta(minutes=4, seconds=1))
        app.main.tick()
        await pilot.pause()
        assert shown(app, "prod/ReadOnly") == ("0:04:01", "error")
        fake_clock.set(expires + timedelta(seconds=1))
        app.main.tick()
        await pilot.pause()
        assert shown(app, "prod/ReadOnly") == ("expired (r refreshes)", "expired")
        assert "prod/ReadOnly" in sessions(app)  # marked, never dropped


async def test_refresh_renews_an_expired_session_and_writes_the_cache(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await assume(pilot, "prod/ReadOnly")
        old = sessions(app)["prod/ReadOnly"]
        fake_clock.set(old.expiration + timedelta(seconds=5))
        await pilot.press("r")
        await settle(pilot)
        new = sessions(app)["prod/ReadOnly"]
        assert new.credentials.access_key_id != old.credentials.access_key_id
        assert app.engine.cache.get("prod/ReadOnly").credentials == new.credentials


async def test_mfa_modal_validates_cancels_and_then_one_code_serves_both_accounts(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, "prod/Admin")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MfaScreen)
        assert str(screen.query_one("#mfa-title").render()) == "MFA code for arn:aws:iam::111111111111:mfa/alice"
        await pilot.press(*"12ab")
        assert screen.query_one("#mfa-code").value == "12"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert "six digits" in str(screen.query_one("#mfa-message").render())
        app.main.tick()  # the countdown timer fires while the modal is open
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MfaScreen) and sessions(app) == {}

        await pilot.press("enter", *"123456", "enter")
        await settle(pilot)
        await pilot.pause()
        assert not isinstance(app.screen, MfaScreen)
        assert "prod/Admin" in sessions(app)

        await select(pilot, "staging/Admin")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, MfaScreen)  # the MFA session serves the second account
        await settle(pilot)
        assert set(sessions(app)) == {"prod/Admin", "staging/Admin"}


async def test_aws_error_is_a_notification_and_the_app_keeps_running(sandbox, fake_clock, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await assume(pilot, "prod/ReadOnly")
        assert any("cannot reach STS at http://127.0.0.1:9" in text for text in notices(app))
        assert app.is_running and sessions(app) == {}
        await pilot.press("down")
        assert app.main.current_profile().name == "staging/Admin"  # still answering keys


async def test_sessions_cached_by_the_cli_appear_at_start(sandbox, cli):
    assert cli("assume", "shared/Deploy").code == 0
    app = build(FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert set(sessions(app)) == {"shared/Hub", "shared/Deploy"}
        tree = app.query_one(AccountsTree)
        live = tree.label_texts()
        assert "● Deploy  via shared/Hub" in live


async def test_forget_removes_the_session_from_panel_and_cache(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await assume(pilot, "prod/ReadOnly")
        details = app.query_one("#details")
        assert not any("session    none" in line for line in shown_lines(app, details))
        await pilot.press("x")
        await pilot.pause()
        assert sessions(app) == {}
        assert app.engine.cache.get("prod/ReadOnly") is None
        # the details pane says so at once (no tick of the clock in between)
        assert any("session    none (enter assumes it)" in line for line in shown_lines(app, details))


async def test_copy_offers_formats_with_env_first_and_copies_without_showing_the_secret(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, "prod/ReadOnly")
        await pilot.press("c")  # no session yet: assumes first, then asks for the format
        await settle(pilot)
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("enter")
        await pilot.pause()
        session = app.engine.usable("prod/ReadOnly")
        assert app.clipboard == formats.render("env", session)
        message = notices(app)[-1]
        assert message.startswith("copied prod/ReadOnly credentials (env)")
        assert session.credentials.secret_access_key not in " ".join(notices(app))


async def test_copy_in_another_format(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, "prod/ReadOnly")
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("down", "down", "down", "enter")  # env, fish, powershell, json
        await pilot.pause()
        assert json.loads(app.clipboard)["AccessKeyId"].startswith("ASIA")


async def test_run_command_shows_its_exit_code(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, "prod/ReadOnly")
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*"sh -c 'echo $ROLECALL_PROFILE; exit 3'", "enter")
        await pilot.pause()
        assert any(text.endswith("exited 3") for text in notices(app))
        assert str(app.query_one("#status").render()) == "prod/ReadOnly"


async def test_shell_without_a_terminal_to_hand_over_says_so(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, "prod/ReadOnly")
        await pilot.press("s")
        await settle(pilot)
        assert any("rolecall shell prod/ReadOnly" in text for text in notices(app))


async def test_the_title_bar_counts_and_its_icon_opens_the_palette(sandbox, fake_clock):
    from textual.command import CommandPalette

    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.query_one(TitleBar)
        title = str(bar.render())
        assert title.startswith(" ⇄ ") and "rolecall — 6 profiles · 0 sessions" in title
        await pilot.hover(TitleBar, offset=(1, 0))
        assert bar.tooltip == "Open the command palette"
        await pilot.hover(TitleBar, offset=(20, 0))
        assert bar.tooltip is None
        await pilot.click(TitleBar, offset=(20, 0))  # the title: three lines tall, the title in the middle
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        assert bar.size.height == 3 and "rolecall — 6 profiles" in screen_lines(app)[1]
        await pilot.click(TitleBar, offset=(20, 0))
        await pilot.pause()
        assert bar.size.height == 1
        await pilot.click(TitleBar, offset=(1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_palette_offers_assume_for_every_profile(sandbox, fake_clock):
    from textual.command import CommandPalette

    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"assume shared/Dep")
        assert isinstance(app.screen, CommandPalette)
        await palette_lists(pilot, "assume shared/Deploy")


async def test_help_lists_the_keys(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-keys").render())
        for key in ("/", "enter", "s", "e", "c", "r", "x", "o", "t", "ctrl+p", "q"):
            assert re.search(rf"^\s*{re.escape(key)}  ", text, re.M), key


async def test_keys_can_be_remapped_in_settings(sandbox, fake_clock):
    settings = sandbox.home / ".config" / "rolecall" / "settings.yaml"
    settings.parent.mkdir(parents=True)
    settings.write_text("keymap:\n  forget: ctrl+d\n")
    seed_sessions({"prod/ReadOnly": 3600})
    app = build(FakeClock(FIXED_NOW))
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, "prod/ReadOnly")
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert sessions(app) == {}


async def test_theme_flag_user_themes_and_a_bad_theme_file(sandbox, fake_clock):
    themes = sandbox.home / ".config" / "rolecall" / "themes"
    themes.mkdir(parents=True)
    (themes / "mine.yaml").write_text("name: mine\nprimary: '#ff00ff'\n")
    (themes / "broken.yaml").write_text("name: broken\nprimary: not-a-colour\n")
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    app = make_app(engine=engine, theme="mine")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "mine"
        assert any("broken.yaml" in text and "not a colour" in text for text in notices(app))
        app.theme = "rolecall-light"
        await pilot.pause()
    remembered = (sandbox.home / ".config" / "rolecall" / "settings.yaml").read_text()
    assert "theme: rolecall-light" in remembered
    app = make_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "rolecall-light"


async def test_profile_problems_are_reported_and_valid_profiles_kept(sandbox, fake_clock):
    sandbox.write_profiles(
        """\
        version: 1
        defaults: {source_profile: corp}
        accounts:
          - id: "222222222222"
            name: prod
            roles:
              - role: Good
              - role: Bad
                duration: 99h
          - id: "nope"
            roles: [{role: X}]
        """
    )
    app = make_app(clock=fake_clock, theme="rolecall-dark")  # loads the profiles itself, in a worker
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert roles(app) == ["prod/Good", "corp"]
        assert any("2 problems in your profiles" in text for text in notices(app))


async def test_thousands_of_profiles_load_and_filter(sandbox, fake_clock):
    lines = ["version: 1", "defaults: {source_profile: corp}", "accounts:"]
    for n in range(300):
        lines += [f'  - id: "{100000000000 + n}"', f"    name: acct{n:03d}", "    roles:"]
        lines += [f"      - role: Role{r}" for r in range(10)]
    sandbox.profiles.write_text("\n".join(lines) + "\n")
    app = make_app(clock=fake_clock, theme="rolecall-dark")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(roles(app)) == 3001  # and corp's own keys
        assert len(app.query("*")) < 100  # one tree widget renders the visible lines only
        await pilot.press("slash", *"acct123 role7")
        await pilot.pause()
        assert roles(app) == ["acct123/Role7"]


@pytest.fixture(autouse=True)
def _no_real_clipboard(monkeypatch):
    """pyperclip must not touch a developer's real clipboard during the suite."""
    monkeypatch.setenv("DISPLAY", "")
    monkeypatch.setenv("WAYLAND_DISPLAY", "")


async def test_app_stays_responsive_while_sts_hangs(sandbox, fake_clock, monkeypatch):
    from tests.sts_proxy import Hanging

    hanging = Hanging()
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", hanging.url)
    monkeypatch.setenv("ROLECALL_STS_READ_TIMEOUT", "1")
    monkeypatch.setenv("ROLECALL_STS_ATTEMPTS", "1")
    app = build(fake_clock)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await select(pilot, "prod/ReadOnly")
            await pilot.press("enter")
            await pilot.pause()
            assert str(app.main.status_line.render()) == "assuming prod/ReadOnly…"
            await pilot.press("down")  # the worker is still waiting on STS; keys still work
            assert app.main.current_profile().name == "staging/Admin"
            await settle(pilot)
            assert any("STS did not answer in time" in text for text in notices(app))
    finally:
        hanging.close()


def test_a_hangup_ends_the_app_at_once_in_a_real_terminal(sandbox):
    """SIGHUP (the terminal went away) ends `rolecall` running in a real pseudo-terminal."""
    import os
    import pty
    import select
    import signal
    import sys
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: the real app on the pty
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "rolecall", "--theme", "rolecall-dark"])
    seen = b""
    deadline = time.monotonic() + 60
    while b"prod" not in seen and time.monotonic() < deadline:  # wait until the tree is drawn
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    assert b"prod" in seen, seen[-500:]
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        try:
            os.read(fd, 65536)  # keep the pty drained
        except OSError:
            pass
        time.sleep(0.05)  # polling for a process to end, not waiting on a countdown
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise AssertionError("the app did not exit after SIGHUP")
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 128 + signal.SIGHUP


async def test_a_role_of_a_session_not_signed_in_says_which_key_signs_in(sandbox, fake_clock):
    sandbox.aws_config.write_text(
        "[profile team]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\n"
        "region = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = eu-west-1\n",
        encoding="utf-8",
    )
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "team")
        await pilot.press("enter")
        await settle(pilot)
        said = " ".join(notices(app))
        assert "press l to sign in to corp" in said, said
        assert "rolecall login" not in said


async def test_ctrl_c_says_in_plain_words_which_key_quits(sandbox, fake_clock):
    app = build(fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert "press q to quit" in notices(app)
        assert "[b]" not in " ".join(notices(app))
