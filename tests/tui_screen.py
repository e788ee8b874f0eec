"""The app's screen as a person sees it, read through Textual's public API (its SVG screenshot)."""

from __future__ import annotations

import html
import re

from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerFailed

from rolecall.core.domain.errors import RolecallError

CELL_WIDTH = 12.2  # Rich's SVG export: 0.61 x its 20px font per terminal cell
_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#terminal-\d+-line-(\d+)\)">(.*?)</text>'
)


def screen_lines(app: App) -> list[str]:
    """Every line of the terminal (modal screens over the main one), one string per line."""
    width, height = app.size
    cells = [[" "] * width for _ in range(height)]
    for x, line, text in _TEXT.findall(app.export_screenshot()):
        row, column = cells[int(line)], round(float(x) / CELL_WIDTH)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if column + offset < width:
                row[column + offset] = char
    return ["".join(row) for row in cells]


def screen_text(app: App) -> str:
    return "\n".join(screen_lines(app))


def record_notices(monkeypatch) -> None:
    """Keep every message the app shows as a notification, as shown (after rolecall's own
    `notify` made it plain text), in `app.shown_notices`; Textual's `notify` still runs."""
    shown = App.notify

    def notify(app: App, message: str, **options):
        app.__dict__.setdefault("shown_notices", []).append(message)
        return shown(app, message, **options)

    monkeypatch.setattr(App, "notify", notify)


def notices(app: App) -> list[str]:
    return list(app.__dict__.get("shown_notices", []))


async def settle(pilot: Pilot, rounds: int = 1) -> None:
    """Wait until the app's background work is done and shown. A job that failed the way the app
    reports to the user (a RolecallError: AWS said no, no network) is the app's answer; any other
    failure is a bug and fails the test. `rounds`: jobs that start jobs (sign-in, sync, reload)."""
    for _ in range(rounds):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed as failed:
            if not isinstance(failed.error, RolecallError):
                raise
        await pilot.pause()


def shown_lines(app: App, widget) -> list[str]:
    """The lines the screen shows inside `widget`'s region, and nothing beside it."""
    region = widget.region
    return [line[region.x : region.right] for line in screen_lines(app)[region.y : region.bottom]]


async def palette_lists(pilot: Pilot, text: str, tries: int = 400) -> list[str]:
    """Wait until the command palette's hits include one with `text` (it searches in the
    background after a short debounce); the hits, as shown."""
    from textual.command import CommandList

    hits: list[str] = []
    for _ in range(tries):
        found = pilot.app.screen.query(CommandList)
        if found:
            hits = [str(found.first().get_option_at_index(i).prompt) for i in range(found.first().option_count)]
            if any(text in hit for hit in hits):
                return hits
        await pilot.pause(0.05)
    raise AssertionError(f"the palette never listed {text!r}; it lists {hits}")


async def shows(pilot: Pilot, condition, tries: int = 200) -> None:
    """Wait, frame by frame, until `condition(screen lines)` holds (a loaded machine draws late)."""
    for _ in range(tries):
        if condition(screen_lines(pilot.app)):
            return
        await pilot.pause(0.02)
    raise AssertionError("the screen never showed it:\n" + "\n".join(screen_lines(pilot.app)))
