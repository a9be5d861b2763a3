"""How pictures are drawn: the Kitty graphics protocol, Sixel, or half blocks (two pixels a cell).

Decided once, at startup, before Textual takes the terminal: textual-image asks the terminal what it
can do when it is imported, and nothing can ask once Textual reads the keyboard. textual-image is
imported only where a graphics protocol is plausible (the terminal's environment says so, or
VAT_GRAPHICS asks for one), so the usual start stays as fast as it was. Until `decide` runs (tests,
snapshots) every picture is drawn with half blocks.

VAT_GRAPHICS=auto|kitty|sixel|halfblocks overrides the choice (unknown values count as auto).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Literal

from rich.segment import Segment

if TYPE_CHECKING:  # decide() runs before every start: nothing heavy imported for it
    from PIL import Image

log = logging.getLogger(__name__)

Mode = Literal["kitty", "sixel", "halfblocks"]
Choice = Literal["kitty", "sixel", "halfblocks", "probe"]  # probe: textual-image asks the terminal
MODES: tuple[Mode, ...] = ("kitty", "sixel", "halfblocks")
KITTY_TERMS = ("xterm-kitty",)
# terminals that draw Sixel or Kitty pictures: textual-image asks which (WezTerm answers both but
# draws only Sixel with textual-image's placeholders; Kitty draws no Sixel)
PROBE_PROGRAMS = ("WezTerm", "iTerm.app", "ghostty", "mlterm")
PROBE_TERMS = ("xterm-ghostty", "foot", "foot-extra", "mlterm", "contour", "wezterm")
TMUX_TIMEOUT_S = 0.5

_mode: Mode = "halfblocks"
_cell_pixels: tuple[int, int] = (10, 20)  # a cell's pixels, as the terminal reports them (VT340's if not)


def choose(env: Mapping[str, str], stdout_is_tty: bool, tmux_passthrough: bool = False) -> Choice:
    """The way to draw pictures from the environment alone. `tmux_passthrough`: inside tmux, whether
    `allow-passthrough` is on (only asked where TMUX is set). Half blocks unless a protocol is plausible."""
    override = env.get("VAT_GRAPHICS", "").strip().lower()
    if override in MODES:
        return override
    if not stdout_is_tty or env.get("NO_COLOR") or env.get("TERM", "") in ("", "dumb"):
        return "halfblocks"
    if env.get("TMUX"):
        # tmux answers the Sixel question itself (where it was built with Sixel); without passthrough
        # nothing gets through to the terminal outside
        return "probe" if tmux_passthrough else "halfblocks"
    term, program = env.get("TERM", ""), env.get("TERM_PROGRAM", "")
    if term in KITTY_TERMS or env.get("KITTY_WINDOW_ID"):
        return "kitty"
    if program in PROBE_PROGRAMS or term in PROBE_TERMS or env.get("KONSOLE_VERSION"):
        return "probe"
    return "halfblocks"


def tmux_passthrough() -> bool:
    """Whether the tmux around us lets escape sequences through to the terminal outside."""
    try:
        done = subprocess.run(
            ["tmux", "show", "-gv", "allow-passthrough"],
            capture_output=True,
            text=True,
            timeout=TMUX_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() in ("on", "all")


def decide(env: Mapping[str, str] | None = None) -> Mode:
    """Called once before the app starts: asks the terminal where needed, and remembers the answer."""
    global _mode, _cell_pixels
    env = os.environ if env is None else env
    stdout = sys.__stdout__
    tty = bool(stdout and stdout.isatty())
    choice = choose(env, tty, tmux_passthrough() if env.get("TMUX") and tty else False)
    if choice == "halfblocks":
        _mode = "halfblocks"
        return _mode
    try:
        from textual_image._terminal import get_cell_size
        from textual_image.renderable import Image as Detected
        from textual_image.renderable import SixelImage, TGPImage

        size = get_cell_size()  # cached by textual-image: asking later, under Textual, is not possible
        _cell_pixels = (size.width, size.height)
    except Exception as exc:  # noqa: BLE001 (a terminal that answers oddly: pictures as half blocks)
        log.warning("terminal graphics: %s", exc)
        _mode = "halfblocks"
        return _mode
    if choice == "probe":
        _mode = "sixel" if Detected is SixelImage else "kitty" if Detected is TGPImage else "halfblocks"
    else:
        _mode = choice
    if _mode == "kitty" and isinstance(env, MutableMapping):
        with_truecolor(env)
    log.info("pictures drawn as %s", _mode)
    return _mode


def with_truecolor(env: MutableMapping[str, str]) -> None:
    """Kitty pictures are named by their placeholders' 24-bit colour. A terminal that speaks the Kitty
    protocol has 24-bit colour, but SSH seldom passes COLORTERM on, and Textual (Rich) would then draw
    256 colours from TERM=xterm-kitty: every picture lost. Said here before the app starts."""
    if env.get("COLORTERM", "").strip().lower() not in ("truecolor", "24bit"):
        env["COLORTERM"] = "truecolor"


def mode() -> Mode:
    return _mode


def use(new: Mode, cell_pixels: tuple[int, int] = (10, 20)) -> None:
    """Draw pictures this way from now on (tests; `decide` in the app)."""
    global _mode, _cell_pixels
    _mode, _cell_pixels = new, cell_pixels


def fit_cells(size: tuple[int, int], cells: int, lines: int) -> tuple[int, int]:
    """Cells x lines that fit `cells` x `lines` with the image's aspect, on the terminal's own cells."""
    width, height = size
    if width <= 0 or height <= 0 or cells <= 0 or lines <= 0:
        return 0, 0
    cw, ch = _cell_pixels
    w, h = cells, max(1, round(cells * cw * height / width / ch))
    if h > lines:
        w, h = max(1, min(cells, round(lines * ch * width / height / cw))), lines
    return w, h


def fitted_lines(size: tuple[int, int], cells: int, lines: int) -> int:
    """How many of `lines` the image fitted across `cells` takes, drawn the current way."""
    if _mode == "halfblocks":
        from tui.widgets.pixels import fit

        return fit(size, cells, lines)[1] // 2
    return fit_cells(size, cells, lines)[1]


def _kitty(image: Image.Image, w: int, h: int) -> tuple[Any, list[list[Segment]]]:
    """A Kitty image of w x h cells: sent to the terminal once (at its first render), then drawn by
    placeholder characters whose colour names the image, so they go through Textual like text."""
    from rich.console import Console
    from textual_image.renderable.tgp import Image as TGPImage

    picture = TGPImage(image, width=w, height=h)
    console = Console(width=w, height=h)  # only its options are read: the size is given in cells
    segments = [s for s in picture.__rich_console__(console, console.options) if isinstance(s, Segment)]
    rows = list(Segment.split_lines(segments))[:h]
    return picture, rows


def picture_lines(
    image: Image.Image, cells: int, lines: int, top_aligned: bool = False, picture: list[Any] | None = None
) -> list[list[Segment]]:
    """`lines` rows of exactly `cells` cells showing the image fitted and centred across (and down,
    unless `top_aligned`): Kitty placeholders in kitty mode, else half blocks (Sixel is drawn by a
    widget of its own: tui.widgets.picture). `picture` receives the Kitty image, to be freed later."""
    if _mode != "kitty":
        from tui.widgets.pixels import image_lines

        return image_lines(image, cells, lines, top_aligned=top_aligned)
    w, h = fit_cells(image.size, cells, lines)
    if not w or not h:
        return [[Segment(" " * cells)] for _ in range(lines)]
    kitty, rows = _kitty(image, w, h)
    if picture is not None:
        picture.append(kitty)
    left, top = (cells - w) // 2, 0 if top_aligned else (lines - h) // 2
    blank = [Segment(" " * cells)]
    out = [blank] * top + [[Segment(" " * left), *row, Segment(" " * (cells - w - left))] for row in rows]
    return (out + [blank] * (lines - len(out)))[:lines]


class PictureCache:
    """Rows of a picture per (frame, cells, lines), least recently used dropped first: a Kitty
    image is freed in the terminal when its rows are dropped."""

    def __init__(self, size: int = 400):
        self.size = size
        self._rows: OrderedDict[tuple[int, int, int], tuple[list[list[Segment]], list[Any]]] = OrderedDict()

    def rows(
        self, frame: int, image: Callable[[int], Image.Image | None], cells: int, lines: int
    ) -> list[list[Segment]] | None:
        key = (frame, cells, lines)
        found = self._rows.get(key)
        if found is not None:
            self._rows.move_to_end(key)
            return found[0]
        picture = image(frame)
        if picture is None:
            return None
        kitty: list[Any] = []
        rows = picture_lines(picture, cells, lines, picture=kitty)
        self._rows[key] = (rows, kitty)
        while len(self._rows) > self.size:
            for old in self._rows.popitem(last=False)[1][1]:
                old.cleanup()
        return rows

    def clear(self) -> None:
        for _, kitty in self._rows.values():
            for old in kitty:
                old.cleanup()
        self._rows.clear()
