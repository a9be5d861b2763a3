"""The picker shows the master's own chapters beside the scenes: a § after the number of each scene a
chapter starts in, the chapter's title in the panel (one line, cut to fit, controls escaped), at 80x24.
Real app (Pilot), database and ffmpeg: the chapters are read from the master when it is detected."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from rich.console import Group
from rich.text import Text

from db.models import ProcessingState
from tests.media import make_chaptered
from tests.test_tui_picker import open_picker, row
from tests.tui_flows import detected_session
from tui.app import create_app
from tui.widgets.scene_list import SceneList
from tui.widgets.scene_panel import ScenePanel

# scenes start at frames 0, 30, 55, 95, 120 (25 fps): chapters start in scenes 1, 2 and 4
CHAPTERS = [
    (0.0, 2.0, "Opening"),
    (2.0, 4.4, "Middle: a title far too long for the panel"),
    (4.4, 6.0, "\x1b[31mEnd"),
]


@pytest.fixture
def session(db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path) -> ProcessingState:
    master = make_chaptered(cut_video, tmp_path / "chaptered.mp4", CHAPTERS, "Chaptered")
    return detected_session(master, tmp_path / "out")


def chapter_line(panel: ScenePanel) -> str:
    rendered = panel.render()
    assert isinstance(rendered, Group)
    details = rendered.renderables[-1]
    assert isinstance(details, Text)
    return details.plain.splitlines()[-1]


async def test_the_picker_marks_the_scenes_chapters_start_in_and_names_them(session: ProcessingState) -> None:
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot)
        marked = [n for n in range(1, 6) if "§" in row(picker, n)]
        assert marked == [1, 2, 4]
        # the mark takes the space after the number: the columns stay where the header says
        header = picker.query_one("#list-header").render()
        begins = str(header).index("begins") + 1  # the rows' first cell is the cursor's
        assert row(picker, 2).index("§") + 2 == row(picker, 2).index("cut") == row(picker, 3).index("cut") == begins
        scene_list = picker.query_one(SceneList)
        assert all(len(row(picker, n).rstrip()) <= scene_list.scrollable_content_region.width for n in range(1, 6))

        panel = picker.query_one(ScenePanel)
        assert chapter_line(panel) == "§ Opening"
        await pilot.press("j", "j")  # scene 3 lies in the second chapter, which starts in scene 2
        line = chapter_line(panel)
        assert line.startswith("in § Middle: a title") and line.endswith("…")
        assert len(line) <= panel.content_size.width
        await pilot.press("j")  # a title from the file: its escape sequence shown, never sent
        assert chapter_line(panel) == "§ \\x1b[31mEnd"
        await pilot.press("j")
        assert chapter_line(panel).startswith("in § \\x1b")
