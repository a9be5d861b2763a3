"""escape cancels or goes back, never commits (issue 13): a question answered with escape does
nothing, and a form with something typed asks before its typing is thrown away."""

from __future__ import annotations

import shutil
from pathlib import Path

import peewee
import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from db.models import ProcessingState, UserPreset
from db.settings import get_setting
from tests.tui_flows import detected_session, screen_is, text_of, type_into, until
from tests.tui_screen_host import ScreenHost, cursor_to
from tui.app import create_app
from tui.screens.confirm import ConfirmScreen
from tui.screens.home import SessionsScreen
from tui.screens.new_preset import NewPresetDialog
from tui.screens.new_session import NewSessionScreen
from tui.screens.picker import PickerScreen
from tui.screens.presets import PresetsScreen
from tui.screens.redetect import RedetectScreen
from tui.screens.scene_texts import SceneTextsScreen
from tui.screens.setting_edit import SettingEditDialog
from tui.screens.settings import SettingsScreen


@pytest.fixture
def session(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> ProcessingState:
    master = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, master)
    return detected_session(master, tmp_path / "out")


async def escape_asks_then_keeps_editing(pilot: Pilot, form: Screen) -> None:
    """escape on a changed form: the question; escape, n (and enter: the focus opens on the safe
    answer) on it: back on the form, still filled."""
    for keep in ("escape", "n", "enter"):
        await pilot.press("escape")
        question = await screen_is(pilot, ConfirmScreen)
        assert "discard" in text_of(question, "#question").lower()
        assert pilot.app.focused is not None and pilot.app.focused.id == "no", "discarding is never the default"
        await pilot.press(keep)
        await until(pilot, lambda: pilot.app.screen is form, f"the form again after {keep}")


async def discard(pilot: Pilot, form: Screen) -> None:
    await pilot.press("escape")
    await screen_is(pilot, ConfirmScreen)
    await pilot.press("y")
    await until(pilot, lambda: form not in pilot.app.screen_stack, "the form gone")


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_new_session_leaves_at_once_when_empty_and_asks_when_typed(db: peewee.SqliteDatabase) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await screen_is(pilot, SessionsScreen)
        await pilot.press("n")
        await screen_is(pilot, NewSessionScreen)
        await pilot.press("escape")  # nothing typed: back at once
        await screen_is(pilot, SessionsScreen)

        await pilot.press("n")
        form = await screen_is(pilot, NewSessionScreen)
        await type_into(pilot, "artwork", "Half typed")
        await escape_asks_then_keeps_editing(pilot, form)
        assert form.query_one("#artwork", Input).value == "Half typed"
        await discard(pilot, form)
        await screen_is(pilot, SessionsScreen)
    assert ProcessingState.select().count() == 0


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_setting_edit_asks_before_dropping_a_typed_value(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(SettingsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "parallel_workers")
        await pilot.press("enter")
        dialog = await screen_is(pilot, SettingEditDialog)
        await pilot.press("escape")  # unchanged: closes at once
        await screen_is(pilot, SettingsScreen)
        await pilot.press("enter")
        dialog = await screen_is(pilot, SettingEditDialog)
        await pilot.press("7")  # the value is selected on focus: typing replaces it
        await escape_asks_then_keeps_editing(pilot, dialog)
        await discard(pilot, dialog)
        await screen_is(pilot, SettingsScreen)
    assert get_setting("parallel_workers") == 4


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_scene_texts_ask_before_dropping_a_typed_title(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.screen.query("#sessions"), "the sessions list")
        await pilot.press("enter")
        await screen_is(pilot, PickerScreen)
        await pilot.press("e")
        dialog = await screen_is(pilot, SceneTextsScreen)
        await pilot.press(*"Dawn")
        await escape_asks_then_keeps_editing(pilot, dialog)
        await discard(pilot, dialog)
        await screen_is(pilot, PickerScreen)
    assert "title" not in ProcessingState.get_by_id(session.id).scenes_data[0]


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_redetect_asks_before_dropping_a_changed_threshold(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.query("#sessions"), "the sessions list")
        await pilot.press("enter")
        await screen_is(pilot, PickerScreen)
        await pilot.press("t")
        dialog = await screen_is(pilot, RedetectScreen)
        await type_into(pilot, "threshold", "9")
        await escape_asks_then_keeps_editing(pilot, dialog)
        await discard(pilot, dialog)
        await screen_is(pilot, PickerScreen)
    assert ProcessingState.get_by_id(session.id).scenes_data == session.scenes_data


async def test_new_preset_dialog_asks_before_dropping_a_typed_name(db: peewee.SqliteDatabase) -> None:
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(100, 30)) as pilot:
        await screen_is(pilot, PresetsScreen)
        count = UserPreset.select().count()
        await pilot.press("n")
        dialog = await screen_is(pilot, NewPresetDialog)
        await type_into(pilot, "new-preset-name", "Mine")
        await escape_asks_then_keeps_editing(pilot, dialog)
        await discard(pilot, dialog)
        await screen_is(pilot, PresetsScreen)
    assert UserPreset.select().count() == count


async def test_escape_on_a_question_is_neither_yes_nor_no(db: peewee.SqliteDatabase) -> None:
    """The dialog itself: y True, n False, escape None (callers act on None as on nothing)."""
    answers: list[bool | None] = []
    app = ScreenHost(SessionsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await screen_is(pilot, SessionsScreen)
        for key in ("y", "n", "escape"):
            app.push_screen(ConfirmScreen("Sure?"), answers.append)
            await screen_is(pilot, ConfirmScreen)
            await pilot.press(key)
            await screen_is(pilot, SessionsScreen)
    assert answers == [True, False, None]
