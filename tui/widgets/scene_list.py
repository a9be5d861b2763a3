"""The scene list of the picker: a ScrollView that renders only the lines on screen (Line API).

A cursor move repaints two rows; a scroll repaints the visible rows; nothing is laid out per scene,
so 10,000 scenes cost what 20 do. Each row carries a rich-pixels thumbnail when the picker's worker
has made it (a dim placeholder until then): one line high in compact mode, three in tall mode (v).

The `begins` column says how each scene begins: `cut`, or a gradual transition's kind and frames
(`dis 25`: a 25-frame dissolve; `blk`/`wht`: a fade through black/white; tui.transition_text). Where
the list is too narrow for every column (80 columns, beside the panel), columns narrow in turn so
that the group column stays (COLUMN_LAYOUTS): the end time goes (the next row's start, and the panel
shows it), the duration takes 6 cells, and with tall rows `begins` goes (their third line spells it
out). Narrower still, the text scrolls sideways with left/right, the thumbnail staying put; the
header follows (ColumnsChanged). A `§` after the number: one of the master's own chapters starts in
that scene (the panel gives its title).

A range (tui.scene_range: shift+movement, or V then movement) is drawn on its rows' background and
with a `┃` before them, so it reads without colour too; RangeChanged tells the picker.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.actions import SkipAction
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.pipeline.markers import Chapter, chapters_starting_in
from core.pipeline.transition_trim import picture_frames
from core.scene import Scene
from core.text import terminal_safe
from tui.formatting import duration, timecode
from tui.picks import Picks
from tui.scene_range import SceneRange
from tui.transition_text import incoming, name, short_label
from tui.widgets.pixels import image_lines
from tui.widgets.scene_styles import StyleCache, component_classes, scene_css

THUMB_CELLS = {1: 6, 3: 10}  # thumbnail width (cells) by row height (lines)
SEGMENT_CACHE = 3000
CHAPTER_MARK = "§"  # in the space after the number: no column of its own at 80 columns
BEGINS = "begins"  # the transition column's title, also its narrowest width
GROUP_MARK = 4  # cells kept for the group mark ("┌ g1")
TITLE_ROOM = 6  # the fewest cells a title is shown in (cut to them with an ellipsis): fewer read as noise
RANGE_MARK = "┃"  # before the rows of a range (the cursor's row keeps its ›)


@dataclass(frozen=True)
class Columns:
    """Which columns a row shows, and how wide the duration is."""

    end: bool = True
    begins: bool = True
    duration: int = 8


# widest first; the first one whose row fits is drawn ("begins" only goes where tall rows spell it out)
COLUMN_LAYOUTS = (Columns(), Columns(end=False), Columns(end=False, duration=6))
TALL_LAYOUTS = (*COLUMN_LAYOUTS, Columns(end=False, begins=False, duration=6))
SIDEWAYS_STEP = 8  # cells a left/right press scrolls the text where even the narrowest row does not fit


@dataclass
class Highlighted(Message):
    """The cursor is on another scene (0-based index)."""

    index: int


@dataclass
class VisibleChanged(Message):
    """Other rows came into view (the picker asks for their thumbnails)."""

    first: int
    last: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, VisibleChanged)


@dataclass
class RangeChanged(Message):
    """A range started, grew, shrank or ended: the picker's status line says which scenes it holds."""


@dataclass
class ColumnsChanged(Message):
    """The list shows other columns (its width changed): the picker shows this header above it."""

    header: str


class SceneList(ScrollView, can_focus=True):
    DEFAULT_CSS = scene_css("SceneList", "scene-list")
    COMPONENT_CLASSES = component_classes("scene-list")
    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False, id="scene-down"),
        Binding("up,k", "move(-1)", "Up", show=False, id="scene-up"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="scene-page-down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="scene-page-up"),
        Binding("ctrl+d", "half_page(1)", "Half a page down", show=False, id="scene-half-down"),
        Binding("ctrl+u", "half_page(-1)", "Half a page up", show=False, id="scene-half-up"),
        Binding("home", "jump(0)", "First scene", show=False, id="scene-first"),
        Binding("end,G", "jump(-1)", "Last scene", show=False, id="scene-last"),
        Binding("shift+down,J", "extend(1)", "Range down", show=False, id="scene-range-down"),
        Binding("shift+up,K", "extend(-1)", "Range up", show=False, id="scene-range-up"),
        Binding("V", "visual", "Visual range", show=False, id="scene-visual"),
        # only while a range is on (check_action): otherwise escape goes on to the picker (back); not in
        # the footer, full at 80 columns: the status line says it
        Binding("escape", "leave_range", "End the range", show=False, id="scene-range-leave"),
        Binding("left", "sideways(-1)", "Scroll left", show=False, id="scene-left"),
        Binding("right", "sideways(1)", "Scroll right", show=False, id="scene-right"),
    ]

    def __init__(
        self,
        scenes: list[Scene],
        picks: Picks,
        thumbnail: Callable[[int], Image.Image | None],
        *,
        cursor: int = 0,
        tall: bool = False,
        titles: dict[int, str] | None = None,
        chapters: Sequence[Chapter] = (),
        id: str | None = None,
    ):
        super().__init__(id=id)
        self.titles = titles or {}  # scene -> its title: after the row's columns, as far as it fits
        self.chapters = chapters  # the master's own: a § after the number where one starts in the scene
        self.thumbnail = thumbnail  # frame -> image if already made (never blocks)
        self._segments: OrderedDict[tuple[int, int, int], list[list[Segment]]] = OrderedDict()
        self._styles = StyleCache(self)
        self.row_height = 3 if tall else 1
        self._columns: Columns | None = None  # the columns shown (_fit_columns)
        self.range = SceneRange()
        self._row_styles: dict[tuple[bool, bool, bool], Style] = {}
        self.set_scenes(scenes, picks, cursor)

    # --- data --------------------------------------------------------------------------------
    def set_scenes(self, scenes: list[Scene], picks: Picks, cursor: int = 0) -> None:
        self.scenes, self.picks = scenes, picks
        self.cursor = max(0, min(cursor, len(scenes) - 1))
        if self.range.active:  # its rows were other scenes
            self.leave_range()
        digits = max(3, len(str(len(scenes))))
        hours = bool(scenes) and scenes[-1].end >= 3600  # drop the hours when there are none: 6 cells back
        labels = [short_label(incoming(s)) for s in scenes]
        chapter_mark = [
            CHAPTER_MARK if chapters_starting_in(self.chapters, s.start_frame, s.end_frame) else " " for s in scenes
        ]
        self._begins_width = max([len(BEGINS), *map(len, labels)])
        self._text = [
            (
                f"{s.index:>{digits}}{mark}",
                f"{label:<{self._begins_width}}",
                timecode(s.start, hours),
                timecode(s.end, hours),
                duration(s.duration),
            )
            for s, label, mark in zip(scenes, labels, chapter_mark, strict=True)
        ]
        self._time_width = len(timecode(0, hours))
        # the frame its midpoint still is taken from (never inside a transition), as the picture
        self.picture_frames = picture_frames(scenes)
        self._row_of_frame = {frame: i for i, frame in enumerate(self.picture_frames)}
        self._fit_columns()
        self.refresh()

    @property
    def tall(self) -> bool:
        return self.row_height > 1

    def set_tall(self, tall: bool) -> None:
        self.row_height = 3 if tall else 1
        self._fit_columns()
        self.refresh()
        self.call_after_refresh(self.scroll_to_cursor, center=True)

    @property
    def columns(self) -> Columns:
        return self._columns or Columns()

    def _prefix_width(self) -> int:
        return 1 + THUMB_CELLS[self.row_height] + 1  # cursor, thumbnail, space: never scrolled sideways

    def _text_width(self, columns: Columns) -> int:
        digits = max(3, len(str(len(self.scenes))))
        tw = self._time_width
        # "[x] " and number, (begins,) start, (end,) duration, group mark: two spaces between
        widths = [4 + digits, *([self._begins_width] if columns.begins else []), tw]
        widths += [*([tw] if columns.end else []), columns.duration, GROUP_MARK]
        return sum(widths) + 2 * (len(widths) - 1)

    def wanted_width(self, title_room: int = 24) -> int:
        """The cells that show every column, the scroll bar and (up to `title_room`) the titles."""
        longest = max((cell_len(terminal_safe(title)) for title in self.titles.values()), default=0)
        titles = min(title_room, 2 + longest) if longest else 0
        return self._prefix_width() + self._text_width(Columns()) + self.styles.scrollbar_size_vertical + titles

    def _fit_columns(self) -> None:
        """The widest layout whose whole row fits beside the scroll bar (decided with the bar counted,
        so that the layout does not flip when the bar comes and goes); the narrowest one scrolls
        sideways where even it does not fit."""
        width = self.size.width - self.styles.scrollbar_size_vertical
        layouts = TALL_LAYOUTS if self.tall else COLUMN_LAYOUTS
        fits = [c for c in layouts if width <= 0 or self._prefix_width() + self._text_width(c) <= width]
        columns = fits[0] if fits else layouts[-1]  # not laid out yet: as wide as it gets
        self.virtual_size = Size(0 if fits else self._prefix_width() + self._text_width(columns), self._rows_height())
        if self.scroll_x > self.max_scroll_x:  # wider again: back to what fits
            self.scroll_x = self.max_scroll_x
        if columns != self._columns:
            self._columns = columns
            self.refresh()
            if self.is_attached:
                self.post_message(ColumnsChanged(self.header_text()))

    def _rows_height(self) -> int:
        return len(self.scenes) * self.row_height

    def header_text(self) -> str:
        """Column titles aligned with the rows, scrolled sideways as they are (shown above the list)."""
        columns = self.columns
        digits = max(3, len(str(len(self.scenes))))
        tw = self._time_width
        end = f"{'end':<{tw}}  " if columns.end else ""
        begins = f"{BEGINS:<{self._begins_width}}  " if columns.begins else ""
        length = "duration" if columns.duration >= 8 else "length"
        text = f"    {'#':>{digits}}  {begins}{'start':<{tw}}  {end}{length:>{columns.duration}}  group"
        # one cell less than the rows' prefix before it: the header lines up with the rows as drawn
        return " " * (self._prefix_width() - 1) + text[round(self.scroll_x) :]

    def action_sideways(self, direction: int) -> None:
        """left/right where the row does not fit: the text scrolls, the thumbnail stays."""
        if self.max_scroll_x <= 0:
            raise SkipAction()
        self.scroll_to(x=self.scroll_x + direction * SIDEWAYS_STEP, animate=False, immediate=True)

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_x(old_value, new_value)
        if round(old_value) != round(new_value) and self.is_attached:
            self.post_message(ColumnsChanged(self.header_text()))

    def thumbnail_ready(self, frame: int) -> None:
        row = self._row_of_frame.get(frame)
        if row is not None:
            self.refresh_lines(row * self.row_height, self.row_height)

    def picks_changed(self) -> None:
        self.refresh()

    def set_titles(self, titles: dict[int, str]) -> None:
        self.titles = titles
        self.refresh()

    # --- cursor ------------------------------------------------------------------------------
    def move_to(self, index: int) -> None:
        if not self.scenes:
            return
        index = max(0, min(index, len(self.scenes) - 1))
        if index == self.cursor:
            return
        old, self.cursor = self.cursor, index
        # straight to the screen and before this list's repaint: the picker then updates its panel and
        # status in time for the same frame (bubbling up through the containers, they came a frame late)
        self.screen.post_message(Highlighted(index))
        if self.range.active:  # the range's rows change with the cursor: repaint what is on screen
            self.refresh()
        else:
            self.refresh_lines(old * self.row_height, self.row_height)
            self.refresh_lines(index * self.row_height, self.row_height)
        self.scroll_to_cursor()

    def scroll_to_cursor(self, center: bool = False) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = self.cursor * self.row_height
        bottom = top + self.row_height
        y = round(self.scroll_y)
        if center:
            self.scroll_to(y=max(0, top - height // 2), animate=False, immediate=True)
        elif top < y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif bottom > y + height:
            self.scroll_to(y=bottom - height, animate=False, immediate=True)

    def plain_move(self, index: int) -> None:
        """A movement key without shift (in the list or the grid): a shift range ends, a visual one (V)
        follows the cursor."""
        if self.range.active and not self.range.visual:
            self.leave_range()
        self.move_to(index)

    def action_move(self, step: int) -> None:
        self.plain_move(self.cursor + step)

    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height // self.row_height)

    def action_page(self, direction: int) -> None:
        self.plain_move(self.cursor + direction * max(1, self._page_rows() - 1))

    def action_half_page(self, direction: int) -> None:
        """ctrl+d / ctrl+u, as in vim and less."""
        self.plain_move(self.cursor + direction * max(1, self._page_rows() // 2))

    def action_jump(self, index: int) -> None:
        self.plain_move(index if index >= 0 else len(self.scenes) - 1)

    # --- range -------------------------------------------------------------------------------
    def action_extend(self, step: int) -> None:
        self.extend_to(self.cursor + step)

    def extend_to(self, index: int) -> None:
        """Shift+movement (in the list or the grid): the range from where it started to `index`."""
        if not self.scenes:
            return
        started = not self.range.active
        self.range.extend_from(self.cursor)
        self.move_to(index)
        self._range_changed(started)

    def action_visual(self) -> None:
        if not self.scenes:
            return
        self.range.toggle_visual(self.cursor)
        self._range_changed(True)

    def leave_range(self) -> None:
        if self.range.active:
            self.range.leave()
            self._range_changed(True)

    def action_leave_range(self) -> None:
        if not self.range.active:
            raise SkipAction()  # escape goes on to the picker
        self.leave_range()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_range":
            return self.range.active
        return True

    def _range_changed(self, started_or_ended: bool) -> None:
        if started_or_ended:
            self.refresh_bindings()  # escape cancels the range now, or goes back again
        self.refresh()
        self.screen.post_message(RangeChanged())

    def range_span(self) -> tuple[int, int] | None:
        """First and last scene number of the range, None without one."""
        return self.range.span(self.cursor) if self.scenes else None

    def visible_rows(self) -> range:
        top = round(self.scroll_y) // self.row_height
        count = self.scrollable_content_region.height // self.row_height + 2
        return range(top, min(len(self.scenes), top + count))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        rows = self.visible_rows()
        self.post_message(VisibleChanged(rows.start, rows.stop))

    def on_resize(self) -> None:
        self._fit_columns()
        self.scroll_to_cursor(center=True)
        rows = self.visible_rows()
        self.post_message(VisibleChanged(rows.start, rows.stop))

    def on_click(self, event: Click) -> None:  # the mouse is optional, but it should not surprise
        row = (round(self.scroll_y) + event.y) // self.row_height
        if 0 <= row < len(self.scenes):
            self.plain_move(row)

    # --- rendering ---------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._row_styles.clear()

    def _row_style(self, at_cursor: bool, marked: bool, in_range: bool) -> Style:
        key = (at_cursor, marked, in_range)
        style = self._row_styles.get(key)
        if style is None:
            style = self._styles.full("scene-list--cursor" if at_cursor else ("" if marked else "scene-list--unmarked"))
            if in_range and not at_cursor:
                style += self.get_component_rich_style("scene-list--range", partial=True)
            self._row_styles[key] = style
        return style

    def _thumb_rows(self, frame: int, cells: int, lines: int) -> list[list[Segment]] | None:
        key = (frame, cells, lines)
        rows = self._segments.get(key)
        if rows is None:
            image = self.thumbnail(frame)
            if image is None:
                return None
            rows = self._segments[key] = image_lines(image, cells, lines, stretch=lines == 1)
            while len(self._segments) > SEGMENT_CACHE:
                self._segments.popitem(last=False)
        return rows

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = round(self.scroll_y) + y
        index, sub = divmod(line, self.row_height)
        if index >= len(self.scenes):
            return Strip.blank(width, self.rich_style)
        scene = self.scenes[index]
        number = scene.index
        marked = number in self.picks.selected
        at_cursor = index == self.cursor
        in_range = index in self.range.rows(self.cursor)
        base = self._row_style(at_cursor, marked, in_range)
        cells = THUMB_CELLS[self.row_height]
        thumb = self._thumb_rows(self.picture_frames[index], cells, self.row_height)
        gutter = "›" if at_cursor and sub == 0 else (RANGE_MARK if in_range else " ")
        segments = [Segment(gutter, base)]
        if thumb is None:
            segments.append(
                Segment(
                    "·" * cells if sub == self.row_height // 2 else " " * cells,
                    self._styles.full("scene-list--placeholder"),
                )
            )
        else:
            segments += thumb[sub]
        segments.append(Segment(" ", base))
        text: list[Segment] = []  # what scrolls sideways where the row does not fit
        if sub == 0:
            columns = self.columns
            num, begins, start, end, dur = self._text[index]
            begins = f"{begins}  " if columns.begins else ""
            end = f"{end}  " if columns.end else ""
            dur = f"{dur:>{columns.duration}}"
            text.append(Segment(f"{'[x]' if marked else '[ ]'} {num} {begins}{start}  {end}{dur}  ", base))
            mark = self._group_mark(number)
            text.append(Segment(mark, base + self._styles.own("scene-list--group")))  # the row's background kept
            before = f"{' ' * (GROUP_MARK - len(mark))}  "
            title = self._title_in(number, width - self._prefix_width() - Strip(text).cell_length - len(before))
            if title:
                text.append(Segment(before + title, base))
        elif sub == 1:
            frames = f"    frames {scene.start_frame}-{scene.end_frame}"
            title = self._title_in(number, width - self._prefix_width() - len(frames) - 3)
            text.append(Segment(f"{frames} · {title}" if title else frames, base))
        elif sub == 2:
            text.append(Segment(f"    {self._begins_text(scene)}", base))
        shifted = round(self.scroll_x)
        strip = Strip(text)
        if shifted:
            strip = strip.crop(shifted, max(shifted, strip.cell_length))
        return Strip.join([Strip(segments), strip]).crop_extend(0, width, base)

    def _title_in(self, number: int, room: int) -> str:
        """Scene `number`'s title cut to `room` cells with an ellipsis; none where that leaves too few
        (a lone letter says nothing: the panel shows the whole title). Typed text: control characters
        shown as escapes, never sent to the terminal."""
        title = terminal_safe(self.titles.get(number) or "")
        if cell_len(title) <= room:  # whole (or none)
            return title
        if room < TITLE_ROOM:
            return ""
        return set_cell_size(title, room - 1).rstrip() + "…"

    @staticmethod
    def _begins_text(scene: Scene) -> str:
        """Tall rows' third line: the transition in, spelt out (fits the 41 cells left at 80 columns)."""
        t = incoming(scene)
        if t is None:
            return ""
        return "cut" if t.kind == "cut" else f"{name(t.kind)}, frames {t.first}-{t.last}"

    def _group_mark(self, number: int) -> str:
        found = self.picks.group_of(number)
        if found is None:
            return ""
        group, first, last = found
        if number == first:
            return f"┌ g{group}"
        return "└" if number == last else "│"
