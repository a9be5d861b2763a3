"""The picker's grid view (o): a contact sheet of the scenes, as many columns of thumbnails as fit, the
scene's number, mark, group and duration under each.

It has no cursor of its own: it shows and moves the scene list's (SceneList.move_to), so every key of
the picker (marking, grouping, preview, titles, jump) acts on the same scene in both views. Like the
list it renders only the lines on screen (Line API), whatever the number of scenes.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image
from rich.segment import Segment
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from tui import graphics
from tui.formatting import duration
from tui.graphics import PictureCache
from tui.widgets.scene_list import RANGE_MARK, SceneList, VisibleChanged
from tui.widgets.scene_styles import StyleCache, component_classes, scene_css

THUMB_CELLS = 16  # a thumbnail's width in cells
THUMB_LINES = 5  # and height: 16:9 at two half-block pixels a line
GAP = 1  # cells between two columns (the cursor mark in it): three columns at 80
CAPTION_LINES = 2  # "[x] 12   g1" and the duration
CELL_HEIGHT = THUMB_LINES + CAPTION_LINES + 1  # one blank line between rows


class SceneGrid(ScrollView, can_focus=True):
    DEFAULT_CSS = scene_css("SceneGrid", "scene-grid")
    COMPONENT_CLASSES = component_classes("scene-grid")
    BINDINGS = [
        Binding("down,j", "move(0, 1)", "Down", show=False, id="grid-down"),
        Binding("up,k", "move(0, -1)", "Up", show=False, id="grid-up"),
        Binding("right,l", "move(1, 0)", "Right", show=False, id="grid-right"),
        Binding("left,h", "move(-1, 0)", "Left", show=False, id="grid-left"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="grid-page-down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="grid-page-up"),
        Binding("ctrl+d", "page(0.5)", "Half a page down", show=False, id="grid-half-down"),
        Binding("ctrl+u", "page(-0.5)", "Half a page up", show=False, id="grid-half-up"),
        Binding("home", "jump(0)", "First scene", show=False, id="grid-first"),
        Binding("end,G", "jump(-1)", "Last scene", show=False, id="grid-last"),
        # the list's range (SceneList.range), as there: shift extends it, V starts a visual one
        Binding("shift+down,J", "extend(0, 1)", "Range down", show=False, id="grid-range-down"),
        Binding("shift+up,K", "extend(0, -1)", "Range up", show=False, id="grid-range-up"),
        Binding("shift+right,L", "extend(1, 0)", "Range right", show=False, id="grid-range-right"),
        Binding("shift+left,H", "extend(-1, 0)", "Range left", show=False, id="grid-range-left"),
        Binding("V", "visual", "Visual range", show=False, id="grid-visual"),
        Binding("escape", "leave_range", "End the range", show=False, id="grid-range-leave"),
    ]

    def __init__(self, scene_list: SceneList, thumbnail: Callable[[int], Image.Image | None], id: str | None = None):
        super().__init__(id=id)
        self.scene_list = scene_list  # its scenes, picks, cursor and picture frames are the grid's
        self.thumbnail = thumbnail  # frame -> image if already made (never blocks)
        self.pictures = PictureCache()
        self._styles = StyleCache(self)
        self.columns = 1
        self.sixels: GridPictures | None = None  # the layer that draws Sixel pictures over the cells

    def on_mount(self) -> None:
        if graphics.mode() == "sixel" and isinstance(self.parent, Widget):
            self.sixels = GridPictures(self, self.parent)  # beside the grid, on a layer above it

    # --- geometry ----------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.scene_list.scenes)

    @property
    def cell_width(self) -> int:
        return THUMB_CELLS + GAP

    def _fit(self) -> None:
        width = self.size.width - self.styles.scrollbar_size_vertical
        self.columns = max(1, width // self.cell_width) if width > 0 else 1
        rows = -(-self.count // self.columns)
        self.virtual_size = Size(0, rows * CELL_HEIGHT)

    def visible_rows(self) -> range:
        """The scenes on screen (0-based), as the list's visible_rows: the picker asks for their thumbnails."""
        top = round(self.scroll_y) // CELL_HEIGHT
        rows = self.scrollable_content_region.height // CELL_HEIGHT + 2
        return range(top * self.columns, min(self.count, (top + rows) * self.columns))

    def _announce(self) -> None:
        visible = self.visible_rows()
        self.post_message(VisibleChanged(visible.start, visible.stop))

    def scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = self.scene_list.cursor // self.columns * CELL_HEIGHT
        bottom = top + CELL_HEIGHT
        y = round(self.scroll_y)
        if top < y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif bottom > y + height:
            self.scroll_to(y=min(top, bottom - height), animate=False, immediate=True)

    def on_resize(self) -> None:
        self._fit()
        self.scroll_to_cursor()
        self._announce()
        self._place_sixels()

    def on_show(self) -> None:
        self._fit()
        self.refresh()
        self.call_after_refresh(self.scroll_to_cursor)
        self._announce()
        if self.sixels is not None:
            self.sixels.display = True
        self._place_sixels()

    def on_hide(self) -> None:
        if self.sixels is not None:
            self.sixels.hide()

    def _sixel_cell(self, index: int) -> bool:
        """Whether scene `index`'s picture is a Sixel over its cell: made, and its cell wholly on
        screen (a Sixel cannot be cut; a cell partly shown keeps half blocks)."""
        if self.sixels is None or self.thumbnail(self.scene_list.picture_frames[index]) is None:
            return False
        top = index // self.columns * CELL_HEIGHT - round(self.scroll_y)
        return 0 <= top and top + THUMB_LINES <= self.scrollable_content_region.height

    def _place_sixels(self) -> None:
        if self.sixels is not None:
            self.call_after_refresh(self.sixels.place)

    def on_unmount(self) -> None:
        self.pictures.clear()  # Kitty pictures freed in the terminal

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._announce()
        self._place_sixels()

    # --- what changed ------------------------------------------------------------------------
    def cursor_moved(self) -> None:
        self.refresh()
        self.scroll_to_cursor()

    def scenes_changed(self) -> None:
        self.pictures.clear()
        self._fit()
        self.refresh()
        self._place_sixels()

    def thumbnail_ready(self, frame: int) -> None:
        if self.display:  # only the lines on screen are drawn again
            self.refresh()
            self._place_sixels()

    # --- keys --------------------------------------------------------------------------------
    def _target(self, across: int, down: int) -> int | None:
        target = self.scene_list.cursor + across + down * self.columns
        if down and not 0 <= target < self.count:
            return None  # no row above the first or below the last: stay
        return max(0, min(target, self.count - 1))

    def action_move(self, across: int, down: int) -> None:
        target = self._target(across, down)
        if target is not None:
            self.scene_list.plain_move(target)  # a shift range ends, a visual one follows

    def action_extend(self, across: int, down: int) -> None:
        target = self._target(across, down)
        if target is not None:
            self.scene_list.extend_to(target)

    def action_page(self, pages: float) -> None:
        """PageUp/PageDown a screenful of rows, ctrl+d/ctrl+u half of one (at least a row)."""
        rows = max(1, self.scrollable_content_region.height // CELL_HEIGHT)
        step = max(1, round(rows * abs(pages))) * (1 if pages > 0 else -1)
        target = self.scene_list.cursor + step * self.columns
        self.scene_list.plain_move(max(0, min(target, self.count - 1)))

    def action_jump(self, index: int) -> None:
        self.scene_list.plain_move(index if index >= 0 else self.count - 1)

    def action_visual(self) -> None:
        self.scene_list.action_visual()

    def action_leave_range(self) -> None:
        self.scene_list.action_leave_range()  # none on: escape goes on to the picker (back)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_range":
            return self.scene_list.range.active
        return True

    def on_click(self, event: Click) -> None:
        row = (round(self.scroll_y) + event.y) // CELL_HEIGHT
        column = event.x // self.cell_width
        index = row * self.columns + column
        if column < self.columns and 0 <= index < self.count:
            self.scene_list.plain_move(index)

    # --- rendering ---------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = round(self.scroll_y) + y
        row, sub = divmod(line, CELL_HEIGHT)
        segments: list[Segment] = []
        for column in range(self.columns):
            index = row * self.columns + column
            if index >= self.count:
                break
            segments += self._cell_line(index, sub)
        return Strip(segments).crop_extend(0, width, self.rich_style)

    def _cell_line(self, index: int, sub: int) -> list[Segment]:
        """Line `sub` of scene `index`'s cell, GAP cells on its left included."""
        scene_list = self.scene_list
        at_cursor = index == scene_list.cursor
        in_range = index in scene_list.range.rows(scene_list.cursor)
        mark = "▐" if at_cursor else (RANGE_MARK if in_range else " ")  # a range reads without colour too
        gap = Segment((mark if sub < THUMB_LINES + CAPTION_LINES else " ").rjust(GAP), self._styles.full(""))
        if sub < THUMB_LINES:
            frame = scene_list.picture_frames[index]
            if self._sixel_cell(index):  # drawn over these cells
                return [gap, Segment(" " * THUMB_CELLS, self._styles.full(""))]
            rows = self.pictures.rows(frame, self.thumbnail, THUMB_CELLS, THUMB_LINES)
            if rows is None:
                dots = "·" * THUMB_CELLS if sub == THUMB_LINES // 2 else " " * THUMB_CELLS
                return [gap, Segment(dots, self._styles.full("scene-grid--placeholder"))]
            return [gap, *rows[sub]]
        if sub >= THUMB_LINES + CAPTION_LINES:
            return [Segment(" " * (GAP + THUMB_CELLS), self._styles.full(""))]
        number = scene_list.scenes[index].index
        marked = number in scene_list.picks.selected
        base = self._styles.full("scene-grid--cursor" if at_cursor else ("" if marked else "scene-grid--unmarked"))
        if in_range and not at_cursor:
            base += self._styles.own("scene-grid--range")
        if sub == THUMB_LINES:
            found = scene_list.picks.group_of(number)
            group = f"g{found[0]}" if found else ""
            left = f"{'[x]' if marked else '[ ]'} {number}"[:THUMB_CELLS]
            group = group[: max(0, THUMB_CELLS - len(left) - 1)]
            pad = " " * (THUMB_CELLS - len(left) - len(group))
            return [gap, Segment(left + pad, base), Segment(group, base + self._styles.own("scene-grid--group"))]
        return [gap, Segment(f"    {duration(scene_list.scenes[index].duration)}".ljust(THUMB_CELLS), base)]


class GridPictures:
    """Sixel pictures over the grid's cells: Sixel cannot go through render_line, so textual-image's
    widget draws each wholly visible thumbnail, placed (absolutely, on a layer above) where the grid
    leaves its cell blank. Nothing else is covered: the captions stay the grid's."""

    def __init__(self, grid: SceneGrid, parent: Widget):
        self.grid, self.parent = grid, parent
        self.shown: dict[int, Widget] = {}  # scene index -> its picture
        self.display = True

    def hide(self) -> None:
        self.display = False
        for picture in self.shown.values():
            picture.remove()
        self.shown.clear()

    def place(self) -> None:
        from textual_image.widget import SixelImage

        grid = self.grid
        if not self.display or not grid.display:
            return
        top = round(grid.scroll_y)
        dx = grid.region.x - self.parent.content_region.x
        dy = grid.region.y - self.parent.content_region.y
        wanted: dict[int, tuple[Image.Image, int, int, int, int]] = {}
        for index in grid.visible_rows():
            image = grid.thumbnail(grid.scene_list.picture_frames[index])
            if image is None or not grid._sixel_cell(index):
                continue
            w, h = graphics.fit_cells(image.size, THUMB_CELLS, THUMB_LINES)
            row, column = divmod(index, grid.columns)
            x = dx + column * grid.cell_width + GAP + (THUMB_CELLS - w) // 2
            y = dy + row * CELL_HEIGHT - top + (THUMB_LINES - h) // 2
            wanted[index] = (image, x, y, w, h)
        for index in [i for i in self.shown if i not in wanted]:
            self.shown.pop(index).remove()
        for index, (image, x, y, w, h) in wanted.items():
            picture = self.shown.get(index)
            if picture is None:
                picture = self.shown[index] = SixelImage(classes="grid-sixel")
                self.parent.mount(picture)
            picture.styles.offset = (x, y)
            picture.styles.width, picture.styles.height = w, h
            if picture.image is not image:  # type: ignore[attr-defined]
                picture.image = image  # type: ignore[attr-defined]
