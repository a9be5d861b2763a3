"""The picker's pictures fill the room they have, with the real app, database and ffmpeg on the cut
video (160x96 frames): the panel's picture grows with the terminal, and the preview's three frames
line up (the same top, the same size)."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest

from db.models import ProcessingState
from tests.picker_flows import open_picker, preview_pictures
from tests.tui_flows import detected_session, until
from tui.app import create_app
from tui.widgets.scene_panel import ScenePanel, panel_width

HALF_BLOCK = "▄"


@pytest.fixture
def session(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> ProcessingState:
    return detected_session(cut_video, tmp_path / "out")


def test_the_panel_takes_what_the_list_leaves() -> None:
    assert panel_width(80, 62) == 26  # 80 columns: as before
    assert panel_width(120, 62) == 54  # 45% of the screen at most
    assert panel_width(120, 86) == 40  # long titles in the list: 40 at least
    assert panel_width(200, 62) == 90


async def panel_picture_lines(size: tuple[int, int]) -> int:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        picker = await open_picker(pilot)
        panel = picker.query_one(ScenePanel)
        await until(pilot, lambda: HALF_BLOCK in panel.render_line(0).text, "the panel's picture")
        return sum(HALF_BLOCK in panel.render_line(y).text for y in range(panel.size.height))


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_the_panel_picture_grows_with_the_terminal(session: ProcessingState) -> None:
    lines = [await panel_picture_lines(size) for size in ((80, 24), (120, 30), (120, 40), (160, 50))]
    assert lines[0] == 7  # 24 cells wide (6 on main, which took every picture for 16:9)
    assert lines[0] < lines[1] < lines[2] < lines[3], lines
    assert lines[1] == 30 - 4 - 13  # the height left above the details (header, title, status, footer)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_three_preview_frames_line_up(session: ProcessingState, size: tuple[int, int]) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        _, pictures = await preview_pictures(pilot)
        shapes = []
        for picture in pictures:
            rows = [picture.render_line(y).text for y in range(picture.size.height)]
            drawn = [y for y, text in enumerate(rows) if HALF_BLOCK in text]
            widths = {text.count(HALF_BLOCK) for text in rows if HALF_BLOCK in text}
            shapes.append((drawn[0], len(drawn), widths))
        assert shapes[0] == shapes[1] == shapes[2], shapes
        assert shapes[0][0] == 0 and len(shapes[0][2]) == 1  # at the top, every line as wide
