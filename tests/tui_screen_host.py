"""A tiny app that shows one screen, for Pilot and snapshot tests of screens on their own."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Callable

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen


class ScreenHost(App):
    """Pushes `make_screen()` on mount and records every notification's text."""

    TITLE = "vat"
    SUB_TITLE = "Video Archive Tool"
    CSS_PATH = str(Path(__file__).resolve().parent.parent / "tui" / "vat.tcss")  # VatApp's app-wide rules
    cursor_blink = False  # read by FormInput, as VatApp's: screenshots must not catch a blink phase

    def __init__(self, make_screen: Callable[[], Screen]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.notices: list[str] = []
        self.started_here: set[str] = set()  # as VatApp's: the sessions a screen started processing

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())

    def notify(self, message: str, **kwargs: Any) -> None:
        self.notices.append(message)
        super().notify(message, **kwargs)


def cells(row: Iterable[object]) -> list[str]:
    """A table row's cells as plain strings (VimTable stores them as rich Text)."""
    return [str(cell) for cell in row]


async def cursor_to(pilot: Pilot, key: str) -> None:
    """Move the VimTable's cursor with j (from the top: Home) until it is on the row `key`."""
    from tui.widgets.vim_table import VimTable

    table = pilot.app.screen.query_one(VimTable)
    await pilot.press("home")
    for _ in range(table.row_count):
        if table.selected_key == key:
            return
        await pilot.press("j")
    raise AssertionError(f"{key} is not in the list")
