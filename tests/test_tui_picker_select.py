"""Selecting with less effort in the picker, with the real app, database and ffmpeg, on a detected
session of the cut video (five scenes starting at frames 0, 30, 55, 95, 120 at 25 fps, so at 0, 1.2,
2.2, 3.8 and 4.8 s, ending at 6 s): ranges by shift and by V, grouping in three keys, undo and redo
of every kind of change, / by number, timecode and time, and the list's movement keys. Every
selection change is checked in the database, and a new app finds it there (a dropped connection)."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from textual.pilot import Pilot

from core.pipeline.session import detect, detection_parameters
from db.models import ProcessingState
from tests.editorial_media import make_timecode_master
from tests.picker_flows import copied_session, cursor, marks, notices, open_picker, row
from tests.tui_flows import new_session, screen_is, text_of, until
from tui.app import create_app
from tui.pick_history import DEPTH
from tui.screens.home import SessionsScreen
from tui.screens.jump import JumpScreen
from tui.screens.picker import PickerScreen
from tui.screens.preview import PreviewScreen
from tui.widgets.scene_list import RANGE_MARK, SceneList


@pytest.fixture
def session(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> ProcessingState:
    return copied_session(cut_video, tmp_path)


def ranged(picker: PickerScreen) -> list[int]:
    """The scenes drawn as in the range: the range mark before them, or the cursor's › inside a range."""
    span = picker.query_one(SceneList).range_span()
    return [n for n in range(1, 6) if row(picker, n).startswith(RANGE_MARK) or (span and row(picker, n)[0] == "›")]


def status(picker: PickerScreen) -> str:
    return text_of(picker, "#picker-status")


async def seen_by_a_new_app(session_id: str) -> tuple[set[int], list[tuple[int, int]]]:
    """What a new app (after a dropped connection) shows: the picks read back from the database."""
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        assert picker.session_id == session_id
        return set(picker.picks.selected), list(picker.picks.groups)


# --- ranges ----------------------------------------------------------------------------------------


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_shift_extends_a_range_that_g_groups_in_three_keys(session: ProcessingState) -> None:
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "j")  # nothing marked, cursor on scene 2
        assert marks(sid) == ([], [])
        await pilot.press("J", "g")  # grouping two scenes: three keys from the first (x j set up)
        assert marks(sid) == ([2, 3], [[2, 3]])
        assert any("scenes 2-3 will be exported as one clip" in n for n in notices(app))
        assert picker.query_one(SceneList).range_span() is None, "acting on a range ends it"

        await pilot.press("shift+down", "shift+down")  # from scene 3: 3-5
        assert cursor(picker) == 5 and ranged(picker) == [3, 4, 5]
        assert status(picker).startswith("range 3-5 (esc ends it) · ")
        assert row(picker, 3).startswith(RANGE_MARK) and row(picker, 5).startswith("›")
        await pilot.press("shift+up", "K", "K", "K")  # back past the anchor: 2-3 upwards
        assert cursor(picker) == 1 and ranged(picker) == [1, 2, 3] and status(picker).startswith("range 1-3 ")
        await pilot.press("j")  # a plain movement ends a shift range
        assert ranged(picker) == [] and not status(picker).startswith("range")
        await pilot.press("J", "J", "g")  # 2-4: it takes in the group 2-3, marking 4
        assert marks(sid) == ([2, 3, 4], [[2, 4]])
    assert await seen_by_a_new_app(sid) == ({2, 3, 4}, [(2, 4)])


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_V_starts_a_visual_range_that_movement_extends(session: ProcessingState) -> None:
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "V", "j", "j")
        assert ranged(picker) == [1, 2, 3] and status(picker).startswith("visual range 1-3 (esc ends it) · ")
        await pilot.press("end")  # every movement key extends it
        assert ranged(picker) == [1, 2, 3, 4, 5]
        await pilot.press("V")  # V again leaves it
        assert ranged(picker) == [] and app.screen is picker

        await pilot.press("V", "k", "escape")  # escape leaves the range before it would go back
        assert ranged(picker) == [] and app.screen is picker
        assert marks(sid) == ([], [])
        await pilot.press("home", "V", "j", "g")  # grouping two scenes, the vim way
        assert marks(sid) == ([1, 2], [[1, 2]])
        assert ranged(picker) == []
        await pilot.press("escape")  # no range: back to the sessions
        await screen_is(pilot, SessionsScreen)
    assert await seen_by_a_new_app(sid) == ({1, 2}, [(1, 2)])


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_space_on_a_range_marks_it_or_unmarks_it_when_all_of_it_is_marked(session: ProcessingState) -> None:
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "j", "j", "space")  # scene 3 marked alone; the cursor moves on to 4
        assert marks(sid) == ([3], [])
        await pilot.press("K", "K", "space")  # 2-4, partly marked: all marked, the cursor stays
        assert marks(sid) == ([2, 3, 4], []) and cursor(picker) == 2
        await pilot.press("V", "j", "j", "space")  # 2-4, all marked: all unmarked
        assert marks(sid) == ([], [])
        await pilot.press("J", "a")  # the other keys act on the range too
        assert marks(sid) == ([4, 5], [])
        await pilot.press("home", "J", "J", "i")  # invert 1-3 only
        assert marks(sid) == ([1, 2, 3, 4, 5], [])
        await pilot.press("J", "x")  # unmark 3-4
        assert marks(sid) == ([1, 2, 5], [])
    assert await seen_by_a_new_app(sid) == ({1, 2, 5}, [])


# --- undo and redo ---------------------------------------------------------------------------------


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_undo_and_redo_every_kind_of_change(session: ProcessingState) -> None:
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        start: tuple[list[int], list[list[int]]] = ([1, 2, 3, 4, 5], [])  # never saved: every scene
        steps: list[tuple[str, tuple[list[int], list[list[int]]]]] = []  # what undo names, the state after

        async def change(what: str, *keys: str) -> None:
            await pilot.press(*keys)
            steps.append((what, marks(sid)))
            assert steps[-1][1] != (steps[-2][1] if len(steps) > 1 else start), f"{keys} changed nothing"

        await change("clear the marks", "x")
        await change("mark scene 1", "space")
        await change("mark all", "a")
        await change("invert the marks", "i")
        await change("group 2-4", "J", "J", "g")  # a range grouped: its scenes marked
        await change("ungroup 2-4", "u")  # the cursor is on 4
        await change("group 2-4", "g")  # the run around 4
        await change("unmark scene 3", "k", "space")  # pieces of one scene are no group: it goes
        assert steps[-1][1] == ([2, 4], [])
        assert notices(app)[-1] == "group 2-4 dissolved"
        await change("mark scenes 1-3", "home", "V", "j", "j", "space")
        await pilot.press("enter")
        await screen_is(pilot, PreviewScreen)
        await change("unmark 3", "space")  # a mark made in the preview (on scene 3, the cursor's)
        assert steps[-1][1] == ([1, 2, 4], [])
        await pilot.press("escape")
        await screen_is(pilot, PickerScreen)

        for i in reversed(range(len(steps))):
            await pilot.press("ctrl+z")
            assert marks(sid) == (steps[i - 1][1] if i else start), steps[i][0]  # saved at once
            said = notices(app)[-2:]
            assert f"undone: {steps[i][0]}" in said, (steps[i][0], said)
            if i == 6:  # undoing "group 2-4" dissolves that group
                assert said[-1] == "group 2-4 dissolved"
        await pilot.press("ctrl+z")
        assert notices(app)[-1] == "nothing to undo" and marks(sid) == start

        for what, state in steps:
            await pilot.press("ctrl+y")
            assert marks(sid) == state and f"redone: {what}" in notices(app)[-2:], what
        await pilot.press("ctrl+y")
        assert notices(app)[-1] == "nothing to redo"
        await pilot.press("ctrl+z", "ctrl+z", "ctrl+z")  # back to before "unmark scene 3": the group is there
        assert marks(sid) == ([2, 3, 4], [[2, 4]])
        assert picker.picks.groups == [(2, 4)] and row(picker, 2).rstrip().endswith("┌ g1")
    assert await seen_by_a_new_app(sid) == ({2, 3, 4}, [(2, 4)])


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_grouping_over_groups_says_they_merged_and_redo_says_it_again(session: ProcessingState) -> None:
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_picker(pilot)
        await pilot.press("x", "J", "g", "j", "j", "J", "g")  # groups 1-2 and 4-5
        assert marks(sid) == ([1, 2, 4, 5], [[1, 2], [4, 5]])
        await pilot.press("home", "V", "end", "g")
        merged = "groups 1-2 and 4-5 merged: scenes 1-5 will be exported as one clip"
        assert marks(sid)[1] == [[1, 5]] and notices(app)[-1] == merged
        await pilot.press("ctrl+z")
        assert notices(app)[-2:] == ["undone: group 1-5", "group 1-5 is now 1-2, 4-5"]
        await pilot.press("ctrl+y")
        assert notices(app)[-2:] == ["redone: group 1-5", merged]
        await pilot.press("ctrl+z", "end", "K", "K", "g")  # 3-5: group 4-5 grows
        assert notices(app)[-1] == "group 4-5 is now 3-5: scenes 3-5 will be exported as one clip"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_undo_stack_is_at_least_50_deep(session: ProcessingState) -> None:
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_picker(pilot)
        await pilot.press("end")
        changes = 52
        assert DEPTH >= changes
        await pilot.press(*["space"] * changes)  # scene 5 on and off: the cursor stays on the last one
        assert marks(sid) == ([1, 2, 3, 4, 5], [])  # an even count of toggles
        await pilot.press("ctrl+z")
        assert marks(sid) == ([1, 2, 3, 4], [])
        await pilot.press(*["ctrl+z"] * (changes - 1))
        assert marks(sid) == ([1, 2, 3, 4, 5], [])
        assert notices(app)[-1] == "undone: unmark scene 5"
        await pilot.press("ctrl+z")
        assert notices(app)[-1] == "nothing to undo"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_history_outlives_leaving_the_picker(session: ProcessingState) -> None:
    """The tester's space, escape, enter, ctrl+z: the picker is made anew, the app keeps its history."""
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "space")
        assert marks(sid) == ([1], [])
        await pilot.press("escape")
        assert await open_picker(pilot) is not picker  # a new picker: the app kept the history
        await pilot.press("ctrl+z")
        assert marks(sid) == ([], []) and notices(app)[-1] == "undone: mark scene 1"
        await pilot.press("ctrl+z")
        assert marks(sid) == ([1, 2, 3, 4, 5], []) and notices(app)[-1] == "undone: clear the marks"
        await pilot.press("escape")
        await open_picker(pilot)
        await pilot.press("ctrl+y")
        assert marks(sid) == ([], []) and notices(app)[-1] == "redone: clear the marks"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_redetection_clears_the_history(session: ProcessingState) -> None:
    """Scene numbers name other scenes after re-detection: an undo must not apply old ones."""
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("x", "space")
        assert marks(sid) == ([1], [])
        await pilot.press("t")
        await until(pilot, lambda: app.screen is not picker, "the re-detect dialog")
        await pilot.press("ctrl+s")  # the same detector and settings again
        await until(pilot, lambda: app.screen is picker and picker.selection.history.undo_steps == [], "reload")
        await pilot.press("ctrl+z")
        assert notices(app)[-1] == "nothing to undo" and marks(sid) == ([1], [])


# --- / goes to a scene -------------------------------------------------------------------------------


async def jump(pilot: Pilot, text: str) -> JumpScreen | None:
    """Type `text` into /'s dialog and press enter: None when it went, the dialog when it stayed."""
    await pilot.press("slash")
    dialog = await screen_is(pilot, JumpScreen)
    await pilot.press(*text, "enter")
    await pilot.pause()
    return dialog if pilot.app.screen is dialog else None


@pytest.mark.parametrize(
    ("text", "scene"),
    [
        ("4", 4),  # a number
        ("00:00:02:10", 3),  # frame 60: no timecode of its own, so counted from 00:00:00:00
        ("00:00:01:05", 2),  # frame 30, the first of scene 2
        ("00:00:01:04", 1),  # frame 29, the last of scene 1
        ("00:03.9", 4),  # 3.9 s from the start
        ("0:04.5", 4),
        ("0:00:05.5", 5),
        ("00:01.199", 1),
    ],
)
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_slash_goes_to_a_scene_by_number_timecode_or_time(
    session: ProcessingState, text: str, scene: int
) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        assert await jump(pilot, text) is None
        assert cursor(picker) == scene


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("9", "scenes are numbered 1 to 5"),
        ("00:00:07:00", "00:00:07:00 is outside the scenes (00:00:00:00 to 00:00:05:24)"),
        ("00:00:01:30", "out of range at 25 frames a second"),
        ("00:07", "00:07 is past the last scene's end (00:06.000)"),
        ("01:75", "01:75: minutes and seconds go up to 59"),
        ("soon", "'soon' is not a scene number, a timecode HH:MM:SS:FF"),
    ],
)
@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_slash_says_why_it_cannot_go(session: ProcessingState, text: str, error: str) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("j")
        dialog = await jump(pilot, text)
        assert dialog is not None, f"{text}: the dialog stays"
        assert error in text_of(dialog, "#jump-error")
        await pilot.press("escape")
        await screen_is(pilot, PickerScreen)
        assert cursor(picker) == 2


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_slash_takes_the_masters_own_drop_frame_timecode(db: peewee.SqliteDatabase, tmp_path: Path) -> None:
    # scenes of 20, 24, 18, 22 frames from 00:00:59;28 at 29.97 drop-frame: ;00 and ;01 of minute 1 skipped
    master = make_timecode_master(tmp_path / "master.mov", "30000/1001", "00:00:59;28")
    session = new_session(master, tmp_path / "out", "Night Piece", detector="content")
    detect(session, *detection_parameters("content", None, 10))
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("slash")
        dialog = await screen_is(pilot, JumpScreen)
        assert "timecode from 00:00:59;28, 30 fps drop-frame" in str(dialog.query(".hint").first().render())
        await pilot.press("escape")
        await screen_is(pilot, PickerScreen)
        for text, scene in [("00:01:00;20", 2), ("00:01:00;19", 1), ("00:00:59;28", 1), ("00:01:01;14", 3)]:
            assert await jump(pilot, text) is None, text
            assert cursor(picker) == scene, text
        stayed = await jump(pilot, "00:00:10;00")  # before the master's first frame
        assert stayed is not None and "is outside the scenes (00:00:59;28 to" in text_of(stayed, "#jump-error")
        await pilot.press("ctrl+a", "ctrl+k", *"00:01:00;01", "enter")  # a label drop-frame skips
        assert "skipped in drop-frame timecode" in text_of(stayed, "#jump-error")


# --- the list's movement keys ------------------------------------------------------------------------


async def test_the_lists_movement_keys(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    # tall rows in a short terminal: a page holds fewer rows than there are scenes
    async with app.run_test(size=(100, 14)) as pilot:
        picker = await open_picker(pilot)
        scene_list = picker.query_one(SceneList)
        await pilot.press("v")
        await pilot.pause()
        page = scene_list.scrollable_content_region.height // scene_list.row_height
        assert 2 <= page < 5, page
        await pilot.press("ctrl+d")
        assert cursor(picker) == 1 + page // 2
        await pilot.press("ctrl+u")
        assert cursor(picker) == 1
        await pilot.press("pagedown")
        assert cursor(picker) == min(5, 1 + max(1, page - 1))
        await pilot.press("pageup")
        assert cursor(picker) == 1
        await pilot.press("G")
        assert cursor(picker) == 5
        await pilot.press("home")
        assert cursor(picker) == 1
        await pilot.press("end")
        assert cursor(picker) == 5
        await pilot.press("k", "up")
        assert cursor(picker) == 3
        await pilot.press("j", "down")
        assert cursor(picker) == 5
        top = scene_list.scroll_y
        assert top > 0, "the last scene is scrolled into view"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_where_a_row_does_not_fit_left_and_right_scroll_it_sideways(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(60, 24)) as pilot:
        picker = await open_picker(pilot)
        scene_list = picker.query_one(SceneList)
        await pilot.press("x", "J", "g")  # group 1-2: its mark ends the row
        assert marks(session.session_id) == ([1, 2], [[1, 2]])
        assert scene_list.max_scroll_x > 0, "60 columns: even the narrowest row is wider than the list"
        assert "┌ g1" not in row(picker, 1) and "#" in text_of(picker, "#list-header")
        thumbnail = row(picker, 1)[:8]
        for _ in range(10):
            await pilot.press("right")
        assert scene_list.scroll_x == scene_list.max_scroll_x
        assert row(picker, 1).rstrip().endswith("┌ g1"), "the group column is reached"
        assert row(picker, 1)[:8] == thumbnail, "the cursor mark and thumbnail stay put"
        header = text_of(picker, "#list-header")
        assert "#" not in header and header.rstrip().endswith("group"), "the header follows"
        for _ in range(10):
            await pilot.press("left")
        assert scene_list.scroll_x == 0 and "[x]" in row(picker, 1)
