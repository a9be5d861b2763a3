"""The live threshold keeps the marks and groups (issue 13, found by a tester): every step carries them
from where stepping began, by frames, so a boundary that moves a few frames and back, or a scene that
merges into its neighbour and comes back, keeps its mark. Real app, database and ffmpeg, on the
transition footage (tests/transition_media.py: cuts, dissolves and fades) detected with `transitions`."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from textual.pilot import Pilot

from core.pipeline.session import detect, detection_parameters, save_selection
from db.models import ProcessingState
from tests.transition_media import Footage
from tests.tui_flows import new_session, screen_is, stored, until
from tui.app import create_app
from tui.screens.picker import PickerScreen
from tui.widgets.detection_graph import DetectionGraph


def detected(footage: Footage, tmp_path: Path) -> ProcessingState:
    session = new_session(footage.path, tmp_path / "out", detector="transitions")
    detect(session, *detection_parameters("transitions", None, None))
    return ProcessingState.get_by_id(session.id)


def starts(session_id: str) -> list[int]:
    return [s["start_frame"] for s in stored(session_id).scenes_data]


async def open_graph(pilot: Pilot) -> PickerScreen:
    await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
    await pilot.press("enter")
    picker = await screen_is(pilot, PickerScreen)
    await pilot.press("d")
    graph = picker.query_one(DetectionGraph)
    await until(pilot, lambda: graph.scores is not None, "the statistics to load")
    return picker


async def step(pilot: Pilot, picker: PickerScreen, key: str) -> list[int]:
    """One key, then until its scenes are stored and shown: the scenes' first frames."""
    await pilot.press(key)
    sid = picker.session_id

    def done() -> bool:
        saved = stored(sid)
        graph = picker.graph
        return (
            graph.pending is None
            and saved.scene_threshold == graph.threshold
            and saved.min_scene_length == graph.min_len
            and [s.start_frame for s in picker.scenes] == starts(sid)
        )

    await until(pilot, done, f"the step {key} stored")
    await pilot.pause()
    return starts(sid)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_stepping_up_and_back_keeps_every_mark(
    db: peewee.SqliteDatabase, transition_footage: Footage, tmp_path: Path
) -> None:
    session = detected(transition_footage, tmp_path)
    first = starts(session.session_id)
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_graph(pilot)
        await pilot.press("a")
        seen = [await step(pilot, picker, "plus") for _ in range(5)]
        assert any(len(s) < len(first) for s in seen)  # scenes merged on the way up
        assert picker.picks.chosen() == list(range(1, len(picker.scenes) + 1))  # every frame is marked
        back = [await step(pilot, picker, "minus") for _ in range(5)]
        assert back[-1] == first
        saved = stored(session.session_id)
        assert saved.selected_scenes == list(range(1, len(first) + 1))
        assert f"{len(first)}/{len(first)} marked" in str(picker.query_one("#picker-status").render())


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_groups_come_back_exactly_and_a_change_between_steps_starts_anew(
    db: peewee.SqliteDatabase, transition_footage: Footage, tmp_path: Path
) -> None:
    session = detected(transition_footage, tmp_path)
    sid = session.session_id
    first = starts(sid)
    assert len(first) == 8
    save_selection(session, [2, 3, 5, 6, 7], [(2, 3), (5, 6)], cursor=0)
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        picker = await open_graph(pilot)
        for keys in (["plus"] * 5 + ["minus"] * 5, ["greater_than_sign"] * 3 + ["less_than_sign"] * 3):
            seen = [await step(pilot, picker, key) for key in keys]
            assert min(len(s) for s in seen) < len(first)  # scenes merged or went on the way
            assert seen[-1] == first
            saved = stored(sid)
            assert saved.selected_scenes == [2, 3, 5, 6, 7] and saved.grouped_scenes == [[2, 3], [5, 6]]

        # up two steps (scenes 2 and 3 merge into 1), then every mark cleared: stepping back starts
        # from what the user has now, so nothing comes back marked
        await step(pilot, picker, "plus")
        assert len(await step(pilot, picker, "plus")) == 6
        await pilot.press("x")
        await step(pilot, picker, "minus")
        assert await step(pilot, picker, "minus") == first
        saved = stored(sid)
        assert saved.selected_scenes == [] and saved.grouped_scenes == []
