"""The app a person keeps open all day: every key reachable at 80x24, names and messages shown whole,
a details pane, a filter that ranks what was meant, problems in the app, readable themes.

Each test drives the real app with Pilot against the local STS and asserts what is on the screen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.color import Color
from textual.command import CommandList

from rolecall.core.domain.clock import FakeClock
from rolecall.core.domain.profiles import Profile
from rolecall.core.domain.search import SearchIndex
from rolecall.core.engine import Engine
from rolecall.core.sources.index import load_catalog
from rolecall.core.store.paths import bundled_themes_dir
from rolecall.tui.app import make_app
from rolecall.tui.screens.help import HelpScreen
from rolecall.tui.screens.mfa import MfaScreen
from rolecall.tui.screens.problems import ProblemsScreen
from rolecall.tui.themes import parse_theme
from rolecall.tui.widgets.accounts import AccountsTree
from tests.conftest import FIXED_NOW, seed_sessions
from tests.sts_proxy import INVALID_MFA
from tests.tui_screen import palette_lists, screen_lines, screen_text, shows
from tests.tui_screen import settle as settle_work

SMALL = (80, 24)
WIDE = (200, 60)

MANY = """\
version: 1
defaults: {region: eu-west-1, source_profile: corp}
accounts:
  - {id: "111111111111", name: staging, roles: [{role: Developer}, {role: ReadOnly}, {role: Admin}]}
  - {id: "222222222222", name: prod, roles: [{role: Admin}, {role: ReadOnly}, {role: Deploy}]}
  - {id: "333333333333", name: dev, roles: [{role: Admin}, {role: Developer}, {role: ReadOnly}]}
  - {id: "444444444444", name: security, roles: [{role: Auditor}, {role: ReadOnly}]}
"""


def build(clock=None, **kwargs):
    engine = Engine(load_catalog(use_index=False), clock=clock or FakeClock(FIXED_NOW), session_name="rolecall-alice")
    return make_app(engine=engine, theme="rolecall-dark", **kwargs)


def shown_in(app, widget) -> str:
    """What the screen shows inside `widget`'s region, lines joined with spaces and runs of
    spaces squeezed: text that wraps reads as one line."""
    region = widget.region
    lines = screen_lines(app)[region.y : region.bottom]
    text = " ".join(line[region.x : region.right].strip(" █▊▎▕▏▀▄") for line in lines)
    return re.sub(" +", " ", text)


def toasts(app) -> str:
    return " ".join(shown_in(app, toast) for toast in app.screen.query("Toast"))


def roles(app) -> list[str]:
    tree = app.query_one(AccountsTree)
    return tree.shown_roles()


async def settle(pilot) -> None:
    await settle_work(pilot)
    await pilot.pause()


# ---------------------------------------------------------------------------------------- sizes


async def test_at_80x24_the_footer_shows_help_and_quit(sandbox):
    app = build()
    async with app.run_test(size=SMALL) as pilot:
        await shows(pilot, lambda lines: lines[-1].strip())
        footer = screen_lines(app)[-1]
        assert footer.startswith("? Help q Quit")
        assert "^p" in footer


async def test_help_fits_at_80x24_and_explains_markers_and_colours(sandbox):
    app = build()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        dialog = app.screen.query_one("#help-dialog")
        assert dialog.region.right <= SMALL[0] and dialog.region.bottom <= SMALL[1]
        assert "rolecall keys" in screen_text(app)
        legend = str(app.screen.query_one("#help-legend").render())
        assert "●  the role has a live session" in legend
        assert "mfa  assuming it asks for an MFA code" in legend
        assert "via X  assumed through role X first" in legend
        colours = str(app.screen.query_one("#help-colours").render())
        assert "under 15 minutes left" in colours and "under 5 minutes left" in colours and "expired" in colours
        keys = str(app.screen.query_one("#help-keys").render())
        assert re.search(r"^\s*left  fold an account", keys, re.MULTILINE)
        assert re.search(r"^\s*p  list the problems in your profiles", keys, re.MULTILINE)


async def test_a_remapped_key_shows_in_help(sandbox):
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        app.set_keymap({"forget": "ctrl+d", "problems": "f2"})
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        keys = str(app.screen.query_one("#help-keys").render())
        assert re.search(r"^\s*ctrl\+d  forget the selected session", keys, re.MULTILINE)
        assert re.search(r"^\s*f2  list the problems", keys, re.MULTILINE)
        assert not re.search(r"^\s*x  ", keys, re.MULTILINE)


async def test_long_session_names_are_shown_whole_at_80x24(sandbox):
    sandbox.write_profiles(
        """\
        version: 1
        defaults: {region: eu-west-1, source_profile: corp}
        accounts:
          - id: "222222222222"
            name: production-payments-eu
            roles: [{role: ReadOnlyObservabilityAnalyst}, {role: Admin}]
        """
    )
    seed_sessions({"production-payments-eu/ReadOnlyObservabilityAnalyst": 3600, "production-payments-eu/Admin": 600})
    app = build()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        text = shown_in(app, app.main.sessions_list).replace(" ", "")
        assert "production-payments-eu/ReadOnlyObservabilityAnalyst" in text
        assert "…" not in screen_text(app)
        lines = [line.split("▕")[-1].strip() for line in screen_lines(app)]
        # too long for one line with its countdown: the name whole, the countdown under it
        assert lines[lines.index("production-payments-eu/Admin") + 1] == "0:10:00"
        assert lines[lines.index("ReadOnlyObservabilityAnalyst") + 1] == "1:00:00"


async def test_a_wide_terminal_shows_account_region_expiry_and_a_bar_per_session(sandbox):
    seed_sessions({"prod/ReadOnly": 3 * 3600, "shared/Hub": 600})
    app = build(FakeClock(FIXED_NOW))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        line = next(line for line in screen_lines(app) if "prod/ReadOnly " in line and "3:00:00" in line)
        assert re.search(r"prod/ReadOnly +222222222222 eu-west-1 +15:00 UTC ━{10} 3:00:00", line)
        app.clock.advance(90 * 60)  # half of its 3 h gone: half a bar
        app.main.tick()
        await pilot.pause()
        line = next(line for line in screen_lines(app) if "prod/ReadOnly " in line and "1:30:00" in line)
        assert re.search("━━━━━╌╌╌╌╌ +1:30:00", line)


async def test_every_countdown_on_screen_ticks(sandbox):
    seed_sessions({"prod/ReadOnly": 3600, "shared/Hub": 1800, "shared/Deploy": 600})
    app = build(FakeClock(FIXED_NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()

        def countdowns() -> list[str]:
            """The countdowns the panel shows on screen."""
            region = app.main.sessions_list.region
            lines = [line[region.x : region.right] for line in screen_lines(app)[region.y : region.bottom]]
            return [re.findall(r"\d:\d\d:\d\d", line)[-1] for line in lines if re.search(r"\d:\d\d:\d\d", line)]

        assert set(countdowns()) >= {"1:00:00", "0:30:00", "0:10:00"}
        app.clock.advance(1)  # every row changes: drawn as one region
        app.main.tick()
        await pilot.pause()
        assert set(countdowns()) >= {"0:59:59", "0:29:59", "0:09:59"}
        assert not set(countdowns()) & {"1:00:00", "0:30:00", "0:10:00"}
        app.clock.advance(40 * 60)  # two have expired: from now on one row changes alone
        app.main.tick()
        await pilot.pause()
        assert countdowns() == ["0:19:59"]
        app.clock.advance(1)
        app.main.tick()
        await pilot.pause()
        assert countdowns() == ["0:19:58"]


async def test_a_long_aws_error_is_readable_in_the_mfa_dialog_at_80x24(sandbox, sts_proxy):
    sts_proxy.script["GetSessionToken"].append(INVALID_MFA)
    app = build()
    async with app.run_test(size=SMALL) as pilot:
        app.query_one(AccountsTree).select_profile("prod/Admin")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MfaScreen)
        await pilot.press(*"123456", "enter")
        await settle(pilot)
        shown = shown_in(app, app.screen.query_one("#mfa-dialog"))
        assert "MultiFactorAuthentication failed with invalid MFA one time pass code" in shown
        assert "MFA code for arn:aws:iam::111111111111:mfa/alice" in shown
        assert "to assume prod/Admin" in shown


# ---------------------------------------------------------------------------------------- details


async def test_details_pane_shows_the_role_its_chain_and_its_session(sandbox):
    seed_sessions({"shared/Hub": 3600, "shared/Deploy": 1800})
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(AccountsTree).select_profile("shared/Deploy")
        await pilot.pause()
        await pilot.pause()
        text = shown_in(app, app.main.details)
        assert "ARNarn:aws:iam::444444444444:role/Deploy" in text.replace(" ", "")  # may wrap
        assert "account shared (444444444444)" in text
        assert "region eu-west-1" in text
        assert "defined in profiles.yaml:" in text
        assert "source role (source profile corp)" in text
        assert "via shared/Hub → shared/Deploy" in text
        assert "MFA not required" in text
        assert "duration 4h" in text
        assert "external id deploy-2024" in text
        assert "session tags team=infra" in text
        assert "expires 2026-01-01T12:30:00Z" in text
        assert "assumed 2026-01-01T12:00:00Z" in text
        assert re.search(r"time left 0:30:00 ━{20}", text)
        assert "access key ****0001" in text
        assert "ASIASEEDED0000000001" not in screen_text(app)  # the key id is masked
        app.clock.advance(15 * 60)  # half of its 30 min gone: the time left ticks, half a bar
        app.main.tick()
        await pilot.pause()
        region = app.main.details.region
        lines = [line[region.x : region.right] for line in screen_lines(app)[region.y : region.bottom]]
        ticking = next(line for line in lines if "time left" in line)
        assert re.search("time left +0:15:00  ━{10}╌{10}", ticking)
        key_line = next(line for line in lines if "access key" in line)
        assert ticking.index("0:15:00") == key_line.index("****0001")  # in the table's value column
        app.query_one(AccountsTree).select_profile("prod/Admin")
        await pilot.pause()
        await pilot.pause()
        text = shown_in(app, app.main.details)
        assert "MFA arn:aws:iam::111111111111:mfa/alice" in text
        assert "session none (enter assumes it)" in text
        assert "time left" not in text  # the line of the role shown before is gone


# ---------------------------------------------------------------------------------------- filter


@pytest.fixture
def many(sandbox):
    sandbox.write_profiles(MANY)
    return sandbox


def ranked(query: str) -> list[str]:
    profiles: list[Profile] = list(load_catalog(use_index=False).profiles.values())
    index = SearchIndex(profiles)
    return [profiles[i].name for i in index.rank(query)]


def test_dev_dev_ranks_dev_developer_first(many):
    assert ranked("dev dev")[0] == "dev/Developer"


def test_ro_brings_every_readonly_role_first(many):
    found = ranked("ro")
    readonly = ["staging/ReadOnly", "prod/ReadOnly", "dev/ReadOnly", "security/ReadOnly"]
    assert found[: len(readonly)] == readonly


def test_scattered_letters_never_beat_real_words(many):
    assert ranked("prd") == ["prod/Admin", "prod/ReadOnly", "prod/Deploy"]
    assert ranked("adm")[:3] == ["staging/Admin", "prod/Admin", "dev/Admin"]
    assert ranked("2222")[0] == "prod/Admin"
    assert ranked("zzz") == []


@pytest.mark.parametrize("query", ["prod/admin", "prod admin", "prod-admin", "PROD/Admin", "prod_admin"])
def test_a_name_typed_as_people_write_it_finds_that_role(many, query):
    assert ranked(query)[0] == "prod/Admin"


async def test_the_palette_and_the_filter_rank_the_same_roles(many):
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"prod/admin")
        await pilot.pause()
        filtered = app.query_one(AccountsTree).current_profile
        assert filtered is not None and filtered.name == "prod/Admin"
        await pilot.press("escape", "escape", "ctrl+p", *"prod/admin")
        palette = app.screen.query_one(CommandList)
        for _ in range(400):  # the palette searches in the background: wait for its assume hits
            if palette.option_count and "assume" in str(palette.get_option_at_index(0).prompt):
                break
            await pilot.pause(0.05)
        assert str(palette.get_option_at_index(0).prompt).startswith("assume prod/Admin\n")


async def test_filter_selects_the_best_match_and_counts(many):
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"dev dev")
        await pilot.pause()
        await pilot.pause()
        assert roles(app)[0] == "dev/Developer"
        assert app.main.current_profile().name == "dev/Developer"  # Enter would assume this one
        assert str(app.main.status_line.render()) == "1 of 12"
        assert shown_in(app, app.main.details).startswith("dev/Developer ARN")  # the details follow the cursor
        await pilot.press(*["backspace"] * 4)
        await pilot.pause()
        assert str(app.main.status_line.render()) == "4 of 12"  # dev/*, and the Developer of staging
        assert shown_in(app, app.main.details).startswith(app.main.current_profile().name + " ARN")
        await pilot.press(*"xyzq")
        await pilot.pause()
        assert str(app.main.status_line.render()) == "no matches for 'devxyzq'"
        assert roles(app) == []


async def test_a_filter_keystroke_is_answered_in_the_frame_that_echoes_it(many):
    """The list, its count and the cursor change as the key is handled, not after a frame has
    shown the key alone: one layout and paint per keystroke (benchmarks/keystroke.py times it)."""
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash")
        app.main.filter_input.value = "dev dev"  # no await: nothing has been drawn since
        assert roles(app)[0] == "dev/Developer"
        assert app.main.current_profile().name == "dev/Developer"
        assert str(app.main.status_line.render()) == "1 of 12"


# ---------------------------------------------------------------------------------------- problems


BROKEN = """\
version: 1
defaults: {source_profile: corp}
accounts:
  - id: "222222222222"
    name: prod
    roles:
      - role: Good
      - role: Chained
        via: prod/Missing
  - id: "12"
    name: short
    roles: [{role: X}]
"""


async def test_p_lists_the_problems_as_path_line_message(sandbox):
    sandbox.write_profiles(BROKEN)
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        text = shown_in(app, app.screen.query_one("#problems-dialog"))
        assert "2 problems in your profiles" in text
        path = str(sandbox.profiles)
        assert f"{path}:9: prod/Chained: via 'prod/Missing' names no profile" in text
        assert re.search(rf"{re.escape(path)}:\d+: .*12", text)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ProblemsScreen)


async def test_the_palette_opens_the_problems(sandbox):
    sandbox.write_profiles(BROKEN)
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"profile problems")
        await palette_lists(pilot, "Profile problems")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        assert "prod/Chained: via 'prod/Missing' names no profile" in shown_in(
            app, app.screen.query_one("#problems-dialog")
        )


# ---------------------------------------------------------------------------------------- tree


async def test_left_folds_and_right_unfolds_an_account(sandbox):
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tree = app.query_one(AccountsTree)
        assert app.main.current_profile().name == "prod/Admin"
        await pilot.press("left")  # from a role: up to its account
        assert tree.cursor.account == "prod" and tree.cursor.profile is None
        await pilot.press("left")
        await pilot.pause()
        assert tree.is_folded("prod")
        assert "Admin  mfa" not in screen_text(app).split("staging")[0]
        await pilot.press("right")
        await pilot.pause()
        assert not tree.is_folded("prod")
        await pilot.press("right")  # unfolded: down to its first role
        assert app.main.current_profile().name == "prod/Admin"


async def test_a_click_folds_an_account_and_a_click_on_a_role_assumes_it(sandbox):
    app = build()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        tree = app.query_one(AccountsTree)
        assert tree.label_texts()[:3] == ["▼ prod  222222222222  env=prod", "  Admin  mfa", "  ReadOnly"]
        assert await pilot.click(AccountsTree, offset=(4, 0))  # the prod account's line
        await pilot.pause()
        assert tree.is_folded("prod") and tree.cursor.account == "prod"
        assert tree.label_texts()[:2] == ["▶ prod  222222222222  env=prod", "▼ staging  333333333333  env=staging"]
        await pilot.press("space")
        await pilot.pause()
        assert not tree.is_folded("prod")
        assert await pilot.click(AccountsTree, offset=(6, 2))  # prod/ReadOnly, which needs no MFA code
        await settle(pilot)
        assert "prod/ReadOnly" in app.main.sessions_list.sessions
        assert "● ReadOnly" in tree.label_texts()


# ---------------------------------------------------------------------------------------- names


HOSTILE = """\
version: 1
defaults: {region: eu-west-1, source_profile: corp}
accounts:
  - id: "222222222222"
    name: "[bold red]prod"
    tags: {note: "[/]"}
    roles:
      - role: Admin
        name: "evil[/]name"
      - role: ReadOnly
        name: "esc\\x1b[31mred"
"""


async def test_names_with_markup_or_escapes_are_shown_as_written(sandbox):
    sandbox.write_profiles(HOSTILE)
    seed_sessions({"evil[/]name": 3600, "esc\x1b[31mred": 600})
    app = build()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        assert sorted(roles(app)) == ["corp", "esc\x1b[31mred", "evil[/]name"]
        text = screen_text(app)
        assert "[bold red]prod" in text  # the account's label, as written
        assert "note=[/]" in text
        assert "evil[/]name" in text  # in the tree and the sessions panel
        assert "esc\\x1b[31mred" in text  # the escape made visible, never sent to the terminal
        assert "\x1b" not in text
        app.query_one(AccountsTree).select_profile("evil[/]name")
        await pilot.pause()
        await pilot.press("x")  # a notification naming the profile
        await pilot.pause()
        await pilot.pause()
        assert "forgot the session of evil[/]name" in toasts(app)
        await pilot.press("ctrl+p")  # the palette lists `assume <name>` for every profile
        await pilot.pause()
        await pilot.press(*"evil")
        await palette_lists(pilot, "assume evil[/]name")
        assert "assume evil[/]name" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


# ---------------------------------------------------------------------------------------- themes


def luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)


def contrast(a: Color, b: Color) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def resolved(variables: dict[str, str], name: str, on: Color) -> Color:
    """A theme variable as drawn on `on`: Textual's `auto N%` and alpha blended like the app does."""
    raw = variables[name]
    if raw.startswith("auto"):
        return on + on.get_contrast_text(float(raw.split()[1].rstrip("%")) / 100)
    return on + Color.parse(raw)


THEME_FILES = sorted(Path(bundled_themes_dir()).glob("*.yaml"))


@pytest.mark.parametrize("path", THEME_FILES, ids=[p.stem for p in THEME_FILES])
def test_bundled_theme_meets_wcag_contrast(path):
    """Text >= 4.5:1 where it is drawn; tree guides ($foreground-muted in app.tcss) >= 3:1."""
    variables = parse_theme(path).to_color_system().generate()
    colour = {name: Color.parse(variables[name]) for name in ("background", "surface", "panel")}
    low = []
    for text in ("foreground", "text", "text-muted"):
        for ground in ("background", "surface", "panel"):
            ratio = contrast(resolved(variables, text, colour[ground]), colour[ground])
            if ratio < 4.5:
                low.append(f"{text} on {ground}: {ratio:.2f}")
    for text in ("success", "warning", "error", "primary", "accent"):  # countdowns, dialog titles, hints
        ratio = contrast(resolved(variables, text, colour["surface"]), colour["surface"])
        if ratio < 4.5:
            low.append(f"{text} on surface: {ratio:.2f}")
    guides = contrast(resolved(variables, "foreground-muted", colour["surface"]), colour["surface"])
    if guides < 3:
        low.append(f"tree guides on surface: {guides:.2f}")
    assert not low, f"{path.name}: " + "; ".join(low)
    assert len(THEME_FILES) == 3


async def test_more_sessions_than_fit_scroll_in_a_wide_panel(sandbox):
    lines = ["version: 1", "defaults: {region: eu-west-1, source_profile: corp}", "accounts:"]
    for n in range(8):
        lines += [
            f'  - id: "{100000000000 + n}"',
            f"    name: acct{n}",
            "    roles: [{role: A}, {role: B}, {role: C}, {role: D}, {role: E}]",
        ]
    sandbox.write_profiles("\n".join(lines) + "\n")
    seed_sessions({f"acct{n}/{r}": 3600 + n * 60 for n in range(8) for r in "ABCDE"})
    app = build(FakeClock(FIXED_NOW))
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        panel = app.main.sessions_list
        assert len(panel.sessions) == 40 and panel.virtual_size.height > panel.size.height  # it scrolls
        app.clock.advance(1)
        app.main.tick()
        panel.focus()
        panel.cursor = len(panel.rows) - 1
        await pilot.pause()
        last = next(line for line in screen_lines(app) if "acct7/E " in line)
        assert re.search(r"acct7/E +100000000007 eu-west-1 .* 1:06:59", last)


async def test_the_first_screen_without_profiles_fits_80x24_and_says_where_to_start(sandbox, monkeypatch):
    monkeypatch.delenv("ROLECALL_PROFILES")  # the default place, where a new user has nothing yet
    sandbox.profiles.unlink()
    sandbox.aws_credentials.unlink()  # its static keys would be a profile
    app = make_app(theme="rolecall-dark")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        welcome = shown_in(app, app.query_one("#welcome"))
        assert "rolecall demo" in welcome and "profiles.example.yaml" in welcome
        assert "/rolecall/profiles.yaml" in welcome.replace(" ", "")  # where to copy it to
        lines = screen_lines(app)
        assert len(lines) == SMALL[1]
        # every line of it whole inside the left panel: nothing cut at 80 columns
        for sentence in ("No profiles yet.", "rolecall demo", "or add role profiles to ~/.aws/config."):
            assert any(sentence in line for line in lines), sentence
        await pilot.press("question_mark")  # keys go to the app, not to an empty list or the filter
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("width", range(78, 130, 3))
async def test_the_footer_ends_with_the_palette_key_at_every_width(many, width):
    app = build()
    async with app.run_test(size=(width, 24)) as pilot:
        await shows(pilot, lambda lines: lines[-1].strip())
        assert screen_lines(app)[-1].endswith("^p palette ")


async def test_an_arn_in_the_details_breaks_at_colons_and_slashes_at_80x24(many):
    app = build()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.query_one(AccountsTree).select_profile("security/Auditor")
        await settle(pilot)
        lines = [line.strip(" ▕▎▊█▅▄") for line in screen_lines(app)]
        arn = "arn:aws:iam::444444444444:role/Auditor"
        joined = "".join(line.split("  ")[-1].strip() for line in lines if line.strip())
        assert arn in joined
        # each line of it ends at a `:` or `/`, or ends the ARN: no word cut in two
        pieces = [
            line.split()[-1] for line in lines if line.split() and line.split()[-1] in arn and len(line.split()[-1]) > 3
        ]
        assert pieces and all(piece.endswith((":", "/")) or arn.endswith(piece) for piece in pieces), pieces


CHAINED = """\
version: 1
defaults: {region: eu-west-1, source_profile: corp, mfa_serial: "arn:aws:iam::111111111111:mfa/alice"}
accounts:
  - {id: "222222222222", name: prod, roles: [{role: Admin, mfa: true}, {role: Deploy, via: prod/Admin, mfa: false}]}
"""


async def test_a_role_chained_from_an_mfa_role_carries_the_mfa_marker(sandbox):
    sandbox.write_profiles(CHAINED)
    app = build()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        tree = app.query_one(AccountsTree)
        labels = tree.label_texts()
        assert any(label.startswith("  Deploy") and "mfa" in label for label in labels), labels


async def test_the_details_pane_scrolls_with_the_keyboard_at_80x24(sandbox):
    sandbox.write_profiles(CHAINED)
    app = build()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.query_one(AccountsTree).select_profile("prod/Deploy")
        await settle(pilot)
        details = app.query_one("#details")
        for _ in range(6):  # Tab reaches it, as every other pane
            if app.focused is details:
                break
            await pilot.press("tab")
        assert app.focused is details
        assert details.max_scroll_y > 0  # more than fits at 80x24
        await pilot.press("end")
        await pilot.pause()
        assert details.scroll_y == details.max_scroll_y
        assert "session" in shown_in(app, details)  # its last line is in view


async def test_details_of_an_aws_config_role_name_its_account_once(sandbox):
    sandbox.aws_config.write_text(
        "[profile ops]\nrole_arn = arn:aws:iam::555555555555:role/Ops\nsource_profile = corp\nregion = eu-west-1\n",
        encoding="utf-8",
    )
    app = build()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        app.query_one(AccountsTree).select_profile("ops")
        await settle(pilot)
        text = shown_in(app, app.query_one("#details"))
        assert text.count("555555555555") == 2, text  # in the ARN and once in the account line
        assert "()" not in text and "false" not in text


async def test_long_account_lines_bring_no_horizontal_scrollbar_at_80x24(sandbox):
    sandbox.write_profiles(
        MANY.replace("name: security,", "name: security, tags: {team: security-and-compliance-office, env: prod},")
    )
    app = build()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        tree = app.query_one(AccountsTree)
        assert tree.virtual_size.width > tree.size.width  # the line is longer than the list is wide
        assert not tree.show_horizontal_scrollbar
