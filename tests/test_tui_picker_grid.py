"""The picker's grid view (o) with the real app, database and ffmpeg, on the cut video's five scenes:
the toggle, moving in two dimensions, marking and grouping from the grid saved to the session, and a
new app (a dropped SSH connection) reopening the grid where it was left."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest

from db.models import ProcessingState
from tests.picker_flows import cursor, open_picker
from tests.tui_flows import detected_session, stored, until
from tui.app import create_app
from tui.widgets.scene_grid import SceneGrid
from tui.widgets.scene_list import SceneList


@pytest.fixture
def session(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> ProcessingState:
    return detected_session(cut_video, tmp_path / "out")


async def test_o_toggles_the_grid_and_the_session_remembers_it(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        grid, scene_list = picker.query_one(SceneGrid), picker.query_one(SceneList)
        assert not grid.display and scene_list.display and scene_list.has_focus
        await pilot.press("o")
        await pilot.pause()
        assert grid.display and not scene_list.display and grid.has_focus
        assert not picker.query_one("#list-header").display
        assert (stored(session.session_id).process_metadata or {}).get("picker_view") == "grid"
        assert grid.columns == 3  # 16-cell thumbnails beside the panel at 80 columns
        await pilot.press("o")
        await pilot.pause()
        assert scene_list.display and scene_list.has_focus and not grid.display
        assert (stored(session.session_id).process_metadata or {}).get("picker_view") == "list"


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_grid_moves_in_two_dimensions(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("o")
        await pilot.pause()
        # three columns: 1 2 3 / 4 5; None: no scene that way (below 3, above 3), the cursor stays
        steps = [
            ("l", 2), ("right", 3), ("j", None), ("k", None), ("h", 2), ("left", 1), ("down", 4),
            ("up", 1), ("end", 5), ("home", 1), ("G", 5), ("pageup", 1), ("pagedown", 5),
        ]  # fmt: skip
        for key, expected in steps:
            before = cursor(picker)
            await pilot.press(key)
            await pilot.pause()
            assert cursor(picker) == (before if expected is None else expected), key


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_marking_and_grouping_from_the_grid_are_saved_and_the_grid_reopens(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("o", "x")  # no scene marked
        await pilot.press("space", "space")  # scenes 1 and 2 marked, the cursor moves on to 3
        assert cursor(picker) == 3
        await pilot.press("h", "g")  # on scene 2: group the marked run around it
        await pilot.press("j", "space")  # scene 5 (below 2): marked, the cursor stays on the last
        await pilot.pause()
        grid = picker.query_one(SceneGrid)
        caption = grid.render_line(5).text  # the first row's caption line
        assert "[x] 1" in caption and "[x] 2" in caption and "g1" in caption and "[ ] 3" in caption
        saved = stored(session.session_id)
        assert saved.selected_scenes == [1, 2, 5] and saved.grouped_scenes == [[1, 2]]
        await pilot.press("h")  # to scene 4
        await pilot.pause(0.7)  # the cursor is saved at most every half second
    app = create_app(cursor_blink=False)  # the connection dropped: a new app
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.pause()
        grid = picker.query_one(SceneGrid)
        assert grid.display and grid.has_focus and cursor(picker) == 4
        await pilot.press("u")  # ungroup acts on the grid's scene: 4 is in no group
        await pilot.press("k", "u")  # scene 1: its group goes
        await pilot.pause()
        assert stored(session.session_id).grouped_scenes == []


def gap_marks(grid: SceneGrid) -> str:
    """What the grid draws left of each scene's thumbnail (scroll at the top): ▐ the cursor, ┃ a range."""
    marks = ""
    for index in range(grid.count):
        row, column = divmod(index, grid.columns)
        marks += grid.render_line(row * 8).text[column * grid.cell_width]
    return marks


async def test_ranges_and_half_pages_in_the_grid(session: ProcessingState) -> None:
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("o", "x")
        grid = picker.query_one(SceneGrid)
        await pilot.press("ctrl+d")  # half a page: one row of three
        assert cursor(picker) == 4
        await pilot.press("ctrl+u")
        assert cursor(picker) == 1
        # three columns: 1 2 3 / 4 5. shift+right then J: from scene 1 to 2, then down a row to 5
        await pilot.press("shift+right", "J")
        await pilot.pause()
        assert picker.scene_list.range_span() == (1, 5)
        assert "range 1-5" in str(picker.query_one("#picker-status").render())
        assert gap_marks(grid) == "┃┃┃┃▐"  # without colour: the range's cells and the cursor's
        await pilot.press("K")  # back up a row: 1-2
        assert picker.scene_list.range_span() == (1, 2)
        await pilot.press("g")
        await until(pilot, lambda: stored(sid).grouped_scenes == [[1, 2]], "1-2 grouped")
        assert picker.scene_list.range_span() is None and gap_marks(grid) == " ▐   "
        # V, then plain movement extends; escape ends the range and does not leave the picker
        await pilot.press("V", "j")  # from scene 2 down to 5
        assert picker.scene_list.range_span() == (2, 5)
        await pilot.press("escape")
        await pilot.pause()
        assert picker.scene_list.range_span() is None and app.screen is picker
        await pilot.press("V", "k", "space")  # from 5 up to 2: some unmarked, so space marks them all
        await until(pilot, lambda: stored(sid).selected_scenes == [1, 2, 3, 4, 5], "2-5 marked")
        await pilot.press("escape")  # no range now: escape goes back, as in the list
        await until(pilot, lambda: app.screen is not picker, "back to the sessions")
