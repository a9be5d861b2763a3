"""Settings screen: values edited with their type and rule checked by db.settings (pick lists for
enumerations), booleans toggled, snapshots."""

from __future__ import annotations

import logging
from collections.abc import Callable

import peewee
import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static

from db.settings import get_setting, record_setting
from tests.tui_screen_host import ScreenHost, cursor_to
from tui.screens.setting_edit import SettingEditDialog
from tui.screens.settings import SettingsScreen
from tui.widgets.vim_table import VimTable

SIZES = [(80, 24), (120, 40)]


def value_cell(screen: Screen, key: str) -> str:
    return str(screen.query_one(VimTable).get_row(key)[2])


@pytest.fixture
def fixed_version(db: peewee.SqliteDatabase) -> None:
    """app_version follows the package (written on open): pinned, so a release does not change the snapshots."""
    record_setting("app_version", "1.0.0")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_snapshot(snap_compare: Callable[..., bool], fixed_version: None, size: tuple[int, int]) -> None:
    assert snap_compare(ScreenHost(SettingsScreen), terminal_size=size)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_setting_edit_dialog_snapshot(snap_compare: Callable[..., bool], fixed_version: None) -> None:
    async def bad_value(pilot: Pilot) -> None:
        await cursor_to(pilot, "parallel_workers")
        await pilot.press("enter", *"many", "enter")

    assert snap_compare(ScreenHost(SettingsScreen), terminal_size=(80, 24), run_before=bad_value)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
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
        await pilot.press("escape", "y")  # typed: escape asks first (issue 13)
        assert isinstance(app.screen, SettingsScreen)
        assert value_cell(app.screen, "parallel_workers") == "4"
    assert get_setting("parallel_workers") == 4


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_a_good_value_is_saved(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "scene_threshold_default")
        await pilot.press("enter", *"x", "enter", "ctrl+a", "ctrl+k", *"27.5", "enter")
        assert isinstance(app.screen, SettingsScreen)
        assert value_cell(app.screen, "scene_threshold_default") == "27.5"
        assert app.screen.query_one(VimTable).selected_key == "scene_threshold_default"
    assert get_setting("scene_threshold_default") == 27.5


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
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


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_read_only_settings_do_not_open_an_editor(db: peewee.SqliteDatabase) -> None:
    version = get_setting("db_version")
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "db_version")
        await pilot.press("enter")
        assert isinstance(app.screen, SettingsScreen)
        assert any("managed by vat" in notice for notice in app.notices)
    assert get_setting("db_version") == version


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_text_values_round_trip(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "copyright_text")
        await pilot.press("enter")
        assert app.screen.query_one(Input).value == "© Yambo Studio"
        await pilot.press(*"Studio Nord 2025", "enter")
    assert get_setting("copyright_text") == "Studio Nord 2025"


async def test_a_range_is_refused_with_the_rule(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "max_resume_age_days")
        assert "(allowed: 1 or more)" in str(app.screen.query_one("#setting-help", Static).render())
        await pilot.press("enter", *"0", "enter")
        dialog = app.screen
        assert isinstance(dialog, SettingEditDialog)
        assert str(dialog.query_one("#setting-type", Label).render()) == "Expected: a whole number, 1 or more"
        assert str(dialog.query_one("#setting-error", Static).render()) == (
            "max_resume_age_days: expected 1 or more, got 0"
        )
    assert get_setting("max_resume_age_days") == 7


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_an_enumeration_is_a_pick_list(db: peewee.SqliteDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)  # given back after the test
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "log_level")
        await pilot.press("enter")
        dialog = app.screen
        assert isinstance(dialog, SettingEditDialog)
        assert not dialog.query(Input)  # nothing to mistype
        picks = dialog.query_one(OptionList)
        assert [str(picks.get_option_at_index(i).prompt) for i in range(picks.option_count)] == [
            "DEBUG",
            "INFO",
            "WARNING",
            "ERROR",
        ]
        assert picks.highlighted == 1  # the current value, INFO
        await pilot.press("down", "enter")
        assert isinstance(app.screen, SettingsScreen)
        assert value_cell(app.screen, "log_level") == "WARNING"
    assert get_setting("log_level") == "WARNING"
    assert root.level == logging.WARNING  # at once, not at the next start


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_default_preset_is_picked_from_the_stored_presets(db: peewee.SqliteDatabase) -> None:
    from core.pipeline.preset_store import ensure_builtin_presets
    from db.models import UserPreset

    ensure_builtin_presets()
    ids = [r.preset_id for r in UserPreset.select().order_by(UserPreset.preset_id)]
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "default_preset")
        await pilot.press("enter")
        picks = app.screen.query_one(OptionList)
        assert [str(picks.get_option_at_index(i).prompt) for i in range(picks.option_count)] == ids
        assert picks.highlighted == ids.index("webflow_standard")
        await pilot.press("home", "enter")
        assert value_cell(app.screen, "default_preset") == ids[0]
    assert UserPreset.get(UserPreset.is_default == True).preset_id == ids[0]  # noqa: E712


def test_setting_pick_list_snapshot(snap_compare: Callable[..., bool], fixed_version: None) -> None:
    async def open_encoder(pilot: Pilot) -> None:
        await cursor_to(pilot, "encoder_preference")
        await pilot.press("enter")

    assert snap_compare(ScreenHost(SettingsScreen), terminal_size=(80, 24), run_before=open_encoder)


async def select(pilot: Pilot, key: str) -> None:
    """The cursor put on a row at once (j through 31 rows, many times over, costs seconds)."""
    pilot.app.screen.query_one(VimTable).select_key(key)
    await pilot.pause()


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_queue_and_watch_settings_are_edited_with_their_rules(db: peewee.SqliteDatabase) -> None:
    """concurrent_sessions is a whole number in its range; watch_* enumerations are pick lists, their
    empty choice named (not a blank line); watch_preset is picked from the stored presets or left empty."""
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await select(pilot, "concurrent_sessions")
        await pilot.press("enter", *"0", "enter")
        assert str(app.screen.query_one("#setting-error", Static).render()) == (
            "concurrent_sessions: expected 1 to 64, got 0"
        )
        await pilot.press("ctrl+a", "ctrl+k", "2", "enter")
        assert value_cell(app.screen, "concurrent_sessions") == "2"
        for key, choices, pick in [
            ("watch_scenes", ["all", "pick"], "pick"),
            ("watch_artwork_from", ["name", "parent"], "parent"),
            ("watch_rd_from", ['"" (empty)', "sibling"], "sibling"),
        ]:
            await select(pilot, key)
            assert "allowed: one of " + ", ".join(choices) in str(
                app.screen.query_one("#setting-help", Static).render()
            )
            await pilot.press("enter")
            picks = app.screen.query_one(OptionList)
            assert [str(picks.get_option_at_index(i).prompt) for i in range(picks.option_count)] == choices
            await pilot.press("end", "enter")
            assert isinstance(app.screen, SettingsScreen)
            assert value_cell(app.screen, key) == pick
        await select(pilot, "watch_preset")
        await pilot.press("enter")
        picks = app.screen.query_one(OptionList)
        prompts = [str(picks.get_option_at_index(i).prompt) for i in range(picks.option_count)]
        assert prompts[0] == '"" (empty)' and "archive_hq" in prompts
        await pilot.press("home", "down", "enter")
        assert value_cell(app.screen, "watch_preset") == prompts[1]
    assert get_setting("concurrent_sessions") == 2
    assert (get_setting("watch_scenes"), get_setting("watch_artwork_from")) == ("pick", "parent")
    assert get_setting("watch_rd_from") == "sibling"
