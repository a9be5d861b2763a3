"""/'s dialog on a master with its own timecode (issue 13): its example is a timecode inside this
master, and drop-frame (';') is refused on a master whose timecode cannot be drop-frame."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from core.media.timecode import SourceTimecode
from core.pipeline.session import detect, detection_parameters
from tests.editorial_media import make_timecode_master
from tests.tui_flows import new_session, screen_is, text_of, until
from tui.app import create_app
from tui.jump_target import scene_at
from tui.screens.jump import JumpScreen
from tui.screens.picker import PickerScreen
from tui.widgets.scene_list import SceneList


async def open_jump(pilot: Pilot) -> tuple[PickerScreen, JumpScreen]:
    await until(pilot, lambda: pilot.app.screen.query("#sessions"), "the sessions list")
    await pilot.press("enter")
    picker = await screen_is(pilot, PickerScreen)
    await pilot.press("slash")
    return picker, await screen_is(pilot, JumpScreen)


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_example_is_inside_the_master_and_drop_frame_is_refused_at_25_fps(
    db: peewee.SqliteDatabase, tmp_path: Path
) -> None:
    master = make_timecode_master(tmp_path / "master.mov", "25", "01:00:00:00")
    session = new_session(master, tmp_path / "out", "Day Piece", detector="content")
    detect(session, *detection_parameters("content", None, 10))
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker, dialog = await open_jump(pilot)
        hint = str(dialog.query(".hint").first().render())
        assert "timecode from 01:00:00:00, 25 fps" in hint and "drop-frame" not in hint
        examples = str(dialog.query_one("#jump-number", Input).placeholder).split(", ")
        timecode = next(e for e in examples if e.count(":") == 3)
        assert timecode.startswith("01:00:"), examples
        # each example goes somewhere: the timecode to the scene that holds it
        scenes = picker.scenes
        for example in examples[1:]:
            scene_at(example, scenes, picker._source_timecode())
        await pilot.press(*timecode, "enter")
        await pilot.pause()
        assert app.screen is picker, text_of(dialog, "#jump-error")
        assert picker.query_one(SceneList).cursor + 1 == len(scenes) // 2 + 1
        await pilot.press("slash")
        dialog = await screen_is(pilot, JumpScreen)
        await pilot.press(*"01:00:01;10", "enter")
        await pilot.pause()
        assert app.screen is dialog, "a drop-frame label on a 25 fps master is refused"
        error = text_of(dialog, "#jump-error")
        assert "drop-frame timecode exists only at 29.97 and 59.94 fps" in error, error


def test_a_drop_frame_label_on_a_non_drop_29_97_master_says_so() -> None:
    from core.scene import Scene

    scenes = [Scene(1, 0, 99, 0.0, 100 / 29.97)]
    source = SourceTimecode.of(30000 / 1001, "00:00:00:00")
    assert scene_at("00:00:01:00", scenes, source) == 1
    with pytest.raises(ValueError, match="this master's timecode is not drop-frame"):
        scene_at("00:00:01;00", scenes, source)


def test_the_unreadable_input_error_names_drop_frame_only_on_a_drop_frame_master() -> None:
    from core.scene import Scene

    scenes = [Scene(1, 0, 99, 0.0, 4.0)]
    with pytest.raises(ValueError) as on_25:
        scene_at("soon", scenes, SourceTimecode.of(25.0, "01:00:00:00"))
    assert "HH:MM:SS:FF" in str(on_25.value) and "drop-frame" not in str(on_25.value)
    with pytest.raises(ValueError, match=r"\(;FF drop-frame\)"):
        scene_at("soon", scenes, SourceTimecode.of(30000 / 1001, "00:00:00;00"))
