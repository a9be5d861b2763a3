"""The picker's detection graph (d): every frame's decision score over the whole master, the threshold
line, the cuts, the gradual transitions' spans and the cursor's scene, drawn with block characters.

One column covers the frames that fall in it and shows their highest score (a cut is one frame: the
maximum keeps it visible on a two-hour master). Bars reach up in eighths of a cell (▁ to █); bars at
or over the threshold are drawn in the warning colour, and the threshold is a line (─) across the
gaps. The row under the bars marks each scene's first frame (┃), a gradual transition's span (░) and
the cursor's scene (━); the line above says the threshold, the minimum length and their keys. Readable
without colour: every mark is a glyph.

The scale runs from 0 to the scores' 98th percentile (a few tall spikes do not flatten the rest), kept
between 2 and 3 times the threshold, so the line always shows and the bars near it are tall enough
to compare (an adaptive ratio reaches 255 on a cut after a still shot). It is kept while the user
steps the threshold (the line moves, the bars stay) until the line would leave it. numpy is imported
with the scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from core.scene import Scene

if TYPE_CHECKING:
    import numpy as np

BARS = " ▁▂▃▄▅▆▇█"
CUT, GRADUAL, CURSOR, AXIS, LINE = "┃", "░", "━", "─", "─"
LEGEND_KEYS = f"{CUT} cut {GRADUAL} gradual {CURSOR} this scene"


def column_maxima(scores: np.ndarray, columns: int) -> np.ndarray:
    """Each column's highest score (0 where its frames have none); a column per frame at least."""
    import numpy as np

    n = len(scores)
    if n == 0 or columns <= 0:
        return np.zeros(max(columns, 0))
    starts = (np.arange(columns) * n) // columns  # frames of column c: starts[c] .. starts[c+1]-1
    values = np.fmax.reduceat(np.asarray(scores, np.float64), starts)  # fmax: NaN (no score) ignored
    return np.nan_to_num(values, nan=0.0)


def nice_top(values: np.ndarray, threshold: float) -> float:
    """The scale's top: the 98th percentile of the column maxima, kept between 2 and 3 times the
    threshold (the line sits a third to half way up; taller bars are cut at the top)."""
    import numpy as np

    top = float(np.percentile(values, 98)) if len(values) else 0.0
    return max(min(top, 3 * threshold), 2 * threshold, 1e-6)


class DetectionGraph(Widget):
    DEFAULT_CSS = """
    DetectionGraph {
        height: 7;
        padding: 0 1;
        background: $panel;
    }
    DetectionGraph > .detection-graph--bar { color: $secondary; }
    DetectionGraph > .detection-graph--over { color: $warning; text-style: bold; }
    DetectionGraph > .detection-graph--threshold { color: $error; }
    DetectionGraph > .detection-graph--axis { color: $text-muted; }
    DetectionGraph > .detection-graph--cut { color: $text; text-style: bold; }
    DetectionGraph > .detection-graph--gradual { background: $boost; }
    DetectionGraph > .detection-graph--cursor { background: $primary 35%; }
    DetectionGraph > .detection-graph--legend { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "detection-graph--bar",
        "detection-graph--over",
        "detection-graph--threshold",
        "detection-graph--axis",
        "detection-graph--cut",
        "detection-graph--gradual",
        "detection-graph--cursor",
        "detection-graph--legend",
    }

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.scores: np.ndarray | None = None
        self.first_frame = 0  # the master's number of scores[0] (a detection window's first frame)
        self.message = "loading the detection statistics…"
        self.detector = ""
        self.threshold = 0.0
        self.min_len = 0
        self.busy = False  # a new threshold is being applied
        self.scenes: Sequence[Scene] = ()
        self.cursor = 0
        self._columns: tuple[int, int, np.ndarray] | None = None  # (width, id(scores), maxima)
        # the scale's top, kept while the threshold steps (the line moves, the bars stay): made anew for
        # other scores or widths, or when the line would leave the scale
        self._top: tuple[int, int, float] | None = None  # (width, id(scores), top)

    # --- what it shows ---------------------------------------------------------------------------
    def show_loading(self) -> None:
        self.scores, self.message = None, "loading the detection statistics…"
        self.refresh()

    def unavailable(self, reason: str) -> None:
        self.scores, self.message = None, f"no statistics: {reason}"
        self.refresh()

    def show_scores(self, scores: np.ndarray, first_frame: int = 0) -> None:
        self.scores, self.first_frame, self._columns = scores, first_frame, None
        self.refresh()

    def set_params(self, detector: str, threshold: float, min_len: int, busy: bool = False) -> None:
        self.detector, self.threshold, self.min_len, self.busy = detector, float(threshold), int(min_len), busy
        self.refresh()

    def set_scenes(self, scenes: Sequence[Scene], cursor: int) -> None:
        if scenes is not self.scenes or cursor != self.cursor:  # the picker calls it on every move
            self.scenes, self.cursor = scenes, cursor
            self.refresh()

    def set_cursor(self, cursor: int) -> None:
        if cursor != self.cursor:
            self.cursor = cursor
            self.refresh()

    # --- drawing ---------------------------------------------------------------------------------
    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"detection-graph--{name}", partial=True)

    def render(self) -> Text:
        width, height = self.content_region.width, self.content_region.height
        if width <= 0 or height <= 0:
            return Text()
        rows = max(1, height - 2)  # the legend above, the marks below
        if self.scores is None:
            hint = "" if self.message.startswith("loading") else "t detects again (a detection caches them)"
            body = [Text(self.message[:width]), Text(hint[:width], style=self._style("legend"))]
            lines = [self._legend(width, None), *body, *[Text()] * (height - 3)]
            return Text("\n").join(lines[:height])
        values = self._maxima(width)
        top = self._scale_top(width, values)
        lines = [self._legend(width, top), *self._bars(values, top, rows), self._marks(width)]
        return Text("\n").join(lines[:height])

    def _maxima(self, width: int) -> np.ndarray:
        assert self.scores is not None
        if self._columns is None or self._columns[:2] != (width, id(self.scores)):
            self._columns = (width, id(self.scores), column_maxima(self.scores, width))
        return self._columns[2]

    def _scale_top(self, width: int, values: np.ndarray) -> float:
        held = self._top
        if held is not None and held[:2] == (width, id(self.scores)) and 0 < self.threshold < held[2]:
            return held[2]
        top = nice_top(values, self.threshold)
        self._top = (width, id(self.scores), top)
        return top

    def _legend(self, width: int, top: float | None) -> Text:
        parts: list[tuple[str, ...]] = [("detection graph" if top is None else self.detector or "detection graph",)]
        if top is not None:
            frames = "frame" if self.min_len == 1 else "frames"
            parts += [
                (f"threshold {self.threshold:g} -/+",),
                (f"min {self.min_len} {frames} </>",),
                (f"{len(self.scenes)} scenes",),
            ]
            if self.busy:
                parts.append(("applying…",))
            parts += [(f"scale 0-{top:.3g}", f"0-{top:.3g}"), (LEGEND_KEYS,)]
        text = parts[0][0]
        for forms in parts[1:]:  # what fits, in this order (shortened where that fits): the keys' legend
            part = next((form for form in forms if len(text) + 3 + len(form) <= width), None)  # goes first
            if part is not None:
                text += " · " + part
        return Text(text, style=self._style("legend"))

    def _column_of(self, frame: int, width: int) -> int:
        assert self.scores is not None
        n = max(1, len(self.scores))
        # the column whose frames (column_maxima: from c * n // width on) hold it
        return max(0, min(width - 1, ((frame - self.first_frame + 1) * width + n - 1) // n - 1))

    def _backgrounds(self, width: int) -> tuple[list[Style | None], list[str]]:
        """Each column's background (gradual span, cursor's scene) and its mark under the bars."""
        background: list[Style | None] = [None] * width
        marks = [AXIS] * width
        if self.scenes and 0 <= self.cursor < len(self.scenes):
            scene = self.scenes[self.cursor]
            cursor_style = self._style("cursor")
            for c in range(self._column_of(scene.start_frame, width), self._column_of(scene.end_frame, width) + 1):
                background[c], marks[c] = cursor_style, CURSOR
        gradual = self._style("gradual")
        for scene in self.scenes[1:]:
            t = scene.transition_in
            if t is not None and t.kind != "cut" and t.last > t.first:
                for c in range(self._column_of(t.first, width), self._column_of(t.last, width) + 1):
                    background[c] = background[c] or gradual
                    marks[c] = GRADUAL
        for scene in self.scenes[1:]:
            marks[self._column_of(scene.start_frame, width)] = CUT
        return background, marks

    def _bars(self, values: np.ndarray, top: float, rows: int) -> list[Text]:
        width = len(values)
        background, _ = self._backgrounds(width)
        eighths = [round(min(float(v), top) / top * rows * 8) for v in values]
        over = [float(v) >= self.threshold for v in values]
        line_row = min(rows - 1, int(self.threshold / top * rows))  # counted from the bottom
        bar, high, line = self._style("bar"), self._style("over"), self._style("threshold")
        out = []
        for from_bottom in range(rows - 1, -1, -1):
            text = Text()
            for c in range(width):
                fill = max(0, min(8, eighths[c] - 8 * from_bottom))
                if fill == 0 and from_bottom == line_row:
                    glyph, style = LINE, line
                else:
                    glyph, style = BARS[fill], high if over[c] else bar
                text.append(glyph, style + background[c] if background[c] else style)
            out.append(text)
        return out

    def _marks(self, width: int) -> Text:
        background, marks = self._backgrounds(width)
        axis, cut = self._style("axis"), self._style("cut")
        text = Text()
        for c, mark in enumerate(marks):
            style = cut if mark == CUT else axis
            text.append(mark, style + background[c] if background[c] else style)
        return text
