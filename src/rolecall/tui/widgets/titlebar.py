"""The title bar: the app's icon on the left (a click opens the command palette) and the title with
its subtitle (the counts) centred, where Textual's Header puts them, in one widget; a click on the
title makes the bar three lines tall and back, as Header's does.

Header is four widgets (the bar, the icon, the title, the clock's space), and as it mounts it sets
its title four times, once for each of the watchers on the app's and the screen's title and
subtitle: ~7 ms of the app's first frame for one line of text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.events import Click, MouseMove

ICON_WIDTH = 8  # Header's icon column, its padding included
RIGHT_WIDTH = 10  # the column Header keeps for its clock: the title is centred as it was
ICON_TIP = "Open the command palette"


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        content-align-vertical: middle;
    }

    TitleBar.-tall {
        height: 3;
    }
    """

    def __init__(self, icon: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.icon = icon

    def on_mount(self) -> None:
        self.watch(self.app, "title", self.title_changed, init=False)
        self.watch(self.app, "sub_title", self.title_changed, init=False)

    def title_changed(self) -> None:
        self.refresh()

    def render(self) -> Content:
        room = max(self.size.width - ICON_WIDTH - RIGHT_WIDTH, 0)
        title = self.app.format_title(self.app.title, self.app.sub_title).truncate(room, ellipsis=True)
        left = (room - title.cell_length) // 2
        return Content.assemble(
            Content(f" {self.icon}").truncate(ICON_WIDTH, pad=True),
            title.pad(left, room - title.cell_length - left),
            " " * RIGHT_WIDTH,
        )

    def on_mouse_move(self, event: MouseMove) -> None:
        self.tooltip = ICON_TIP if event.x < ICON_WIDTH else None

    async def on_click(self, event: Click) -> None:
        if event.x < ICON_WIDTH:
            await self.run_action("app.command_palette")
        else:
            self.toggle_class("-tall")
