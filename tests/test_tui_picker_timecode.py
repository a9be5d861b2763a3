"""The picker's scene panel shows each scene's source timecode (the master's start timecode on,
drop-frame at 29.97), whole within 80x24, with the real app, database and ffmpeg; and a session whose
scenes came from a file (--scenes-from) opens there as a detected one does."""

from __future__ import annotations

from pathlib import Path

import peewee

from core.detection.scene_file import detection_from_file
from core.pipeline.session import detect, detection_parameters, store_scene_file
from db.models import ProcessingState
from tests.editorial_media import make_timecode_master
from tests.tui_flows import new_session, screen_is, text_of, until
from tui.app import create_app
from tui.screens.picker import PickerScreen
from tui.widgets.scene_panel import ScenePanel


async def test_the_panel_shows_drop_frame_source_timecode_within_80_columns(
    db: peewee.SqliteDatabase, tmp_path: Path
) -> None:
    # scenes of 20, 24, 18, 22 frames from 00:00:59;28: the labels ;00 and ;01 of minute 1 are skipped
    master = make_timecode_master(tmp_path / "master.mov", "30000/1001", "00:00:59;28")
    session = new_session(master, tmp_path / "out", "Night Piece", detector="content")
    detect(session, *detection_parameters("content", None, 10))
    scenes = ProcessingState.get_by_id(session.id).scenes_data
    assert [(s["start_frame"], s["end_frame"]) for s in scenes][:2] == [(0, 19), (20, 43)]
    # written out by hand: frame 0 is 00:00:59;28, frame 2 is 00:01:00;02, frame 44 is 00:01:01;14
    expected = {1: "00:00:59;28–00:01:00;20", 2: "00:01:00;20–00:01:01;14"}
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
        await pilot.press("enter")
        picker = await screen_is(pilot, PickerScreen)
        panel = picker.query_one(ScenePanel)
        for number, line in expected.items():
            await pilot.press("home", *["j"] * (number - 1))
            await pilot.pause()
            drawn = [panel.render_line(y).text for y in range(panel.size.height)]
            # whole on one line of the panel, under the scene's times
            times = next(y for y, text in enumerate(drawn) if " → " in text)
            assert drawn[times + 1].strip() in (line, f"TC {line}"), (number, drawn[times : times + 2])


async def test_a_session_listed_from_a_file_opens_in_the_picker_saying_so(
    db: peewee.SqliteDatabase, tmp_path: Path, cut_video: Path
) -> None:
    """--scenes-from's scenes stored as a detection: the picker takes them as it takes detected ones."""
    listing = tmp_path / "holes.csv"  # PySceneDetect's columns, frames from 1; a gap before and after
    listing.write_text("Scene Number,Start Frame,End Frame\n1,11,30\n2,56,95\n")
    session = new_session(cut_video, tmp_path / "out", "Listed")
    store_scene_file(session, detection_from_file(listing, cut_video), listing)
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
        await pilot.press("enter")
        picker = await screen_is(pilot, PickerScreen)
        assert "5 scenes (from holes.csv)" in text_of(picker, "#picker-title")
        assert [(s.start_frame, s.end_frame) for s in picker.scenes] == [
            (0, 9),
            (10, 29),
            (30, 54),
            (55, 94),
            (95, 149),
        ]
        await pilot.press("home", "j")
        panel = picker.query_one(ScenePanel)
        drawn = [panel.render_line(y).text for y in range(panel.size.height)]
        assert any("frames 10-29" in text for text in drawn) and any("00:00:00:10–00:00:01:05" in t for t in drawn)
