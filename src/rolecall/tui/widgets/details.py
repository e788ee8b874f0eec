"""The details pane: what a person would otherwise look up in config files, for the selected role.

The role (ARN, account, region, where it is defined), how its credentials are reached (the first
hop's kind and source, every `via` hop), MFA, duration, external id, tags, and its session when
there is one (expiry, time left with a bar, when it was assumed, the access key id masked).
Every value is plain Text with control characters made visible: names from files never restyle
the screen.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rolecall.core.domain.credentials import Session, iso, mask
from rolecall.core.domain.durations import format_duration
from rolecall.core.text.display import printable
from rolecall.tui.widgets.countdown import countdown, time_bar, time_left_fraction

if TYPE_CHECKING:
    from rolecall.core.domain.profiles import Profile


class Breakable:
    """A value that wraps where a person reads a break: after `:`, `/` and spaces, so an ARN
    splits as `arn:aws:iam::111111111111:` / `role/Admin`, never `Admi` / `n`. A part wider
    than the column is folded."""

    _PARTS = re.compile(r"[^:/ ]*(?:[:/ ]+|$)")

    def __init__(self, text: str, style: str | Style = ""):
        self.text, self.style = text, style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, max(1, cell_len(self.text)))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width, lines, line = max(1, options.max_width), [], ""
        for part in filter(None, self._PARTS.findall(self.text)):
            if line and cell_len(line + part.rstrip(" ")) > width:
                lines.append(line.rstrip(" "))
                line = ""
            line += part
        lines.append(line.rstrip(" "))
        text = Text("\n".join(lines), style=self.style)
        yield from text.wrap(console, width, overflow="fold")


def _pairs(values: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in values.items())


def short_origin(profile: Profile) -> str:
    """Where the profile is defined: `~/...:line` under the home directory, else `file:line`."""
    if not profile.origin:
        return profile.source
    path, colon, line = profile.origin.rpartition(":")
    if not (colon and line.isdigit()):
        path, line = profile.origin, ""
    home = str(Path.home())
    shown = "~" + path[len(home) :] if path.startswith(home + "/") else Path(path).name
    return f"{shown}:{line}" if line else shown


def account_row(profile: Profile) -> list[tuple[str, str]]:
    """The account once: `name (id)`, just the id when the name is the id, nothing when neither
    is known (a ~/.aws/config profile whose keys name no account)."""
    name, number = profile.account_name, profile.account_id
    if not number:
        return [] if name in ("", "default") else [("account", name)]
    return [("account", number if name in ("", number) else f"{name} ({number})")]


def first_hop(root: Profile) -> str:
    """How the first profile of a chain gets credentials: its kind and what that kind needs."""
    where = [f"{label} {value}" for label, value in root.credential_source.describe(root)]
    return root.kind + (f" ({'; '.join(where)})" if where else "")


def role_rows(profile: Profile, chain: list[Profile]) -> list[tuple[str, str]]:
    """(label, value) lines describing the role, chain[0] being the profile whose keys start it."""
    root = chain[0] if chain else profile
    rows = [
        ("ARN", profile.role_arn),
        *account_row(profile),
        ("region", profile.region or "default"),
        ("defined in", short_origin(profile)),
        ("source", first_hop(root)),
    ]
    if len(chain) > 1:
        rows.append(("via", " → ".join(hop.name for hop in chain)))
    rows.append(("MFA", root.mfa_serial if root.needs_mfa and root.mfa_serial else "not required"))
    rows.append(("duration", format_duration(profile.duration)))
    if profile.external_id:
        rows.append(("external id", profile.external_id))
    if profile.role_session_name:
        rows.append(("session name", profile.role_session_name))
    if profile.source_identity:
        rows.append(("source identity", profile.source_identity))
    if profile.session_tags:
        rows.append(("session tags", _pairs(profile.session_tags)))
    if profile.session_policy_arns:
        rows.append(("policies", ", ".join(profile.session_policy_arns)))
    if profile.tags:
        rows.append(("tags", _pairs(profile.tags)))
    return rows


TIME_LEFT = "time left"
NOTHING_SHOWN = Text("select a role to see its details", style="dim")


def time_left(session: Session, now: datetime) -> tuple[str, str]:
    """The session's time left (with a bar when its lifetime is known) and its state."""
    text, state = countdown(session, now)
    fraction = time_left_fraction(session, now)
    return text + (f"  {time_bar(fraction, 20)}" if fraction is not None else ""), state


def session_rows(session: Session | None, now: datetime) -> list[tuple[str, str, str]]:
    """(label, value, state) lines about the role's session; state colours the time left."""
    if session is None:
        return [("session", "none (enter assumes it)", "")]
    rows = [("expires", iso(session.expiration) if session.expiration else "never", "")]
    rows.append((TIME_LEFT, *time_left(session, now)))
    if session.assumed_at:
        rows.append(("assumed", iso(session.assumed_at), ""))
    rows.append(("access key", mask(session.credentials.access_key_id), ""))
    return rows


class DetailsPane(VerticalScroll):
    """Shows one role; `show(profile, chain, session, now)` on every change, cheap when nothing did.
    Focusable (Tab reaches it) so that a long pane scrolls with the keyboard."""

    COMPONENT_CLASSES = {"details--label", "details--ok", "details--warning", "details--error", "details--expired"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.body = Static(NOTHING_SHOWN, id="details-body")
        # The one line that changes every second, apart: a tick repaints a line, not the whole pane.
        self.ticking = Static("", id="details-ticking")
        # shown from the first frame: until a role is, `show` has nothing to draw
        self._shown: tuple[Profile | None, tuple[Profile, ...], Session | None] = (None, (), None)
        self._session: Session | None = None
        self._width = 0
        self._ticking: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield self.body
        yield self.ticking

    def show(self, profile: Profile | None, chain: list[Profile], session: Session | None, now: datetime) -> None:
        """Show `profile` (None: nothing selected). The body is built again only when the role, its
        chain or its session changed (compared by identity first: a tick costs no rows); the time
        left is ticked on every call."""
        key = (profile, tuple(chain), session)
        changed = key != self._shown
        if changed:
            self._shown, self._session = key, session
            if profile is None:
                self._width = 0
                self.body.update(NOTHING_SHOWN)
            else:
                described, live = role_rows(profile, chain), session_rows(session, now)
                self._width = max(len(label) for label, *_ in [*described, *live])
                steady = [row for row in live if row[0] != TIME_LEFT]
                self.body.update(
                    Group(
                        Text(printable(profile.name), style="bold"),
                        self._table(
                            self._width, [(label, value, "") for label, value in described] + [("", "", "")] + steady
                        ),
                    )
                )
        self.tick(now, redraw=changed)

    def tick(self, now: datetime, redraw: bool = False) -> None:
        """Repaint the time-left line when its text changed (or, on `redraw`, for another role):
        one line, no layout unless its length did."""
        shown = time_left(self._session, now) if self._session else None
        if shown != self._ticking or redraw:
            layout = redraw or self._ticking is None or shown is None or len(shown[0]) != len(self._ticking[0])
            self._ticking = shown
            # the body's table, one row: its columns line up with the body's at every width
            self.ticking.update(self._table(self._width, [(TIME_LEFT, *shown)]) if shown else "", layout=layout)

    def _table(self, width: int, rows: list[tuple[str, str, str]]) -> Table:
        label_style = self.get_component_rich_style("details--label")
        table = Table.grid(padding=(0, 1))
        table.add_column(style=label_style, no_wrap=True, min_width=width)
        table.add_column(overflow="fold")
        for label, value, state in rows:
            style = self.get_component_rich_style(f"details--{state}") if state else ""
            table.add_row(label, Breakable(printable(value), style))
        return table
