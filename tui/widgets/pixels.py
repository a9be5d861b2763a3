"""Images as terminal cells with rich-pixels' half blocks (two pixels per cell, one above the other)."""

from __future__ import annotations

from PIL import Image
from rich.segment import Segment
from rich_pixels import HalfcellRenderer, Pixels

_RENDERER = HalfcellRenderer()


def fit(size: tuple[int, int], cells: int, lines: int) -> tuple[int, int]:
    """Pixel size that fits `cells` x `lines` (a cell is one pixel wide, two high), aspect kept."""
    width, height = size
    if width <= 0 or height <= 0 or cells <= 0 or lines <= 0:
        return 0, 0
    px_w, px_h = cells, round(cells * height / width)
    if px_h > 2 * lines:
        px_w, px_h = max(1, round(2 * lines * width / height)), 2 * lines
    return px_w, max(2, px_h + px_h % 2)


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return image.resize(size, Image.Resampling.BOX if size[0] < image.width else Image.Resampling.BILINEAR)


def image_lines(
    image: Image.Image, cells: int, lines: int, stretch: bool = False, top_aligned: bool = False
) -> list[list[Segment]]:
    """`lines` rows of exactly `cells` cells: the image fitted (or stretched), centred across and
    centred down (or at the top)."""
    size = (cells, 2 * lines) if stretch else fit(image.size, cells, lines)
    rows: list[list[Segment]] = []
    if size[0] and size[1]:
        segments = _RENDERER.render(_resized(image, size), None)
        rows = [row for row in Segment.split_lines(segments) if row]
    top = 0 if top_aligned else (lines - len(rows)) // 2
    blank = [Segment(" " * cells)]
    out = [blank] * top
    for row in rows:
        left = (cells - size[0]) // 2
        out.append(
            [Segment(" " * left), *row, Segment(" " * (cells - size[0] - left))] if left or cells > size[0] else row
        )
    out += [blank] * (lines - len(out))
    return out[:lines]


def pixels(image: Image.Image, cells: int, lines: int, top_aligned: bool = False) -> Pixels:
    """A renderable for Static widgets: the image fitted into `cells` x `lines`."""
    rows = image_lines(image, cells, lines, top_aligned=top_aligned)
    segments: list[Segment] = []
    for i, row in enumerate(rows):
        segments += row
        if i < len(rows) - 1:
            segments.append(Segment.line())
    return Pixels.from_segments(segments)
