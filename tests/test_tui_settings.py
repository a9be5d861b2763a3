"""Settings screen: values edited with their type checked by db.settings, booleans toggled, snapshots."""

from __future__ import annotations

from collections.abc import Callable

import peewee
import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from db.settings import get_setting, set_setting
from tests.tui_screen_host import ScreenHost, cursor_to
from tui.screens.setting_edit import SettingEditDialog
from tui.screens.settings import SettingsScreen
from tui.widgets.vim_table import VimTable

SIZES = [(80, 24), (120, 40)]


def value_cell(screen: Screen, key: str) -> str:
    return str(screen.query_one(VimTable).get_row(key)[2])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_snapshot(snap_compare: Callable[..., bool], db: peewee.SqliteDatabase, size: tuple[int, int]) -> None:
    assert snap_compare(ScreenHost(SettingsScreen), terminal_size=size)


def test_setting_edit_dialog_snapshot(snap_compare: Callable[..., bool], db: peewee.SqliteDatabase) -> None:
    async def bad_value(pilot: Pilot) -> None:
        await cursor_to(pilot, "parallel_workers")
        await pilot.press("enter", *"many", "enter")

    assert snap_compare(ScreenHost(SettingsScreen), terminal_size=(80, 24), run_before=bad_value)


async def test_a_bad_integer_shows_the_error_and_keeps_the_old_value(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "parallel_workers")
        await pilot.press("enter")
        dialog = app.screen
        assert isinstance(dialog, SettingEditDialog)
        assert dialog.query_one(Input).value == "4"
        await pilot.press(*"[b]", "enter")  # the value is selected on focus: typing replaces it
        assert str(dialog.query_one("#setting-error", Static).render()).endswith('got "[b]"')  # not markup
        await pilot.press("ctrl+a", "ctrl+k", *"many", "enter")
        assert app.screen is dialog  # still open
        error = dialog.query_one("#setting-error", Static)
        assert error.display
        assert str(error.render()) == 'parallel_workers: expected an integer, got "many"'
        await pilot.press("escape")
        assert isinstance(app.screen, SettingsScreen)
        assert value_cell(app.screen, "parallel_workers") == "4"
    assert get_setting("parallel_workers") == 4


async def test_a_good_value_is_saved(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "scene_threshold_default")
        await pilot.press("enter", *"x", "enter", "ctrl+a", "ctrl+k", *"27.5", "enter")
        assert isinstance(app.screen, SettingsScreen)
        assert value_cell(app.screen, "scene_threshold_default") == "27.5"
        assert app.screen.query_one(VimTable).selected_key == "scene_threshold_default"
    assert get_setting("scene_threshold_default") == 27.5


async def test_space_toggles_a_boolean_and_only_a_boolean(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "generate_log")
        await pilot.press("space")
        assert value_cell(app.screen, "generate_log") == "false"
        assert get_setting("generate_log") is False
        await pilot.press("space")
        assert get_setting("generate_log") is True
        await cursor_to(pilot, "parallel_workers")
        await pilot.press("space")
        assert any("press enter to edit" in notice for notice in app.notices)
    assert get_setting("parallel_workers") == 4


async def test_read_only_settings_do_not_open_an_editor(db: peewee.SqliteDatabase) -> None:
    version = get_setting("db_version")
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "db_version")
        await pilot.press("enter")
        assert isinstance(app.screen, SettingsScreen)
        assert any("managed by vat" in notice for notice in app.notices)
    assert get_setting("db_version") == version


async def test_json_and_text_values_round_trip(db: peewee.SqliteDatabase) -> None:
    set_setting("window_geometry", {"width": 120, "height": 40})
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "window_geometry")
        await pilot.press("enter")
        assert app.screen.query_one(Input).value == '{"width": 120, "height": 40}'
        await pilot.press(*"{nope", "enter")
        assert "expected JSON" in str(app.screen.query_one("#setting-error", Static).render())
        await pilot.press("escape")
        await cursor_to(pilot, "copyright_text")
        await pilot.press("enter", *"Studio Nord 2025", "enter")
    assert get_setting("window_geometry") == {"width": 120, "height": 40}
    assert get_setting("copyright_text") == "Studio Nord 2025"
