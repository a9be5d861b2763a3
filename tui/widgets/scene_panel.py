"""Beside the scene list: the highlighted scene's thumbnail, larger, and its details: its times, its
source timecode (the master's start timecode on, drop-frame where it is; the end is the label of the
frame after it, as an EDL's out point and as the times' end) and frames, the transition that begins
it and the one that ends it (kind, frames, times), its group, and the master's own chapter starting
in it (or the one it lies in)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PIL import Image
from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.widget import Widget

from core.detection.transition import Transition
from core.media.timecode import SourceTimecode
from core.pipeline.markers import Chapter, chapter_at, chapters_starting_in
from core.pipeline.transition_trim import still_frame
from core.scene import Scene
from core.text import terminal_safe
from tui import graphics
from tui.formatting import duration, timecode
from tui.transition_text import incoming, name
from tui.widgets.picture import Picture, lines_renderable
from tui.widgets.scene_list import CHAPTER_MARK

DETAIL_LINES = 13  # kept below the picture for the details, at most (the picture shrinks first)
WAITING_ASPECT = (16, 9)  # the picture's shape until the thumbnail is made
NARROW, WIDE, WIDE_FROM = 26, 40, 110  # the panel's width below and from WIDE_FROM columns
WIDEST = 0.45  # of the screen, at most: the picture grows with the terminal where the list has room


def panel_width(screen_width: int, list_wants: int) -> int:
    """26 cells below 110 columns; above, what the list leaves (all its columns and its titles), 40 at
    least and 45% of the screen at most."""
    if screen_width < WIDE_FROM:
        return NARROW
    return max(WIDE, min(int(screen_width * WIDEST), screen_width - list_wants))


class ScenePanel(Widget):
    DEFAULT_CSS = """
    ScenePanel {
        width: 30;
        height: 1fr;
        padding: 0 1;
        border-left: vkey $foreground 20%;
    }
    ScenePanel > #panel-picture {
        dock: top;
        height: 2;
    }
    """

    def __init__(
        self,
        thumbnail: Callable[[int], Image.Image | None],
        hours: bool = True,
        chapters: Sequence[Chapter] = (),
        id: str | None = None,
        source_timecode: SourceTimecode | None = None,
    ):
        """`hours`: times with hours (a video of an hour or more), as the scene list shows them.
        `chapters`: the master's own, the one the scene lies in or those starting in it shown by title.
        `source_timecode`: the master's frames as timecode (None: no timecode line)."""
        super().__init__(id=id)
        self.chapters = chapters
        self.thumbnail = thumbnail
        self.source_timecode = source_timecode
        self.hours = hours
        self.scene: Scene | None = None
        self.after: Scene | None = None
        self.marked = False
        self.group = ""
        self.texts = ("", "")  # the scene's title and note (the picker sets them before show)
        self._drawn: tuple[int, int, int] | None = None  # (frame, cells, lines) of the rows below
        self._rows: list[list[Segment]] = []
        self._kitty: list[Any] = []  # the Kitty image shown: freed in the terminal when replaced

    def compose(self) -> ComposeResult:
        if graphics.mode() == "sixel":  # drawn over the blank lines render() leaves for it
            yield Picture(placeholder="", id="panel-picture")

    def show(self, scene: Scene | None, marked: bool, group: str, after: Scene | None = None) -> None:
        """`after`: the next scene, whose incoming transition ends this one (None: the last scene)."""
        self.scene, self.marked, self.group, self.after = scene, marked, group, after
        self.refresh()

    @property
    def picture_frame(self) -> int | None:
        """The frame its midpoint still is taken from: never inside a transition."""
        return None if self.scene is None else still_frame(self.scene, self.after, True)

    def thumbnail_ready(self, frame: int) -> None:
        if self.scene is not None and frame == self.picture_frame:
            self.refresh()

    def render(self) -> RenderableType:
        scene = self.scene
        if scene is None:
            return Text("No scenes.", style="dim")
        width, height = self.content_size
        frame = still_frame(scene, self.after, True)
        image = self.thumbnail(frame)
        picture = self._picture(frame, image, width, max(2, height - DETAIL_LINES))
        details = Text.assemble(
            (f"Scene {scene.index}", "bold"),
            ("  marked" if self.marked else "  not marked", ""),
            *self._texts(),
            f"\n{timecode(scene.start, self.hours)} → {timecode(scene.end, self.hours)}",
            *self._source_timecode(scene, width),
            f"\n{duration(scene.duration)} · frames {scene.start_frame}-{scene.end_frame}",
            *self._transition("in", incoming(scene), "start of the video"),
            *self._transition("out", incoming(self.after) if self.after else None, "end of the video"),
            f"\n{self.group}" if self.group else "",
            *self._chapter(scene, width),
        )
        return Group(picture, Text(""), details)

    def _picture(self, frame: int, image: Image.Image | None, width: int, room: int) -> RenderableType:
        """The thumbnail as large as the panel's width and the height left by the details allow."""
        lines = max(2, graphics.fitted_lines(image.size if image else WAITING_ASPECT, width, room))
        if image is None:
            self._show_sixel(None, width, lines)
            return Text(
                "\n" * (lines // 2) + "making thumbnail…".center(width) + "\n" * (lines - lines // 2 - 1), style="dim"
            )
        if graphics.mode() == "sixel":
            self._show_sixel(image, width, lines)
            return Text("\n" * (lines - 1))
        key = (frame, width, lines)
        if key != self._drawn:
            for old in self._kitty:
                old.cleanup()
            self._kitty = []
            self._rows = graphics.picture_lines(image, width, lines, picture=self._kitty)
            self._drawn = key
        return lines_renderable(self._rows)

    def on_unmount(self) -> None:
        for old in self._kitty:
            old.cleanup()
        self._kitty = []

    def _show_sixel(self, image: Image.Image | None, width: int, lines: int) -> None:
        if graphics.mode() != "sixel":
            return
        picture = self.query_one("#panel-picture", Picture)
        picture.styles.height = lines
        if picture.image is not image:
            picture.set_image(image)

    def _source_timecode(self, scene: Scene, width: int) -> list[tuple[str, str] | str]:
        """'TC 00:00:59;28–00:01:00;20' where 26 columns fit, else without 'TC ' (23: the panel's
        width at 80 columns): one line either way."""
        tc = self.source_timecode
        if tc is None:
            return []
        labels = f"{tc.label(scene.start_frame)}–{tc.label(scene.end_frame + 1)}"
        return [("\nTC ", "dim"), labels] if width >= len(labels) + 3 else ["\n", labels]

    def _texts(self) -> list[tuple[str, str]]:
        """The title in full, the note's first line: typed text, its control characters escaped."""
        title, note = self.texts
        lines = [(f"\n{terminal_safe(title)}", "italic")] if title else []
        if note:
            first = note.split("\n", 1)[0]
            lines.append((f"\nnote: {terminal_safe(first)}{' …' if first != note else ''}", "dim"))
        return lines

    def _chapter(self, scene: Scene, width: int) -> list[tuple[str, str] | str]:
        """'§ Title' for the first chapter starting in the scene ('+2' more), else 'in § Title', dimmed:
        one line, cut to the panel's width (a file's title is untrusted text: controls shown escaped)."""
        starting = chapters_starting_in(self.chapters, scene.start_frame, scene.end_frame)
        current = starting[0] if starting else chapter_at(self.chapters, scene.start_frame)
        if current is None:
            return []
        more = f" +{len(starting) - 1}" if len(starting) > 1 else ""
        prefix = f"{CHAPTER_MARK} " if starting else f"in {CHAPTER_MARK} "
        title = terminal_safe(current.title or "untitled")
        room = max(1, width - len(prefix) - len(more))
        if len(title) > room:
            title = title[: room - 1] + "…"
        return [("\n" + prefix, "bold" if starting else "dim"), (title, "" if starting else "dim"), (more, "dim")]

    def _transition(self, side: str, t: Transition | None, none: str) -> list[tuple[str, str] | str]:
        """'in: dissolve' / '  13 frames: 84-96' / '  00:03.360 → 00:03.880'; a cut in two lines."""
        label = (f"\n{side}: ", "dim")
        if t is None:
            return [label, none]
        if t.kind == "cut":
            return [label, f"cut at frame {t.boundary}", f"\n  {self._time_of(t.boundary)}"]
        return [
            label,
            name(t.kind),
            f"\n  {t.frame_count} frames: {t.first}-{t.last}",
            f"\n  {self._time_of(t.first)} → {self._time_of(t.last + 1)}",
        ]

    def _time_of(self, frame: int) -> str:
        """When `frame` starts, from the scene's own times and frames (the session keeps no frame
        table; a transition lies at most one scene away, so the error of a variable rate stays small)."""
        scene = self.scene
        assert scene is not None
        per_frame = (scene.end - scene.start) / max(1, scene.end_frame - scene.start_frame + 1)
        return timecode(scene.start + (frame - scene.start_frame) * per_frame, self.hours)
