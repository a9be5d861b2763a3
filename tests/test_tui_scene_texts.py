"""e in the picker: a scene's title and note, with the real app, database and ffmpeg. Saved at once
(a new app finds them), shown in the list and the panel as text (control characters escaped), the
override over the detected title, a title that cannot be stored refused as it is typed, at 80x24."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from rich.console import Group
from textual.pilot import Pilot

from core.pipeline.preset_store import preset_to_dict
from core.pipeline.presets import BUILTIN_PRESETS
from db.models import ProcessingState
from tests.picker_flows import copied_session, open_picker, row
from tests.tui_flows import screen_is, stored, type_into
from tui.app import create_app
from tui.screens.confirm import ConfirmScreen
from tui.screens.picker import PickerScreen
from tui.screens.scene_texts import SceneTextsScreen
from tui.widgets.scene_list import SceneList
from tui.widgets.scene_panel import ScenePanel


@pytest.fixture
def session(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> ProcessingState:
    return copied_session(cut_video, tmp_path)


def record(session_id: str, number: int) -> dict:
    return next(r for r in stored(session_id).scenes_data if r["index"] == number)


def panel(picker: PickerScreen) -> str:
    """The panel's details as drawn (below the picture)."""
    rendered = picker.query_one(ScenePanel).render()
    assert isinstance(rendered, Group)
    return str(rendered.renderables[-1])


async def edit(pilot: Pilot, title: str | None, note: str | None) -> SceneTextsScreen:
    await pilot.press("e")
    dialog = await screen_is(pilot, SceneTextsScreen)
    if title is not None:
        await type_into(pilot, "texts-title", title)
    if note is not None:
        await type_into(pilot, "texts-note", note)
    return dialog


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_e_saves_the_title_and_note_at_once_and_shows_them(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("down")  # scene 2
        dialog = await edit(pilot, "Blue hour — 青い", "shot on the roof")
        box = dialog.query_one("#texts").region
        assert box.right <= 80 and box.bottom <= 24  # the whole dialog fits 80x24
        await pilot.press("enter")
        await screen_is(pilot, PickerScreen)
        # saved before anything else happens: a dropped connection loses nothing
        saved = record(session.session_id, 2)
        assert (saved["title"], saved["note"]) == ("Blue hour — 青い", "shot on the roof")
        assert "Blue hour — 青い" in panel(picker) and "note: shot on the roof" in panel(picker)
        await pilot.press("v")  # tall rows: the title under the times, at 80 columns too
        await pilot.pause()
        assert "frames 30-54 · Blue hour" in picker.query_one(SceneList).render_line(4).text
    app = create_app(cursor_blink=False)  # a new app, as after a dropped SSH connection
    async with app.run_test(size=(120, 30)) as pilot:
        picker = await open_picker(pilot)
        assert picker.query_one(SceneList).tall  # the tall rows were kept with the session
        await pilot.press("v")
        await pilot.pause()
        # the list's focus border leaves the title one cell short at 120: cut with an ellipsis
        assert "Blue hour — 青" in row(picker, 2) and "Blue hour" not in row(picker, 1)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_escape_cancels_and_an_emptied_title_falls_back_to_the_detected_one(session: ProcessingState) -> None:
    records = [dict(r) for r in session.scenes_data]
    records[0].update(detected_title="Chapter One", title="Mine")
    ProcessingState.update(scenes_data=records).where(ProcessingState.id == session.id).execute()
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(120, 30)) as pilot:
        picker = await open_picker(pilot)
        assert "Mine" in row(picker, 1)
        await edit(pilot, "Something else", None)
        await pilot.press("escape")  # typed: asks first (issue 13)
        await screen_is(pilot, ConfirmScreen)
        await pilot.press("y")
        await screen_is(pilot, PickerScreen)
        assert record(session.session_id, 1)["title"] == "Mine"  # escape: nothing saved
        await edit(pilot, "", None)
        await pilot.press("enter")
        await screen_is(pilot, PickerScreen)
        saved = record(session.session_id, 1)
        assert "title" not in saved and saved["detected_title"] == "Chapter One"  # the detected value stays
        assert "Chapter One" in row(picker, 1)  # and shows again


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_a_title_with_control_characters_is_refused_as_typed_and_a_note_is_shown_escaped(
    session: ProcessingState,
) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        dialog = await edit(pilot, "Intro\x1b[2J", None)
        error = str(dialog.query_one("#texts-error").render())
        assert "control characters" in error and "\\x1b" in error
        await pilot.press("enter")  # refused: the dialog stays, nothing is stored
        assert isinstance(pilot.app.screen, SceneTextsScreen)
        assert "title" not in record(session.session_id, 1)
        await type_into(pilot, "texts-title", "Intro")
        assert str(dialog.query_one("#texts-error").render()) == ""
        await type_into(pilot, "texts-note", "bell\x07 and \u202eevil")
        await pilot.press("enter")
        await screen_is(pilot, PickerScreen)
        assert record(session.session_id, 1)["note"] == "bell\x07 and \u202eevil"  # stored as typed
        shown = panel(picker)
        assert "\\x07" in shown and "\\u202e" in shown and "\x07" not in shown and "\u202e" not in shown


async def test_a_title_that_would_make_a_file_name_too_long_is_refused_as_typed(session: ProcessingState) -> None:
    """With a template that uses {title}, the names are checked as the title is typed."""
    preset = BUILTIN_PRESETS[0]
    settings = preset_to_dict(preset)
    settings["advanced"] = {**preset.advanced, "naming_template": "{artwork}_{scene}_{title}_" + "x" * 150}
    ProcessingState.update(custom_settings=settings).where(ProcessingState.id == session.id).execute()
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_picker(pilot)
        dialog = await edit(pilot, "青" * 30, None)
        assert "too long" in str(dialog.query_one("#texts-error").render())
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, SceneTextsScreen)
        await type_into(pilot, "texts-title", "Dawn")
        await pilot.press("enter")
        await screen_is(pilot, PickerScreen)
        assert record(session.session_id, 1)["title"] == "Dawn"
