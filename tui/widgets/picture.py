"""A frame fitted to the widget's size (re-fitted when it is resized), at the top of the widget so that
it sits right under the caption above it: half blocks, a Kitty picture, or a Sixel picture drawn by
textual-image's widget inside this one (tui.graphics decides which at startup)."""

from __future__ import annotations

from typing import Any

from PIL import Image
from rich.console import RenderableType
from rich.segment import Segment
from rich.text import Text
from rich_pixels import Pixels
from textual.app import ComposeResult
from textual.widget import Widget

from tui import graphics


def lines_renderable(rows: list[list[Segment]]) -> Pixels:
    """Rows of segments as one renderable (a Static's or a render()'s)."""
    segments: list[Segment] = []
    for i, row in enumerate(rows):
        segments += row
        if i < len(rows) - 1:
            segments.append(Segment.line())
    return Pixels.from_segments(segments)


class Picture(Widget):
    DEFAULT_CSS = """
    Picture {
        height: 1fr;
        width: 1fr;
        content-align: center middle;
        align: center top;
    }
    """

    def __init__(self, placeholder: str = "decoding…", id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.image: Image.Image | None = None
        self.placeholder = placeholder
        # cells x lines to fit the image in instead of the whole widget: pictures side by side that
        # share one size line up whatever the rounding of their columns
        self.box: tuple[int, int] | None = None
        self._version = 0  # counts the images set: the rows below are of this one
        self._drawn: tuple[int, int, int] | None = None  # (version, cells, lines) of the rows below
        self._rows: list[list[Segment]] = []
        self._kitty: list[Any] = []  # Kitty images shown: freed in the terminal when replaced

    def compose(self) -> ComposeResult:
        if graphics.mode() == "sixel":  # Sixel cannot go through render(): textual-image's widget draws it
            from textual_image.widget import SixelImage

            yield SixelImage(id="sixel")

    def set_image(self, image: Image.Image | None, placeholder: str | None = None) -> None:
        self.image = image
        self._version += 1
        if placeholder is not None:
            self.placeholder = placeholder
        self._update_sixel()
        self.refresh()

    def set_box(self, box: tuple[int, int] | None) -> None:
        if box != self.box:
            self.box = box
            self._update_sixel()
            self.refresh()

    def on_resize(self) -> None:
        self._update_sixel()

    def fitted_area(self) -> tuple[int, int]:
        width, height = self.content_size
        if self.box is not None:
            width, height = min(width, self.box[0]), min(height, self.box[1])
        return width, height

    def _update_sixel(self) -> None:
        if graphics.mode() != "sixel" or not self.is_mounted:
            return
        sixel = self.query_one("#sixel")
        cells, lines = self.fitted_area()
        w, h = graphics.fit_cells(self.image.size, cells, lines) if self.image is not None else (0, 0)
        sixel.styles.width, sixel.styles.height = max(1, w), max(1, h)
        sixel.image = self.image if w and h else None  # type: ignore[attr-defined]

    def render(self) -> RenderableType:
        width, height = self.content_size
        cells, lines = self.fitted_area()
        if self.image is None or cells <= 0 or lines <= 0:
            return Text(self.placeholder, style="dim", justify="center")
        if graphics.mode() == "sixel":
            return ""
        key = (self._version, cells, lines)
        if key != self._drawn:
            for old in self._kitty:
                old.cleanup()
            self._kitty = []
            self._rows = graphics.picture_lines(self.image, cells, lines, top_aligned=True, picture=self._kitty)
            self._drawn = key
        left = (width - cells) // 2
        pad = [Segment(" " * left)] if left else []
        rows = [[*pad, *row, Segment(" " * (width - cells - left))] for row in self._rows]
        rows += [[Segment(" " * width)]] * (height - len(rows))
        return lines_renderable(rows)

    def on_unmount(self) -> None:
        for old in self._kitty:
            old.cleanup()
        self._kitty = []
