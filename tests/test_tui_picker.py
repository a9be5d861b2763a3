"""Scene picker, with the real app, database and ffmpeg, on a detected session of the cut video
(five scenes starting at frames 0, 30, 55, 95, 120): every key, every change saved at once, the
state found again by a new app (a dropped SSH connection), re-detection, preview and thumbnails."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from textual.widgets import DataTable, Input, Select

from db.models import ProcessingState
from db.settings import set_setting
from tests.picker_flows import copied_master, cursor, marks, notices, open_picker, row
from tests.tui_flows import detected_session, screen_is, stored, text_of, type_into, until
from tui.app import create_app
from tui.screens.detection import DetectionScreen
from tui.screens.jump import JumpScreen
from tui.screens.picker import PickerScreen
from tui.screens.preview import PreviewScreen
from tui.screens.redetect import RedetectScreen
from tui.widgets.picture import Picture
from tui.widgets.scene_panel import ScenePanel

PLACEHOLDER = "······"  # the list's dim dots where a thumbnail is not made yet


@pytest.fixture
def master(tmp_path: Path, cut_video: Path) -> Path:
    """A copy of the cut video per test: a test may move it away."""
    return copied_master(cut_video, tmp_path)


@pytest.fixture
def session(db: peewee.SqliteDatabase, master: Path, tmp_path: Path) -> ProcessingState:
    return detected_session(master, tmp_path / "out")


def saved_cursor(session_id: str) -> int | None:
    return (stored(session_id).process_metadata or {}).get("picker_cursor")


# --- moving ------------------------------------------------------------------------------------------------


async def test_moving_keys(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        assert cursor(picker) == 1 and row(picker, 1).startswith("›")
        await pilot.press("j", "j")
        assert cursor(picker) == 3
        await pilot.press("k")
        assert cursor(picker) == 2
        await pilot.press("down", "down", "down", "down", "down")  # stops on the last scene
        assert cursor(picker) == 5
        await pilot.press("up")
        assert cursor(picker) == 4
        await pilot.press("home")
        assert cursor(picker) == 1
        await pilot.press("end")
        assert cursor(picker) == 5 and row(picker, 5).startswith("›") and not row(picker, 1).startswith("›")
        await pilot.press("k", "k")
        # the panel beside the list follows the cursor
        scene = picker.query_one(ScenePanel).scene
        assert scene is not None and scene.index == 3
        await until(pilot, lambda: saved_cursor(session.session_id) == 2, "the cursor to be saved")


# --- marking -------------------------------------------------------------------------------------------


async def test_marking_keys_save_at_once(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    sid = session.session_id
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        assert all("[x]" in row(picker, n) for n in range(1, 6)), "never saved: every scene is marked"
        await pilot.press("x")
        assert marks(sid) == ([], [])
        assert all("[ ]" in row(picker, n) for n in range(1, 6))
        await pilot.press("space")  # marks scene 1 and moves on, as in file managers
        assert marks(sid) == ([1], []) and cursor(picker) == 2
        await pilot.press("j", "space")
        assert marks(sid) == ([1, 3], []) and cursor(picker) == 4
        assert "[x]" in row(picker, 3) and "[ ]" in row(picker, 2)
        await pilot.press("i")
        assert marks(sid) == ([2, 4, 5], [])
        await pilot.press("a")
        assert marks(sid) == ([1, 2, 3, 4, 5], [])
        await pilot.press("k", "space")  # unmark scene 3
        assert marks(sid) == ([1, 2, 4, 5], [])
        assert text_of(picker, "#picker-status").startswith("4/5 marked (1-2,4-5)")
        await pilot.press("ctrl+s")
        assert "selection saved" in notices(app)


async def test_status_line_follows_every_change_of_the_marks(session: ProcessingState) -> None:
    """Its marks and groups are made again only when the picks change: a change from the preview,
    an undo and a redo show there too, and a cursor move leaves them as they are."""
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "space", "space", "k", "g")
        assert text_of(picker, "#picker-status").startswith("2/5 marked (1-2) · groups: g1 1-2")
        await pilot.press("j", "enter")
        await screen_is(pilot, PreviewScreen)
        await pilot.press("space", "escape")  # scene 3 marked in the preview
        await screen_is(pilot, PickerScreen)
        assert text_of(picker, "#picker-status").startswith("3/5 marked (1-3) · groups: g1 1-2")
        await pilot.press("ctrl+z")
        assert text_of(picker, "#picker-status").startswith("2/5 marked (1-2) · groups: g1 1-2")
        await pilot.press("ctrl+z")
        assert text_of(picker, "#picker-status").startswith("2/5 marked (1-2) · no groups")
        await pilot.press("ctrl+y", "j", "k")
        assert text_of(picker, "#picker-status").startswith("2/5 marked (1-2) · groups: g1 1-2")


async def test_grouping_keys(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    sid = session.session_id
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "j", "space", "space", "space")  # marks 2, 3, 4; cursor on 5
        assert marks(sid) == ([2, 3, 4], []) and cursor(picker) == 5

        await pilot.press("g")  # on an unmarked scene: refused with the reason
        assert marks(sid) == ([2, 3, 4], [])
        assert any("scene 5 is not marked" in n for n in notices(app))

        await pilot.press("k", "k", "g")  # from the middle of the run: the whole run
        assert marks(sid) == ([2, 3, 4], [[2, 4]])
        assert any("scenes 2-4 will be exported as one clip" in n for n in notices(app))
        assert row(picker, 2).rstrip().endswith("┌ g1") and row(picker, 4).rstrip().endswith("└")
        assert "groups: g1 2-4" in text_of(picker, "#picker-status")

        await pilot.press("u")
        assert marks(sid) == ([2, 3, 4], [])
        await pilot.press("g", "j", "space")  # group again, then unmarking scene 4 cuts the group to 2-3
        assert marks(sid) == ([2, 3], [[2, 3]])

        await pilot.press("x", "home", "space", "k", "g")  # a lone marked scene is no group
        assert marks(sid) == ([1], [])
        assert any("scene 1: a group needs at least two adjacent marked scenes" in n for n in notices(app))


# --- jumping -------------------------------------------------------------------------------------------


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_slash_jumps_to_a_scene_number(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("slash")
        jump = await screen_is(pilot, JumpScreen)
        await pilot.press("4", "enter")
        await screen_is(pilot, PickerScreen)
        assert cursor(picker) == 4

        for wrong in ("9", "0"):
            await pilot.press("slash")
            jump = await screen_is(pilot, JumpScreen)
            await pilot.press(wrong, "enter")
            assert app.screen is jump, f"{wrong} is out of range: the dialog stays"
            assert text_of(jump, "#jump-error") == "scenes are numbered 1 to 5"
            await pilot.press("escape")
            await screen_is(pilot, PickerScreen)
            assert cursor(picker) == 4


# --- preview -------------------------------------------------------------------------------------------


def captions(preview: PreviewScreen) -> list[str]:
    return [text_of(preview, f"#caption-{slot}") for slot in range(3)]


def decoded(preview: PreviewScreen) -> bool:
    return all(preview.query_one(f"#picture-{slot}", Picture).image is not None for slot in range(3))


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_preview_shows_first_middle_and_last_frames(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    sid = session.session_id
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "j", "enter")
        preview = await screen_is(pilot, PreviewScreen)
        assert captions(preview) == ["first · frame 30", "middle · frame 42", "last · frame 54"]
        assert text_of(preview, "#preview-title").startswith("Scene 2/5 ·")
        await until(pilot, lambda: decoded(preview), "the three frames")
        first = preview.query_one("#picture-0", Picture).image
        assert first is not None and first.width == 320

        await pilot.press("right")
        assert captions(preview) == ["first · frame 55", "middle · frame 74", "last · frame 94"]
        await until(pilot, lambda: decoded(preview), "the next scene's frames")
        await pilot.press("right", "right", "right")  # stops at the last scene
        assert captions(preview)[0] == "first · frame 120"
        await pilot.press("left", "left")
        assert captions(preview) == ["first · frame 55", "middle · frame 74", "last · frame 94"]
        await pilot.press("space")  # marks the scene shown, saved at once (the connection may drop here)
        assert "· marked" in text_of(preview, "#preview-title")
        assert marks(sid) == ([3], [])

        await pilot.press("escape")
        await screen_is(pilot, PickerScreen)
        assert cursor(picker) == 3, "the cursor follows the preview"
        assert marks(sid) == ([3], [])

        await pilot.press("p")
        preview = await screen_is(pilot, PreviewScreen)
        assert captions(preview)[0] == "first · frame 55"
        await pilot.press("escape")
        await screen_is(pilot, PickerScreen)


# --- a new app finds everything again ----------------------------------------------------------------------


async def test_a_new_app_reopens_the_picker_where_the_user_left_it(session: ProcessingState) -> None:
    sid = session.session_id
    first = create_app(cursor_blink=False)
    async with first.run_test(size=(100, 30)) as pilot:
        await open_picker(pilot)
        await pilot.press("x", "j", "space", "space", "space", "k", "g", "home", "space", "end")
        # a dropped connection kills vat without any goodbye: the state must be in the database already
        await until(pilot, lambda: saved_cursor(sid) == 4, "the cursor to be saved")
        assert marks(sid) == ([1, 2, 3, 4], [[2, 4]])

    second = create_app(cursor_blink=False)
    async with second.run_test(size=(100, 30)) as pilot:
        rows = second.screen.query_one("#sessions", DataTable)
        assert "picking scenes" in [str(c) for c in rows.get_row_at(0)]
        picker = await open_picker(pilot)
        assert cursor(picker) == 5
        assert picker.picks.selected == {1, 2, 3, 4} and picker.picks.groups == [(2, 4)]
        assert ["[x]" in row(picker, n) for n in range(1, 6)] == [True, True, True, True, False]
        assert row(picker, 2).rstrip().endswith("┌ g1")
        assert text_of(picker, "#picker-status").startswith("4/5 marked (1-4) · groups: g1 2-4")


# --- re-detection ------------------------------------------------------------------------------------------


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_redetect_keeps_marks_on_scenes_that_start_on_the_same_frame(session: ProcessingState) -> None:
    """content detector, shortest scene 26 frames: the cuts at 55 and 95 go, scenes start at 0, 30, 120."""
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "space", "j", "space", "j", "space")  # marks 1, 3, 5; cursor on 5
        assert marks(sid) == ([1, 3, 5], []) and cursor(picker) == 5

        await pilot.press("t")
        dialog = await screen_is(pilot, RedetectScreen)
        select = dialog.query_one("#detector", Select)
        assert app.focused is select and select.value == "adaptive"
        await pilot.press("enter", "down", "enter")  # open the list, the next detector, choose it
        await until(pilot, lambda: select.value == "content", "the content detector")
        assert dialog.query_one("#threshold", Input).placeholder == "default 30"
        await type_into(pilot, "min-len", "26")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, (DetectionScreen, PickerScreen)), "detection")
        await until(pilot, lambda: app.screen is picker and len(picker.scenes) == 3, "the picker to reload")

        assert [s.start_frame for s in picker.scenes] == [0, 30, 120]
        assert marks(sid) == ([1, 3], [])  # old 1 (frame 0) and 5 (frame 120); old 3 (frame 55) is gone
        assert picker.picks.selected == {1, 3}
        assert cursor(picker) == 3, "the cursor stays on the scene it was on (frame 120)"
        assert "3 scenes (content 30, min 26 frames)" in text_of(picker, "#picker-title")
        saved = stored(sid)
        assert (saved.process_metadata["detector"], saved.scene_threshold, saved.min_scene_length) == (
            "content",
            30.0,
            26,
        )


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_redetect_keeps_a_group_whose_first_and_last_frames_still_bound_scenes(session: ProcessingState) -> None:
    """adaptive, shortest scene 30 frames: the cuts at 55 and 120 go, scenes start at 0, 30, 95."""
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "space", "space", "space", "k", "g", "j", "space", "k")
        assert marks(sid) == ([1, 2, 3, 4], [[1, 3]]) and cursor(picker) == 4
        await pilot.press("t")
        await screen_is(pilot, RedetectScreen)
        await type_into(pilot, "min-len", "30")
        await pilot.press("enter")  # enter in a field detects too
        await until(pilot, lambda: app.screen is picker and len(picker.scenes) == 3, "the picker to reload")

        assert [s.start_frame for s in picker.scenes] == [0, 30, 95]
        # group 1-3 (frames 0-94) is now scenes 1-2; old scene 4 (frame 95) is new scene 3
        assert marks(sid) == ([1, 2, 3], [[1, 2]])
        assert cursor(picker) == 3
        assert row(picker, 1).rstrip().endswith("┌ g1") and row(picker, 2).rstrip().endswith("└")


async def test_escape_in_the_redetect_dialog_changes_nothing(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("t")
        await screen_is(pilot, RedetectScreen)
        await pilot.press("escape")
        await screen_is(pilot, PickerScreen)
        assert len(picker.scenes) == 5
    assert stored(session.session_id).scenes_data == session.scenes_data


# --- thumbnails ----------------------------------------------------------------------------------------------


async def test_thumbnails_fill_in_and_keys_never_wait_for_them(session: ProcessingState) -> None:
    set_setting("cache_thumbnails", False)  # decoded from the master by the worker, not read from disk
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        frames = [s.midpoint_frame for s in picker.scenes]
        store = picker.store
        assert store is not None
        # whatever the worker has done so far, the keys work and each row shows what is there
        ready = [store.cached(f) is not None for f in frames]
        await pilot.press("j", "space")
        assert cursor(picker) == 3 and 2 not in picker.picks.selected
        for number, was_ready in enumerate(ready, start=1):
            if was_ready:
                assert PLACEHOLDER not in row(picker, number)
        await until(pilot, lambda: all(store.cached(f) is not None for f in frames), "every thumbnail")
        await pilot.pause()
        for number in range(1, 6):
            assert PLACEHOLDER not in row(picker, number), f"scene {number} still shows no thumbnail"
        image = store.cached(frames[0])
        assert image is not None and image.width == 96


@pytest.mark.parametrize("on_disk", [True, False])
async def test_cache_thumbnails_keeps_them_on_disk_or_not(
    session: ProcessingState, master: Path, on_disk: bool
) -> None:
    from tui.thumbs import cache_folder

    set_setting("cache_thumbnails", on_disk)
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        store = picker.store
        assert store is not None
        frames = [s.midpoint_frame for s in picker.scenes]
        await until(pilot, lambda: all(store.cached(f) is not None for f in frames), "every thumbnail")
    kept = sorted(p.name for p in cache_folder(master).glob("*.png")) if cache_folder(master).exists() else []
    assert kept == (sorted(f"{f}.png" for f in frames) if on_disk else [])


async def test_a_master_moved_away_leaves_the_picker_usable(session: ProcessingState, master: Path) -> None:
    master.rename(master.with_name("moved.mp4"))
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        assert any("cannot read the master" in n for n in notices(app))
        await pilot.press("x", "space")
        assert marks(session.session_id) == ([1], [])
        await pilot.press("enter")  # no frames to preview: say so rather than do nothing
        await pilot.pause()
        assert app.screen is picker
        assert any("cannot preview" in n for n in notices(app))
        assert all(PLACEHOLDER in row(picker, n) for n in range(1, 6))


async def test_the_picker_warns_when_the_master_is_archived_already(
    db: peewee.SqliteDatabase, master: Path, tmp_path: Path
) -> None:
    """As vat run does: another session (not replaced) made outputs from a master with the same SHA-256."""
    from db.models import FileRegistry

    earlier = detected_session(master, tmp_path / "first", artwork="First Light")
    ProcessingState.update(master_sha256="cd" * 32, status="completed").where(
        ProcessingState.id == earlier.id
    ).execute()
    FileRegistry.create(session=earlier.session_id, file_path="/x/a.jpg", file_type="still_hq", file_category="stills")
    session = detected_session(master, tmp_path / "second")
    ProcessingState.update(master_sha256="cd" * 32).where(ProcessingState.id == session.id).execute()
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
        await app.push_screen(PickerScreen(session.session_id))
        await screen_is(pilot, PickerScreen)
        [warning] = [n for n in notices(app) if "already archived" in n]
        assert "First Light" in warning and earlier.session_id in warning and str(tmp_path / "first") in warning
