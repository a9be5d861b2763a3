"""What every screen shows the same way (issue 13): the focused list has its accent border, a
checkbox reads without colour, the preset list keeps its order, and every footer fits 80 columns."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import peewee
import pytest
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import Footer

from core.pipeline.preset_store import ensure_builtin_presets, row_to_preset, save_preset
from core.pipeline.presets import BUILTIN_PRESETS
from db.models import UserPreset
from tests.tui_flows import detected_session, screen_is, until
from tests.tui_screen_host import ScreenHost
from tui.app import create_app
from tui.screens.history import HistoryScreen
from tui.screens.home import SessionsScreen
from tui.screens.new_session import NewSessionScreen
from tui.screens.picker import PickerScreen
from tui.screens.preset_edit import PresetEditScreen
from tui.screens.presets import PresetsScreen
from tui.screens.processing import ProcessingScreen
from tui.screens.queue import QueueScreen
from tui.screens.settings import SettingsScreen
from tui.widgets.glyph_checkbox import GlyphCheckbox
from tui.widgets.vim_table import VimTable


async def test_the_focused_list_has_the_accent_border(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(HistoryScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await screen_is(pilot, HistoryScreen)
        table = screen.query_one(VimTable)
        table.focus()
        await pilot.pause()
        focused = table.styles.border_top
        screen.query_one("#history-search-input").focus()
        await pilot.pause()
        blurred = table.styles.border_top
        assert focused[0] == blurred[0] == "round", "a border, not only a shade of the cursor"
        assert focused[1] != blurred[1], "the focused list's border stands out"


async def test_a_focused_dropdown_has_the_focused_input_look(db: peewee.SqliteDatabase) -> None:
    from textual.widgets import Input, Select
    from textual.widgets._select import SelectCurrent

    ensure_builtin_presets()
    app = ScreenHost(NewSessionScreen)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await screen_is(pilot, NewSessionScreen)
        preset = screen.query_one("#preset", Select)
        blurred = preset.query_one(SelectCurrent).styles.background
        preset.focus()
        await pilot.pause()
        focused = preset.query_one(SelectCurrent).styles.background
        field = screen.query(Input).first()
        field.focus()
        await pilot.pause()
        assert focused == field.styles.background, "the same focus look as a focused input"
        assert focused != blurred


async def test_a_checkbox_reads_without_colour(db: peewee.SqliteDatabase) -> None:
    ensure_builtin_presets()
    base = BUILTIN_PRESETS[0]
    mine = replace(base, preset_id="mine", preset_name="Mine", advanced={})
    save_preset(mine)
    app = ScreenHost(lambda: PresetEditScreen(row_to_preset(UserPreset.get(UserPreset.preset_id == "mine"))))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await screen_is(pilot, PresetEditScreen)
        box = screen.query(GlyphCheckbox).first()
        box.focus()
        shown = {}
        for _ in range(2):
            await pilot.press("space")
            await pilot.pause()
            shown[box.value] = box.render().plain
        assert "✓" in shown[True] and "✓" not in shown[False]
        assert "X" not in shown[True] + shown[False], "not Textual's X drawn in both states"


async def test_the_preset_list_keeps_its_order(db: peewee.SqliteDatabase) -> None:
    ensure_builtin_presets()
    for name in ("Zebra", "Apple"):
        save_preset(replace(BUILTIN_PRESETS[0], preset_id=name.lower(), preset_name=name, advanced={}))
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await screen_is(pilot, PresetsScreen)
        table = screen.query_one(VimTable)

        def order() -> list[str]:
            return [str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value) for i in range(table.row_count)]

        before = order()
        assert before[-2:] == ["apple", "zebra"], "user presets after the built-in ones, by name"
        await pilot.press("end", "asterisk")  # zebra becomes the default
        await until(pilot, lambda: UserPreset.get(UserPreset.preset_id == "zebra").is_default, "zebra the default")
        UserPreset.update(usage_count=99).where(UserPreset.preset_id == "apple").execute()
        screen.reload()
        await pilot.pause()
        assert order() == before
        assert table.selected_key == "zebra", "the cursor stays on the row it was on"


@pytest.fixture
def session_id(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> str:
    master = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, master)
    return detected_session(master, tmp_path / "out").session_id


SCREENS: dict[str, Callable[[str], Screen | None]] = {
    "sessions": lambda sid: None,
    "new session": lambda sid: NewSessionScreen(nvenc=(False, "no GPU")),
    "presets": lambda sid: PresetsScreen(),
    "preset editor": lambda sid: PresetEditScreen(row_to_preset(UserPreset.select().first())),
    "history": lambda sid: HistoryScreen(),
    "settings": lambda sid: SettingsScreen(),
    "processing": lambda sid: ProcessingScreen(sid),
    "picker": lambda sid: PickerScreen(sid),
    "queue": lambda sid: QueueScreen(),
}


@pytest.mark.parametrize("name", list(SCREENS))
async def test_every_footer_fits_80_columns(session_id: str, name: str) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, SessionsScreen)
        ensure_builtin_presets()
        screen = SCREENS[name](session_id)
        if screen is not None:
            app.push_screen(screen)
            await until(pilot, lambda: app.screen is screen, name)
            await pilot.pause()
        footer = app.screen.query_one(Footer)
        keys = list(footer.query("FooterKey"))
        assert keys
        used = sum(key.outer_size.width for key in keys)
        assert used <= footer.size.width, f"{name}: the keys take {used} of {footer.size.width} columns"
        assert all(key.region.right <= 80 for key in keys), f"{name}: a key is cut off"
