"""The picker's detection graph and live threshold (d, -/+, </>), with the real app, database and
ffmpeg, on the cut video detected with the default `transitions` detector. Its four cuts score 15.1
(frame 30), 13.7 (55), 11.6 (95) and 20.2 (120): at threshold 12 the scenes start at 0, 30, 55, 120;
one step down (10) brings back 95, two steps up (15) drop 55."""

from __future__ import annotations

import shutil
from pathlib import Path

import peewee
import pytest
from textual.pilot import Pilot

from core.pipeline.lock import SessionLock
from core.pipeline.scene_texts import set_texts
from core.pipeline.session import detect, save_selection
from db.models import OperationLog, ProcessingState
from tests.picker_flows import copied_master, open_picker
from tests.tui_flows import new_session, stored, text_of, until
from tui.app import create_app
from tui.screens.picker import PickerScreen
from tui.widgets.detection_graph import DetectionGraph


@pytest.fixture
def master(tmp_path: Path, cut_video: Path) -> Path:
    return copied_master(cut_video, tmp_path)


@pytest.fixture
def session(db: peewee.SqliteDatabase, master: Path, tmp_path: Path) -> ProcessingState:
    """Detected at threshold 12 (4 scenes); scenes 1, 3 and 4 marked, 3-4 grouped, scene 4 titled."""
    session = new_session(master, tmp_path / "out", detector="transitions")
    detect(session, "transitions", 12.0, 15)
    session = ProcessingState.get_by_id(session.id)
    assert [s["start_frame"] for s in session.scenes_data] == [0, 30, 55, 120]
    save_selection(session, [1, 3, 4], [(3, 4)], cursor=0)
    set_texts(session, 4, "Harbour", "the last shot")
    return ProcessingState.get_by_id(session.id)


async def show_graph(pilot: Pilot, picker: PickerScreen) -> DetectionGraph:
    await pilot.press("d")
    graph = picker.query_one(DetectionGraph)
    assert graph.display
    await until(pilot, lambda: graph.scores is not None, "the statistics to load")
    return graph


def starts(session_id: str) -> list[int]:
    return [s["start_frame"] for s in stored(session_id).scenes_data]


def graph_text(graph: DetectionGraph) -> str:
    return str(graph.render())


async def derived(pilot: Pilot, session_id: str, count: int) -> None:
    await until(pilot, lambda: len(stored(session_id).scenes_data) == count, f"{count} scenes stored")
    await pilot.pause()


async def test_d_shows_the_graph_with_its_threshold(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        assert not picker.query_one(DetectionGraph).display  # hidden until d
        graph = await show_graph(pilot, picker)
        text = graph_text(graph)
        assert "threshold 12 -/+" in text and "min 15 frames </>" in text and "4 scenes" in text
        assert len(graph.scores) == 150  # type: ignore[arg-type]
        assert text.count("┃") == 3  # scenes 2, 3 and 4 start at a cut
        await pilot.press("d")
        assert not graph.display


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_threshold_keys_derive_the_scenes_again_and_keep_the_marks(
    session: ProcessingState, master: Path
) -> None:
    sid = session.session_id
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        await show_graph(pilot, picker)
        master.rename(master.with_name("moved.mp4"))  # from here on nothing reads it: no decoding
        await pilot.press("minus")  # 12 -> 10: the cut at 95 comes back
        await derived(pilot, sid, 5)
        saved = stored(sid)
        assert starts(sid) == [0, 30, 55, 95, 120] and saved.scene_threshold == 10.0
        # marks on the scenes that kept their first frame; the group 55-149 still bounds scenes 3-5
        assert saved.selected_scenes == [1, 3, 4, 5] and saved.grouped_scenes == [[3, 5]]
        assert saved.scenes_data[4].get("title") == "Harbour"  # the scene 120-149 did not change
        assert len(picker.scenes) == 5 and "5 scenes (transitions 10, min 15 frames)" in text_of(
            picker, "#picker-title"
        )
        assert "threshold 10 -/+" in graph_text(picker.query_one(DetectionGraph))

        await pilot.press("plus", "equals_sign")  # 10 -> 12 -> 15: 95 and 55 go
        await derived(pilot, sid, 3)
        saved = stored(sid)
        assert starts(sid) == [0, 30, 120] and saved.scene_threshold == 15.0
        # carried from the scenes at 12 by frames: 30-119 lay mostly in marked scene 55-119 (65 of 90
        # frames), and mostly in the group 55-149, which holds 2 scenes still
        assert saved.selected_scenes == [1, 2, 3] and saved.grouped_scenes == [[2, 3]]
        assert saved.scenes_data[2].get("title") == "Harbour"

        await pilot.press("greater_than_sign")  # min 15 -> 20: nothing closer than 30 frames, no change
        await until(pilot, lambda: stored(sid).min_scene_length == 20, "min 20 stored")
        assert starts(sid) == [0, 30, 120]
        await pilot.press("greater_than_sign", "greater_than_sign", "greater_than_sign")  # 25, 30, 40
        await derived(pilot, sid, 2)  # the cut at 30 is now too close to the start
        assert starts(sid) == [0, 120] and stored(sid).min_scene_length == 40
        await pilot.press("less_than_sign")  # 40 -> 30: it comes back
        await derived(pilot, sid, 3)
        row = OperationLog.get(OperationLog.session == sid, OperationLog.operation_name == "scene_detection")
        assert row.settings_used["derived_live"] and row.settings_used["threshold"] == 15.0

    # a new app (a dropped connection): the new scenes, threshold and marks are there
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_picker(pilot)
        assert [s.start_frame for s in picker.scenes] == [0, 30, 120]
        assert picker.picks.chosen() == [1, 2, 3]
        assert "3 scenes (transitions 15, min 30 frames)" in text_of(picker, "#picker-title")


async def test_no_statistics_says_why_and_changes_nothing(session: ProcessingState, cache_home: Path) -> None:
    folders = [path for path in cache_home.rglob("detect") if path.is_dir()]
    assert folders
    for folder in folders:  # the statistics cache cleared
        shutil.rmtree(folder)
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await pilot.press("d")
        graph = picker.query_one(DetectionGraph)
        await until(pilot, lambda: "no statistics" in graph_text(graph), "the graph to say why")
        assert "cache" in graph_text(graph) and "t detects again" in graph_text(graph)
        await pilot.press("plus")
        await pilot.pause(0.3)
        assert starts(session.session_id) == [0, 30, 55, 120]
        assert any("cannot derive" in str(n.message) for n in app._notifications)


async def test_no_change_while_another_process_holds_the_session(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await show_graph(pilot, picker)
        with SessionLock(session.session_id):  # as a detached detection holds it
            await pilot.press("minus")
            await pilot.pause(0.3)
        assert starts(session.session_id) == [0, 30, 55, 120]
        assert any("working on this session" in str(n.message) for n in app._notifications)


async def test_a_step_right_before_quitting_is_saved(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        await show_graph(pilot, picker)
        # a step asked for (12 -> 10) whose derivation has not come back when vat closes (a dropped
        # connection): as step() leaves it, without its worker, so that the race cannot hide it
        control = picker.graph
        control.threshold, control.asked = 10.0, control.asked + 1
        control.pending = control.asked
        app.exit()
    saved = stored(session.session_id)
    assert starts(session.session_id) == [0, 30, 55, 95, 120] and saved.scene_threshold == 10.0
    assert saved.selected_scenes == [1, 3, 4, 5] and saved.grouped_scenes == [[3, 5]]
