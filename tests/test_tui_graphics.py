"""How pictures are drawn (tui.graphics): the choice from the terminal's environment, the Kitty
graphics protocol path with a real frame of the cut video, and half blocks by default (the tests' and
snapshots' path, and the one a plain start keeps without importing textual-image)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest
from rich.cells import cell_len
from rich.segment import Segment

from tests.picker_flows import open_picker
from tests.tui_flows import detected_session, screen_is, until
from tui import graphics
from tui.app import create_app
from tui.screens.preview import PreviewScreen
from tui.thumbs import ThumbnailStore
from tui.widgets.picture import Picture
from tui.widgets.scene_grid import CELL_HEIGHT, GAP, THUMB_CELLS, GridPictures, SceneGrid
from tui.widgets.scene_panel import ScenePanel

KITTY_ESCAPE = "\x1b_G"  # the start of every Kitty graphics command
PLACEHOLDER = chr(0x10EEEE)  # the cell a Kitty picture is drawn in (with diacritics for row and column)
TTY = {"TERM": "xterm-256color"}
TMUX = {"TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0"}


@pytest.mark.parametrize(
    ("env", "tty", "passthrough", "expected"),
    [
        (TTY, True, False, "halfblocks"),  # nothing says a protocol is there
        ({"TERM": "xterm-kitty"}, True, False, "kitty"),
        ({**TTY, "KITTY_WINDOW_ID": "3"}, True, False, "kitty"),
        ({**TTY, "TERM_PROGRAM": "WezTerm"}, True, False, "probe"),
        ({**TTY, "TERM_PROGRAM": "iTerm.app"}, True, False, "probe"),
        ({"TERM": "xterm-kitty"}, False, False, "halfblocks"),  # stdout is not a terminal
        ({"TERM": "xterm-kitty", "NO_COLOR": "1"}, True, False, "halfblocks"),
        ({"TERM": "dumb", "KITTY_WINDOW_ID": "3"}, True, False, "halfblocks"),
        ({**TMUX, "KITTY_WINDOW_ID": "3"}, True, False, "halfblocks"),  # tmux without passthrough
        (TMUX, True, True, "probe"),
        ({**TTY, "VAT_GRAPHICS": "kitty"}, True, False, "kitty"),
        ({"TERM": "xterm-kitty", "VAT_GRAPHICS": "halfblocks"}, True, False, "halfblocks"),
        ({**TTY, "VAT_GRAPHICS": "Sixel"}, True, False, "sixel"),
        ({"TERM": "xterm-kitty", "VAT_GRAPHICS": "auto"}, True, False, "kitty"),
        ({**TTY, "VAT_GRAPHICS": "pictures please"}, True, False, "halfblocks"),  # unknown: as auto
    ],
)
def test_the_way_pictures_are_drawn_follows_the_terminal(
    env: dict[str, str], tty: bool, passthrough: bool, expected: str
) -> None:
    assert graphics.choose(env, tty, passthrough) == expected


def test_a_plain_start_keeps_half_blocks_without_importing_textual_image(tmp_path: Path) -> None:
    """Run as the app starts (decide before Textual), in a fresh interpreter whose stdout is a pipe."""
    code = (
        "import sys; from tui import graphics; "
        "print(graphics.decide({'TERM': 'xterm-kitty'}), 'textual_image' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.split() == ["halfblocks", "False"]


def test_kitty_pictures_get_24_bit_colour_over_ssh(monkeypatch: pytest.MonkeyPatch, db: peewee.SqliteDatabase) -> None:
    """Over SSH only TERM=xterm-kitty arrives: Textual would draw 256 colours, and the placeholders'
    colour (the picture's name) would be rounded away."""
    monkeypatch.setenv("TERM", "xterm-kitty")
    monkeypatch.delenv("COLORTERM", raising=False)
    assert create_app().console.color_system == "256"
    graphics.with_truecolor(os.environ)
    assert create_app().console.color_system == "truecolor"


@pytest.fixture
def kitty(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Kitty pictures, with what textual-image writes to the terminal (sys.__stdout__) kept here."""
    written = io.StringIO()
    monkeypatch.setattr(sys, "__stdout__", written)
    graphics.use("kitty", (8, 16))
    yield written
    graphics.use("halfblocks")


def test_a_frame_drawn_with_kitty_graphics(kitty: io.StringIO, cut_video: Path) -> None:
    image = ThumbnailStore(cut_video, 0, False).decode(40, 160)  # scene 2 of the cut video
    rows = graphics.picture_lines(image, 20, 8)
    sent = kitty.getvalue()
    assert sent.startswith(KITTY_ESCAPE) and "f=100" in sent  # the frame as PNG
    assert f"{KITTY_ESCAPE}a=p," in sent and ",U=1," in sent  # placed by unicode placeholders
    assert len(rows) == 8 and all(sum(cell_len(s.text) for s in row) == 20 for row in rows)
    # 160x96 on 8x16-pixel cells, 20 cells wide: 6 lines high, centred down
    drawn = [i for i, row in enumerate(rows) if any(PLACEHOLDER in s.text for s in row)]
    assert drawn == [1, 2, 3, 4, 5, 6]


def test_half_blocks_by_default(cut_video: Path) -> None:
    assert graphics.mode() == "halfblocks"
    image = ThumbnailStore(cut_video, 0, False).decode(40, 160)
    rows = graphics.picture_lines(image, 20, 8)
    assert all(PLACEHOLDER not in s.text for row in rows for s in row)
    assert any("▄" in s.text for row in rows for s in row)


def drawn_in_own_colour(segment: Segment, sent: str) -> bool:
    """A Kitty placeholder's colour names its picture (textual-image: the id's low 24 bits as R, G, B,
    its high byte as the fourth character, a diacritic), one of the pictures sent to the terminal."""
    from textual_image.renderable.tgp import _NUMBER_TO_DIACRITIC

    if PLACEHOLDER not in segment.text:
        return True
    color = segment.style.color if segment.style else None
    if color is None or color.triplet is None:
        return False
    red, green, blue = color.triplet
    ids = {int(found) for found in re.findall(r"\x1b_Gi=(\d+),", sent)}
    return any(
        i & 0xFFFFFF == (red << 16 | green << 8 | blue) and segment.text[3] == chr(_NUMBER_TO_DIACRITIC[i >> 24 & 255])
        for i in ids
    )


def placeholders(segments: list[Segment]) -> bool:
    return any(PLACEHOLDER in s.text for s in segments)


async def test_the_picker_panel_grid_and_preview_show_kitty_pictures(
    kitty: io.StringIO, db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    detected_session(cut_video, tmp_path / "out")
    app = create_app(cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await open_picker(pilot)
        panel = picker.query_one(ScenePanel)
        await until(
            pilot,
            lambda: any(placeholders(list(panel.render_line(y))) for y in range(panel.size.height)),
            "the panel's Kitty picture",
        )
        # drawn as Textual draws it, each placeholder keeps the colour that names its picture
        assert all(
            drawn_in_own_colour(segment, kitty.getvalue())
            for y in range(panel.size.height)
            for segment in panel.render_line(y)
        )
        await pilot.press("o")
        grid = picker.query_one(SceneGrid)
        await until(pilot, lambda: placeholders(list(grid.render_line(0))), "the grid's Kitty pictures")
        assert all(
            drawn_in_own_colour(segment, kitty.getvalue())
            for y in range(grid.size.height)
            for segment in grid.render_line(y)
        )
        await pilot.press("p")
        preview = await screen_is(pilot, PreviewScreen)
        picture = preview.query_one("#picture-1", Picture)
        await until(pilot, lambda: picture.image is not None, "the middle frame")
        await pilot.pause()
        assert placeholders(list(picture.render_line(0)))
    assert kitty.getvalue().count(f"{KITTY_ESCAPE}a=p,") >= 1 + 5 + 3  # the panel's, the grid's, the preview's


@pytest.mark.slow  # measured among the longest: make test runs it, test-fast stays under 3 minutes
async def test_sixel_pictures_are_drawn_by_textual_image_in_the_panel_and_the_preview(
    db: peewee.SqliteDatabase, cut_video: Path, tmp_path: Path
) -> None:
    """Sixel cannot go through render(): textual-image's widget draws it, sized to the fitted picture."""
    from textual_image.widget import SixelImage

    graphics.use("sixel", (8, 16))
    try:
        detected_session(cut_video, tmp_path / "out")
        app = create_app(cursor_blink=False)
        async with app.run_test(size=(120, 40)) as pilot:
            picker = await open_picker(pilot)
            sixel = picker.query_one(ScenePanel).query_one(SixelImage)
            await until(pilot, lambda: sixel.image is not None, "the panel's Sixel picture")
            await pilot.pause()
            # 160x96 on 8x16-pixel cells across the panel's 51 cells (54, less its border and padding)
            panel_cells = picker.query_one(ScenePanel).content_size.width
            assert panel_cells == 51 and (sixel.size.width, sixel.size.height) == (51, round(51 * 8 * 96 / 160 / 16))
            drawn = [strip.text for strip in picker._compositor.render_strips()]
            details = next(y for y, text in enumerate(drawn) if "Scene 1  marked" in text)
            assert details == sixel.region.bottom + 1  # the details right under the picture, as drawn
            await pilot.press("o")  # the grid: a Sixel over each wholly shown cell, the cell left blank
            grid = picker.query_one(SceneGrid)
            layer = grid.sixels
            assert isinstance(layer, GridPictures)
            await until(pilot, lambda: len(layer.shown) == 5, "the grid's five Sixel pictures")
            await pilot.pause()
            columns = grid.columns
            for index, picture in layer.shown.items():
                row, column = divmod(index, columns)
                x = grid.region.x + column * (THUMB_CELLS + GAP) + GAP
                y = grid.region.y + row * CELL_HEIGHT
                # 160x96 in 16x5 cells of 8x16 pixels: 16 x 5 (4.8), at the cell's top left
                assert (picture.region.x, picture.region.y, picture.size.width, picture.size.height) == (x, y, 16, 5)
                assert grid.render_line(row * CELL_HEIGHT).text[x - grid.region.x :][:16] == " " * 16
            screen = "\n".join(strip.text for strip in picker._compositor.render_strips())
            assert "[x] 1" in screen and "[x] 5" in screen  # the captions beside the pictures' layer
            await pilot.press("o")
            await pilot.pause()
            assert not layer.shown and not picker.query(".grid-sixel")
            await pilot.press("p")
            preview = await screen_is(pilot, PreviewScreen)
            pictures = list(preview.query(Picture))
            await until(pilot, lambda: all(p.query_one(SixelImage).image is not None for p in pictures), "3 frames")
            await pilot.pause()
            sizes = {(p.query_one(SixelImage).size.width, p.query_one(SixelImage).size.height) for p in pictures}
            assert len(sizes) == 1  # the three line up
            drawing = pictures[0].query_one(SixelImage).children[0]  # textual-image's, that writes the Sixel
            strips = drawing.render_lines(drawing.region.reset_offset)
            assert any("\x1bP" in segment.text for strip in strips for segment in strip)  # a Sixel DCS
    finally:
        graphics.use("halfblocks")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="no tmux here")
def test_tmux_passthrough_is_asked_of_the_tmux_around_us(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    socket = tmp_path / "tmux.sock"
    tmux = ["tmux", "-S", str(socket), "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-x", "80", "-y", "24"], check=True, timeout=10)
    try:
        monkeypatch.setenv("TMUX", f"{socket},1,0")  # as tmux sets it inside its panes
        assert not graphics.tmux_passthrough()  # tmux's default: off
        subprocess.run([*tmux, "set", "-g", "allow-passthrough", "on"], check=True, timeout=10)
        assert graphics.tmux_passthrough()
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, timeout=10)
    monkeypatch.setenv("TMUX", f"{tmp_path / 'gone.sock'},1,0")
    assert not graphics.tmux_passthrough()  # no server: half blocks, no error
