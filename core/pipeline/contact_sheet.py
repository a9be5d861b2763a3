"""The contact sheet: the selected units' stills in a grid on A4 pages, as one PNG (the pages one
under the other, shrunk when there are very many: MAX_PNG_PIXELS) and one PDF (a page each, written
a page at a time). README: What `vat run` makes.

Pages, not one endless image: a sheet of hundreds of scenes prints as pages of PAGE_COLUMNS columns,
and every page keeps the artwork in its header and the copyright in its footer. Texts are drawn in
the first of FONT_FILES the system has (DejaVu Sans on most Linux systems), else Pillow's own
scalable font (Aileron, inside Pillow, so a fresh machine needs no font; it has ASCII letters only);
letters a font lacks show as boxes. Names and titles are untrusted: control characters go, and a
line that does not fit ends in an ellipsis.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps

from core.media.frames import frame_at, rotate_for_display

# A4 portrait at 150 dpi: sharp enough to print, small enough for hundreds of scenes in memory
DPI = 150
PAGE_SIZE = (1240, 1754)
PAGE_COLUMNS = 4
MARGIN = 60
GAP = 24
HEADER = 100  # the artwork's name and the page number
FOOTER = 70  # the copyright and credits
TEXT_SIZE = 17  # about 8 pt at 150 dpi: a timecode range fits a cell in DejaVu Sans
HEADER_SIZE = 34
LINE = 23  # one line of a cell's text
CELL_LINES = 3  # number and title; timecode range; duration and frames
BACKGROUND, INK, PALE = (255, 255, 255), (20, 20, 20), (110, 110, 110)
# The PNG's pages at full size up to 27 pages (about 650 scenes at 16:9), shrunk beyond: the whole
# PNG is one picture in memory, and Pillow and viewers refuse pictures far beyond 90 Mpixels. The
# PDF is written a page at a time and keeps every page at full size.
MAX_PNG_PIXELS = 60_000_000


def seconds_timecode(seconds: float) -> str:
    """HH:MM:SS.mmm from seconds: for a unit without the master's timecode (SheetUnit.timecode)."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


@dataclass(frozen=True)
class Grid:
    """Where the cells go: the same for every page, from the stills' aspect (width / height)."""

    columns: int
    rows: int
    cell_width: int
    picture_height: int
    cell_height: int

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def pages(self, units: int) -> int:
        return max(1, math.ceil(units / self.per_page))

    def png_page_size(self, units: int) -> tuple[int, int]:
        """A page's size in the PNG: full size up to MAX_PNG_PIXELS in all, shrunk beyond."""
        pixels = self.pages(units) * PAGE_SIZE[0] * PAGE_SIZE[1]
        scale = min(1.0, math.sqrt(MAX_PNG_PIXELS / pixels))
        return math.floor(PAGE_SIZE[0] * scale), math.floor(PAGE_SIZE[1] * scale)  # never over the budget

    def sheet_size(self, units: int) -> tuple[int, int]:
        """The PNG's size: its pages one under the other."""
        width, height = self.png_page_size(units)
        return width, height * self.pages(units)

    def cell_origin(self, slot: int) -> tuple[int, int]:
        """The top left corner of the `slot`-th cell of a page."""
        row, column = divmod(slot, self.columns)
        return MARGIN + column * (self.cell_width + GAP), MARGIN + HEADER + row * (self.cell_height + GAP)


def grid_for(aspect: float) -> Grid:
    """Four columns; as many rows as fit, at least one (a very tall picture is shrunk to fit)."""
    width = (PAGE_SIZE[0] - 2 * MARGIN - (PAGE_COLUMNS - 1) * GAP) // PAGE_COLUMNS
    usable = PAGE_SIZE[1] - 2 * MARGIN - HEADER - FOOTER
    picture = max(1, round(width / max(aspect, 0.01)))
    picture = min(picture, usable - CELL_LINES * LINE - GAP)
    cell = picture + 8 + CELL_LINES * LINE
    rows = max(1, (usable + GAP) // (cell + GAP))
    return Grid(PAGE_COLUMNS, rows, width, picture, cell)


@dataclass(frozen=True)
class SheetUnit:
    """One cell: a scene or a group, its times (seconds from the master's first frame) and picture."""

    label: str  # "12" for a scene, "4-5" for a group
    scene: int  # the scene whose title and still it shows (a group's first)
    first_frame: int
    last_frame: int
    start: float
    end: float
    still: Path | None  # the still the run made; None or missing: the frame is taken from the master
    master: Path
    at: dict  # the still's frame: pts, keyframe, rotation, deinterlace (as the still's operation)
    timecode: tuple[str, str] | None = None  # the master's timecode at its first frame and after its last


def clean_text(text: str) -> str:
    """One printable line: control and format characters (line breaks, bidi overrides) become spaces."""
    return " ".join("".join(" " if unicodedata.category(c)[0] == "C" else c for c in text).split())


def fit_text(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """`text` cut to `width` pixels, with an ellipsis where it was cut."""
    text = clean_text(text)
    if font.getlength(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with its ellipsis
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle] + "…") <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


# Fonts with accents, Greek and Cyrillic, looked for in the system's font folders (Pillow searches
# them by file name); Pillow's own scalable font, always there, has plain ASCII letters only.
FONT_FILES = ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf", "Arial Unicode.ttf", "arial.ttf")


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    for name in FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)  # type: ignore[return-value]  # FreeType is in Pillow's wheels


def _picture(unit: SheetUnit, size: tuple[int, int]) -> Image.Image:
    if unit.still is not None and unit.still.is_file():
        with Image.open(unit.still) as im:
            im.draft("RGB", size)  # a JPEG decodes at a fraction of its size: hundreds of stills stay quick
            return im.convert("RGB")
    at = unit.at
    frame = frame_at(unit.master, at["pts"], at.get("keyframe"), deinterlace=bool(at.get("deinterlace")))
    return rotate_for_display(frame, at.get("rotation") or 0).convert("RGB")


def _cell_lines(unit: SheetUnit, title: str, timecode: Callable[[float], str]) -> list[str]:
    frames = unit.last_frame - unit.first_frame + 1
    return [
        f"Scene{'s' if '-' in unit.label else ''} {unit.label}" + (f"  {title}" if title else ""),
        " - ".join(unit.timecode or (timecode(unit.start), timecode(unit.end))),  # Aileron has no en dash
        f"{unit.end - unit.start:.3f} s · {frames} frame{'s' if frames != 1 else ''}",
    ]


def render_pages(
    units: list[SheetUnit],
    *,
    artwork: str,
    copyright_text: str,
    credits_text: str = "",
    titles: dict[int, str] | None = None,
    timecode: Callable[[float], str] = seconds_timecode,
    aspect: float = 16 / 9,
) -> Iterator[Image.Image]:
    """The sheet's pages, one at a time (PAGE_SIZE each). `titles`: scene number -> title."""
    titles = titles or {}
    grid = grid_for(aspect)
    text, header = _font(TEXT_SIZE), _font(HEADER_SIZE)
    line_width = PAGE_SIZE[0] - 2 * MARGIN
    pages = grid.pages(len(units))
    footer = " · ".join(clean_text(t) for t in (copyright_text, credits_text) if clean_text(t))
    for page in range(pages):
        image = Image.new("RGB", PAGE_SIZE, BACKGROUND)
        draw = ImageDraw.Draw(image)
        number = f"{page + 1} / {pages}"
        number_width = int(text.getlength(number)) + GAP
        draw.text((MARGIN, MARGIN), fit_text(artwork, header, line_width - number_width), font=header, fill=INK)
        draw.text((PAGE_SIZE[0] - MARGIN - number_width + GAP, MARGIN + 10), number, font=text, fill=PALE)
        draw.text((MARGIN, PAGE_SIZE[1] - MARGIN - LINE), fit_text(footer, text, line_width), font=text, fill=PALE)
        for slot, unit in enumerate(units[page * grid.per_page : (page + 1) * grid.per_page]):
            x, y = grid.cell_origin(slot)
            # scaled to the cell either way: a small master's stills would be stamps on the page
            size = (grid.cell_width, grid.picture_height)
            picture = ImageOps.contain(_picture(unit, size), size, Image.Resampling.LANCZOS)
            image.paste(picture, (x + (grid.cell_width - picture.width) // 2, y))
            y += grid.picture_height + 8
            for n, line in enumerate(_cell_lines(unit, titles.get(unit.scene, ""), timecode)):
                fill = INK if n == 0 else PALE
                draw.text((x, y + n * LINE), fit_text(line, text, grid.cell_width), font=text, fill=fill)
        yield image


def render_sheet(units: list[SheetUnit], *, aspect: float = 16 / 9, **texts: Any) -> Image.Image:
    """The PNG's picture: the pages one under the other (shrunk as Grid.png_page_size says)."""
    grid = grid_for(aspect)
    width, height = grid.png_page_size(len(units))
    sheet = Image.new("RGB", grid.sheet_size(len(units)), BACKGROUND)
    for number, page in enumerate(render_pages(units, aspect=aspect, **texts)):
        if page.size != (width, height):
            page = page.resize((width, height), Image.Resampling.LANCZOS)
        sheet.paste(page, (0, number * height))
    return sheet


def save_pdf(pages: Iterable[Image.Image], path: Path, *, title: str, author: str = "") -> int:
    """The pages as a PDF at DPI (so it prints at A4), added one at a time (Pillow's append: no more
    than one page in memory); returns the number of pages."""
    count = 0
    for page in pages:
        if count == 0:
            page.save(path, "PDF", resolution=DPI, title=clean_text(title), author=clean_text(author), creator="vat")
        else:
            page.save(path, "PDF", resolution=DPI, append=True)
        count += 1
    return count


def pdf_page_count(path: Path) -> int:
    """The pages of a PDF as Pillow writes it (the /Count of its last page tree), 0 if it is no
    complete PDF."""
    data = path.read_bytes()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-64:]:
        return 0
    counts = re.findall(rb"/Type\s*/Pages\s*/Count\s+(\d+)", data)
    return int(counts[-1]) if counts else 0
