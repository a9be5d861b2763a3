"""A range of rows in the scene list (no Textual): from where it started (the anchor) to the cursor.

Two ways in, as in lazygit and vim: shift with a movement key (shift+up/down, J/K) starts a range at
the cursor and extends it; a plain movement key then leaves it. `V` starts a visual range that every
movement extends until `V` again or escape. The picker's selection keys act on the range when there
is one (space, g, u, a, i, x), else on the cursor's scene.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SceneRange:
    anchor: int | None = None  # 0-based row where the range started; None: no range
    visual: bool = False  # started with V: plain movement extends it too

    @property
    def active(self) -> bool:
        return self.anchor is not None

    def extend_from(self, cursor: int) -> None:
        """Shift+movement: start at the cursor unless a range is on already."""
        if self.anchor is None:
            self.anchor = cursor

    def toggle_visual(self, cursor: int) -> None:
        if self.visual:
            self.leave()
        else:
            self.anchor, self.visual = cursor if self.anchor is None else self.anchor, True

    def leave(self) -> None:
        self.anchor, self.visual = None, False

    def on_plain_move(self) -> None:
        """j/k, arrows, pages: a shift range ends, a visual one goes on."""
        if not self.visual:
            self.leave()

    def rows(self, cursor: int) -> range:
        """The rows in the range (0-based), empty without one."""
        if self.anchor is None:
            return range(0)
        return range(min(self.anchor, cursor), max(self.anchor, cursor) + 1)

    def span(self, cursor: int) -> tuple[int, int] | None:
        """First and last scene number (1-based) in the range, None without one."""
        rows = self.rows(cursor)
        return (rows.start + 1, rows.stop) if rows else None
