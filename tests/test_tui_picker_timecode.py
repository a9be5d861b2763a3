"""The picker's scene panel shows each scene's source timecode (the master's start timecode on,
drop-frame at 29.97), whole within 80x24, with the real app, database and ffmpeg."""

from __future__ import annotations

from pathlib import Path

import peewee

from core.pipeline.session import detect, detection_parameters
from db.models import ProcessingState
from tests.editorial_media import make_timecode_master
from tests.tui_flows import new_session, screen_is, until
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
