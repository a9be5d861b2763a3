"""The preview's three frames stand evenly apart (issue 13): 1fr columns rounded to widths a cell
apart and left gaps of 2 and 3 cells between the pictures at 120 columns."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest

from tests.picker_flows import preview_pictures
from tests.tui_flows import detected_session
from tui.app import create_app

HALF_BLOCK = "▄"


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (121, 30)])
async def test_the_gaps_between_the_preview_frames_are_equal(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    detected_session(cut_video, tmp_path / "out")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        preview, pictures = await preview_pictures(pilot)
        spans = []  # (first column, last column + 1) of each picture's top line, on the screen
        for picture in pictures:
            text = picture.render_line(0).text
            start = picture.region.x + text.index(HALF_BLOCK)
            spans.append((start, start + text.count(HALF_BLOCK)))
        gaps = [spans[i + 1][0] - spans[i][1] for i in range(len(spans) - 1)]
        assert gaps[0] == gaps[1] >= 2, (gaps, spans)
        frame = preview.query_one("#frames").content_region
        # the group in the middle: the room either side differs by a cell at most
        assert abs((spans[0][0] - frame.x) - (frame.right - spans[-1][1])) <= 1, (spans, frame)
