"""Presets screen and preset editor: real database, real keys, snapshots at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from core.pipeline.preset_store import ensure_builtin_presets, load_preset, save_preset
from core.pipeline.presets import BUILTIN_PRESETS, Preset
from db.models import ProcessingState, UserPreset
from db.settings import get_setting
from tests.tui_screen_host import ScreenHost, cells, cursor_to
from tui.preset_form import FIELDS, build_preset, problems_by_field, value_of
from tui.screens.confirm import ConfirmScreen
from tui.screens.new_preset import NewPresetDialog
from tui.screens.preset_edit import PresetEditScreen
from tui.screens.presets import PresetsScreen
from tui.widgets.vim_table import VimTable

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def user_preset(db: peewee.SqliteDatabase) -> str:
    """A user preset copied from webflow_standard (presets ordered: default first, then by name)."""
    ensure_builtin_presets()
    base = BUILTIN_PRESETS[0]
    save_preset(
        replace(
            base,
            preset_id="studio_loops",
            preset_name="Studio loops",
            description="Silent loops for the studio site.",
            base_preset=base.preset_id,
            advanced={k: v for k, v in base.advanced.items() if k != "builtin"},
        )
    )
    return "studio_loops"


def stored(preset_id: str) -> UserPreset | None:
    return UserPreset.get_or_none(UserPreset.preset_id == preset_id)


def stored_row(preset_id: str) -> UserPreset:
    row = stored(preset_id)
    assert row is not None, f"no preset {preset_id}"
    return row


async def tab_to(pilot: Pilot, widget_id: str) -> None:
    """From the first field, press tab until `widget_id` has the focus (the fields' order is FIELDS')."""
    for _ in range(len(FIELDS)):
        if pilot.app.focused is not None and pilot.app.focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached {widget_id}")


async def retype(pilot: Pilot, widget_id: str, text: str) -> None:
    await tab_to(pilot, widget_id)
    await pilot.press("ctrl+a", "ctrl+k", *text)  # start of line, delete to the end, type


# --- the list ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presets_list_snapshot(snap_compare: Callable[..., bool], user_preset: str, size: tuple[int, int]) -> None:
    assert snap_compare(ScreenHost(PresetsScreen), terminal_size=size)


async def test_star_sets_the_default(user_preset: str) -> None:
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "archive_hq")
        await pilot.press("asterisk")
        table = app.screen.query_one(VimTable)
        assert cells(table.get_row("archive_hq"))[2] == "*"
        assert table.selected_key == "archive_hq"
    assert stored_row("archive_hq").is_default
    assert not stored_row("webflow_standard").is_default
    assert get_setting("default_preset") == "archive_hq"


async def test_builtin_presets_cannot_be_deleted(user_preset: str) -> None:
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "archive_hq")
        await pilot.press("d")
        assert isinstance(app.screen, PresetsScreen)  # no confirmation was even asked
        assert any("built in and cannot be deleted" in notice for notice in app.notices)
    assert stored("archive_hq") is not None


async def test_the_default_preset_is_not_deleted(user_preset: str) -> None:
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, user_preset)
        await pilot.press("asterisk", "d")
        assert isinstance(app.screen, PresetsScreen)
        assert any("make another preset the default" in notice for notice in app.notices)
    assert stored(user_preset) is not None


async def test_a_preset_that_unfinished_sessions_use_is_not_deleted(user_preset: str) -> None:
    ProcessingState.create(
        session_id="s1",
        artwork_name="Morning Light",
        project_date="25-03-10",
        master_path="/m.mov",
        output_path="/out",
        preset_id=user_preset,
        total_operations=3,
        status="paused",
    )
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, user_preset)
        await pilot.press("d")
        assert isinstance(app.screen, PresetsScreen)
        assert any("used by unfinished sessions (Morning Light)" in notice for notice in app.notices)
        await pilot.press("enter")
        assert "they resume with your changes" in str(app.screen.query_one("#edit-hint", Static).render())
    assert stored(user_preset) is not None


async def test_builtin_presets_open_read_only(user_preset: str) -> None:
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "social_1080")
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, PresetEditScreen) and screen.read_only
        assert all(screen.query_one(f"#{f.widget_id}").disabled for f in FIELDS)
        assert "read-only" in str(screen.query_one("#edit-hint", Static).render())
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, PresetEditScreen)
        assert any("read-only" in notice for notice in app.notices)
        await pilot.press("escape")
        assert isinstance(app.screen, PresetsScreen)
    assert load_preset("social_1080") == BUILTIN_PRESETS[2]


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
async def test_create_edit_and_delete_a_preset_with_the_keys(user_preset: str) -> None:
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        # n: a new preset from archive_hq, with the id and name typed in the dialog
        await cursor_to(pilot, "archive_hq")
        await pilot.press("n")
        assert isinstance(app.screen, NewPresetDialog)
        await pilot.press(*"gallery_hq", "tab", *"Gallery HQ", "enter")
        assert isinstance(app.screen, PresetEditScreen)
        created = stored_row("gallery_hq")
        assert created.preset_name == "Gallery HQ" and created.base_preset == "archive_hq"
        assert created.video_settings == BUILTIN_PRESETS[1].video
        assert not (created.advanced_settings or {}).get("builtin")

        # edit: CRF 12 -> 18, web stills as WebP, then ctrl+s
        await retype(pilot, "field-video-crf", "18")
        await tab_to(pilot, "field-stills-web-format")
        await pilot.press("enter", "down", "enter")  # open the menu, jpg -> webp, choose
        assert "-crf 18" in str(app.screen.query_one("#edit-args", Static).render())
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, PresetsScreen)
        saved = load_preset("gallery_hq")
        assert saved.video["crf"] == 18 and saved.stills_web["format"] == "webp"
        assert saved.preset_name == "Gallery HQ" and saved.base_preset == "archive_hq"

        # d, then y: deleted
        assert app.screen.query_one(VimTable).selected_key == "gallery_hq"
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert isinstance(app.screen, PresetsScreen)
        assert "gallery_hq" not in [row for row in app.screen.query_one(VimTable).rows]
    assert stored("gallery_hq") is None


async def test_delete_asks_first_and_n_keeps_the_preset(user_preset: str) -> None:
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, user_preset)
        await pilot.press("d", "n")
        assert isinstance(app.screen, PresetsScreen)
    assert stored(user_preset) is not None


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_new_preset_dialog_refuses_a_taken_or_bad_id(user_preset: str) -> None:
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, "archive_hq")
        await pilot.press("n", *user_preset, "enter")
        dialog = app.screen
        assert isinstance(dialog, NewPresetDialog)
        assert "already exists" in str(dialog.query_one("#new-preset-error", Static).render())
        await pilot.press("ctrl+a", "ctrl+k", *"no spaces", "enter")
        assert "letters, digits" in str(dialog.query_one("#new-preset-error", Static).render())
        await pilot.press("escape", "y")  # typed: escape asks first (issue 13)
        assert isinstance(app.screen, PresetsScreen)
    assert UserPreset.select().count() == len(BUILTIN_PRESETS) + 1


# --- the editor -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_preset_edit_form_snapshot(snap_compare: Callable[..., bool], user_preset: str, size: tuple[int, int]) -> None:
    async def open_editor(pilot: Pilot) -> None:
        await cursor_to(pilot, user_preset)
        await pilot.press("enter")

    assert snap_compare(ScreenHost(PresetsScreen), terminal_size=size, run_before=open_editor)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
def test_preset_edit_form_with_problems_snapshot(snap_compare: Callable[..., bool], user_preset: str) -> None:
    async def break_fields(pilot: Pilot) -> None:
        await cursor_to(pilot, user_preset)
        await pilot.press("enter")
        await retype(pilot, "field-video-crf", "99")
        await retype(pilot, "field-video-maxrate", "fast")

    assert snap_compare(ScreenHost(PresetsScreen), terminal_size=(80, 24), run_before=break_fields)


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
async def test_invalid_values_show_their_message_and_are_not_saved(user_preset: str) -> None:
    before = load_preset(user_preset)
    app = ScreenHost(lambda: PresetEditScreen(before))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await retype(pilot, "field-video-crf", "99")
        await retype(pilot, "field-stills-web-quality", "good")
        crf_error = screen.query_one("#field-video-crf-error", Static)
        assert crf_error.display and "expected a whole number from 0 to 51" in str(crf_error.render())
        assert "expected a whole number from 1 to 100" in str(
            screen.query_one("#field-stills-web-quality-error", Static).render()
        )
        assert "to see the arguments" in str(screen.query_one("#edit-args", Static).render())
        await pilot.press("ctrl+s")
        assert app.screen is screen  # still editing
        # the first field with a problem
        assert app.focused is not None and app.focused.id == "field-stills-web-quality"
        assert any("Not saved" in notice for notice in app.notices)
        # fixing one leaves the other's message
        await retype(pilot, "field-video-crf", "20")
        assert not crf_error.display
        await pilot.press("ctrl+s")
        assert app.screen is screen
    assert load_preset(user_preset) == before


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
async def test_the_arguments_follow_the_fields_for_x264_and_nvenc(user_preset: str) -> None:
    app = ScreenHost(lambda: PresetEditScreen(load_preset(user_preset)))
    async with app.run_test(size=(80, 24)) as pilot:
        args = app.screen.query_one("#edit-args", Static)
        assert "-crf 23" in str(args.render()) and "-cq 23" in str(args.render())
        await retype(pilot, "field-video-crf", "30")
        await retype(pilot, "field-video-maxrate", "")
        await retype(pilot, "field-video-bufsize", "")
        await tab_to(pilot, "field-video-audio")
        await pilot.press("space")
        text = str(args.render())
        assert "-crf 30" in text and "-cq 30" in text and "-maxrate" not in text
        assert "-c:a aac -b:a 160k" in text and "libx264" in text and "h264_nvenc" in text


@pytest.mark.slow  # end to end: make test-fast leaves it to make test
async def test_escape_with_changes_asks_before_discarding(user_preset: str) -> None:
    app = ScreenHost(PresetsScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await cursor_to(pilot, user_preset)
        await pilot.press("enter")
        await pilot.press(*" 2")  # the name field has the focus first
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.focused is not None and app.focused.id == "no", "discarding is never the default"
        await pilot.press("enter")  # on the safe answer: keeps editing
        assert isinstance(app.screen, PresetEditScreen)
        await pilot.press("escape", "y")
        assert isinstance(app.screen, PresetsScreen)
        # unchanged: escape leaves at once
        await pilot.press("enter", "escape")
        assert isinstance(app.screen, PresetsScreen)
    assert stored_row(user_preset).preset_name == "Studio loops"


# --- the form's data --------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", BUILTIN_PRESETS, ids=lambda p: p.preset_id)
def test_the_form_reads_back_every_builtin_unchanged(preset: Preset) -> None:
    values = {f.widget_id: value_of(preset, f) for f in FIELDS}
    assert build_preset(preset, values) == preset


def test_problems_land_on_their_fields() -> None:
    preset = BUILTIN_PRESETS[0]
    values = {f.widget_id: value_of(preset, f) for f in FIELDS}
    values.update({"field-video-crf": "x", "field-video-bufsize": "", "field-preset-preset-name": " "})
    placed, loose = problems_by_field(build_preset(preset, values))
    assert placed["field-video-crf"] == ["expected a whole number from 0 to 51"]
    assert placed["field-video-bufsize"] == ["needed when a max rate is set"]
    assert placed["field-preset-preset-name"] == ["must not be empty"]
    assert loose == []


def test_field_ids_stay_apart_from_the_list_screen_ids() -> None:
    # Screen CSS is global once loaded: the editor's ids must never meet the list's rules.
    assert all(f.widget_id.startswith("field-") for f in FIELDS)
    assert len({f.widget_id for f in FIELDS}) == len(FIELDS)


@pytest.mark.slow  # a whole run or many: make test-fast stays under 3 minutes
async def test_a_file_name_template_that_cannot_tell_scenes_apart_is_refused_on_save(user_preset: str) -> None:
    before = load_preset(user_preset)
    app = ScreenHost(lambda: PresetEditScreen(before))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await retype(pilot, "field-advanced-naming-template", "{artwork}_{title}")
        error = screen.query_one("#field-advanced-naming-template-error", Static)
        assert error.display and "must contain {scene}" in str(error.render())
        await pilot.press("ctrl+s")
        assert app.screen is screen  # still editing, nothing saved
        assert load_preset(user_preset) == before
        await retype(pilot, "field-advanced-naming-template", "{date}_{scene}_{title}")
        assert not error.display
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert load_preset(user_preset).advanced["naming_template"] == "{date}_{scene}_{title}"
