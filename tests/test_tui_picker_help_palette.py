"""The picker's help and command palette (issue 13): the help's key table lists every picker key,
its descriptions in one casing, and the list keys scroll it; the palette finds every picker action
by name, the range (visual) mode on the scene list included, and runs it."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import peewee
import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static

from tests.test_tui_keys import palette_titles
from tests.tui_flows import detected_session, screen_is, static_text, until
from tui.app import create_app
from tui.screens.help import HelpScreen
from tui.screens.picker import PickerScreen
from tui.widgets.scene_list import SceneList


def scrolled_to(scroll: Widget, row: int) -> bool:
    return scroll.scroll_y == row


async def open_picker(pilot: Pilot) -> PickerScreen:
    await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
    await pilot.press("enter")
    return await screen_is(pilot, PickerScreen)


async def test_the_pickers_help_lists_its_keys_and_scrolls(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    detected_session(cut_video, tmp_path / "out", "Helped")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_picker(pilot)
        await pilot.press("question_mark")
        help_screen = await screen_is(pilot, HelpScreen)
        table = static_text(help_screen.query_one("#help-screen-keys", Static), width=80)
        rows = {re.split(r"\s{2,}", line.strip())[-1]: line for line in table.splitlines() if line.strip()}
        for key, description in [
            ("J", "Range down"),
            ("K", "Range up"),
            ("shift+↓", "Range down"),
            ("shift+↑", "Range up"),
            ("V", "Visual range"),
            ("^z", "Undo"),
            ("^y", "Redo"),
            ("^d", "Half a page down"),
            ("^u", "Half a page up"),
            ("o", "Grid"),
            ("d", "Graph"),
            ("-", "Lower threshold"),
            ("+", "Raise threshold"),
            ("<", "Shorter scenes"),
            (">", "Longer scenes"),
        ]:
            assert description in rows and key in rows[description].split(), f"{key} {description}:\n{table}"
        for description in rows:  # sentence case, as vat writes them: "Page up", never "Page Left"
            words = description.split()
            assert all(not w[0].isupper() for w in words[1:]), f"{description!r} is in title case"
        scroll = help_screen.query_one("#help")
        assert scroll.max_scroll_y > 20
        for keys, expected in [(("j",), 1), (("ctrl+d",), 1 + round(scroll.scrollable_content_region.height / 2))]:
            await pilot.press(*keys)
            await until(pilot, partial(scrolled_to, scroll, expected), f"{keys} to scroll to {expected}")
        await pilot.press("G")
        await until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y, "G to the end of the help")


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_palette_finds_every_picker_action_by_name(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    detected_session(cut_video, tmp_path / "out", "Commanded")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        for typed, title in [
            ("visual", "Visual range"),
            ("range", "Range down"),
            ("undo", "Undo"),
            ("redo", "Redo"),
            ("grid", "Grid"),
            ("graph", "Graph"),
            ("threshold", "Raise threshold"),
        ]:
            await pilot.press("ctrl+p")
            palette = await screen_is(pilot, CommandPalette)
            await pilot.press(*typed)
            found = lambda title=title, palette=palette: title in palette_titles(palette)  # noqa: E731
            await until(pilot, found, f"{title!r} found by {typed!r}")
            await pilot.press("escape")
            await screen_is(pilot, PickerScreen)
        titles = [command.title for command in app.get_system_commands(picker)]  # what the palette searches
        assert not {"Down", "Up", "First scene", "Page down", "Scroll left"} & set(titles), titles
        await pilot.press("ctrl+p")
        await screen_is(pilot, CommandPalette)
        await pilot.press(*"visual", "enter")
        scenes = picker.query_one(SceneList)
        await until(pilot, lambda: app.screen is picker and scenes.range.visual, "a visual range started")
