"""The picker at 80x24 as a tester saw it over SSH (issue 13): the footer fits, the list has the focus
border, titles show only where they have room and end in an ellipsis when cut, tall rows are kept
with the session, "min 1 frame", and the detection graph keeps its scale while the threshold steps.
Real app, database and ffmpeg, on the cut video's five scenes."""

from __future__ import annotations

import shutil
from pathlib import Path

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from core.pipeline.scene_texts import set_texts
from core.pipeline.session import detect
from db.models import ProcessingState
from tests.tui_flows import new_session, screen_is, stored, text_of, until
from tui.app import create_app
from tui.screens.picker import PickerScreen
from tui.widgets.detection_graph import DetectionGraph
from tui.widgets.scene_list import SceneList

TITLE = "Opening titles with a view of the harbour"


@pytest.fixture
def session(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> ProcessingState:
    """Detected with `transitions` at 12 (scenes start at 0, 30, 55, 120), scene 3 titled."""
    master = tmp_path / "master.mp4"
    shutil.copyfile(cut_video, master)
    session = new_session(master, tmp_path / "out", detector="transitions")
    detect(session, "transitions", 12.0, 1)
    session = ProcessingState.get_by_id(session.id)
    set_texts(session, 3, TITLE, "")
    return ProcessingState.get_by_id(session.id)


async def open_picker(pilot: Pilot) -> PickerScreen:
    await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
    await pilot.press("enter")
    return await screen_is(pilot, PickerScreen)


def row_text(picker: PickerScreen, line: int) -> str:
    return picker.query_one(SceneList).render_line(line).text.rstrip()


async def test_the_footer_fits_80_columns_and_the_list_shows_focus(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        footer = picker.query_one(Footer)
        keys = list(footer.query(FooterKey))
        palette = next(key for key in keys if key.has_class("-command-palette"))
        shown = {key.description: key for key in keys if key is not palette}
        assert {"Mark", "Group", "Graph", "Grid", "Process", "Quit", "Help"} <= set(shown)
        # none runs under the palette's key (docked over the end of the footer) or off the screen
        assert all(key.region.right <= palette.region.x for key in shown.values()), {
            k: v.region for k, v in shown.items()
        }
        assert footer.virtual_size.width <= footer.size.width
        column = picker.query_one("#list-column")
        assert column.styles.border_left[0] == "round" and column.styles.border_top[0] == "round"
        focused = column.styles.border_left[1]
        await pilot.press("question_mark")  # help over the picker: the list loses focus, its border dims
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is picker and picker.query_one(SceneList).has_focus
        assert column.styles.border_left[1] == focused
        # every column of the list is still there at 80 (begins, start, duration, group)
        header = text_of(picker, "#list-header")
        assert all(name in header for name in ("begins", "start", "duration", "group")), header


async def test_titles_show_where_they_have_room_cut_with_an_ellipsis(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        line = row_text(picker, 2)  # scene 3, short rows at 80: no room for a title, not a lone letter
        assert line.endswith("s") and "O" not in line.split("s  ")[-1], line
        await pilot.press("v")  # tall rows: three lines a scene
        await pilot.pause()
        first, second = row_text(picker, 6), row_text(picker, 7)
        assert first.endswith("…") and second.endswith("…"), (first, second)
        assert "Openi" in first and "· Opening titles" in second
    async with create_app(cursor_blink=False).run_test(size=(160, 30)) as pilot:
        picker = await open_picker(pilot)
        assert picker.query_one(SceneList).tall  # kept with the session, as the grid view is
        assert (stored(session.session_id).process_metadata or {}).get("picker_rows") == "tall"
        assert row_text(picker, 7).endswith(f"· {TITLE}")  # room for all of it: no ellipsis
        assert "min 1 frame)" in text_of(picker, "#picker-title")
        await pilot.press("v")
        await pilot.pause()
        assert row_text(picker, 2).endswith("  Opening titles with a…")  # the list leaves titles 22 cells
        assert (stored(session.session_id).process_metadata or {}).get("picker_rows") == "short"


async def test_the_graph_keeps_its_scale_while_the_threshold_steps(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("d")
        graph = picker.query_one(DetectionGraph)
        await until(pilot, lambda: graph.scores is not None, "the statistics")
        await pilot.pause()
        legend = str(graph.render()).splitlines()[0]
        assert "min 1 frame </>" in legend and "0-" in legend.split("·")[-1], legend  # the scale, shortened
        scale = legend.split("·")[-1].strip()
        bars = str(graph.render()).splitlines()[1:-1]
        await pilot.press("plus")  # 12 -> 15: the line moves up, the bars stay
        await until(pilot, lambda: stored(session.session_id).scene_threshold == 15.0, "15 stored")
        await until(pilot, lambda: graph.threshold == 15.0 and not graph.busy, "the graph at 15")
        after = str(graph.render()).splitlines()
        assert after[0].split("·")[-1].strip() == scale, after[0]
        strip_line = lambda lines: [line.replace("─", " ") for line in lines]  # noqa: E731
        assert strip_line(after[1:-1]) == strip_line(bars)  # the same bars; only the line moved
        assert after[1:-1] != bars
