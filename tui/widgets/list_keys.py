"""The one set of moving keys of every list, dialog list, file browser and help in vat (issue 13):
j/k and the arrows, Home/End, G (last), ctrl+d/ctrl+u (half a page), PageUp/PageDown. The scene list
of the picker has its own, with the same keys (`g` is group there, so the first row is Home everywhere).

A widget mixes in ListKeys before its Textual class, sets `BINDINGS = NAV_BINDINGS` (Textual reads
BINDINGS only from widget classes, not from a mixin) and says where its cursor is (`nav_position`)
and how to move it (`nav_to`); the actions and the bindings are shared, not copied."""

from __future__ import annotations

from textual.binding import Binding, BindingType

NAV_PREFIX = "nav-"  # the help shows these bindings as one "Move" line

NAV_BINDINGS: list[BindingType] = [
    Binding("down,j", "nav_move(1)", "Down", show=False, id="nav-down"),
    Binding("up,k", "nav_move(-1)", "Up", show=False, id="nav-up"),
    Binding("home", "nav_first", "First", show=False, id="nav-first"),
    Binding("end,G", "nav_last", "Last", show=False, id="nav-last"),
    Binding("ctrl+d", "nav_page(0.5)", "Half page down", show=False, id="nav-half-down"),
    Binding("ctrl+u", "nav_page(-0.5)", "Half page up", show=False, id="nav-half-up"),
    Binding("pagedown", "nav_page(1)", "Page down", show=False, id="nav-page-down"),
    Binding("pageup", "nav_page(-1)", "Page up", show=False, id="nav-page-up"),
]

# Moving the cursor is what the keys are for, not something to look up by name: the command palette
# leaves out the focused widget's bindings to these actions (the picker's list and grid use the first
# five, every other list the nav_ ones).
MOVE_ACTIONS = frozenset(
    {"move", "page", "half_page", "jump", "sideways", "nav_move", "nav_first", "nav_last", "nav_page"}
    | {"app.focus_next", "app.focus_previous"}
)

MOVE_SUMMARY = "Move: j/k ↑/↓, Home/End (G last), ctrl+d/ctrl+u half page, PgUp/PgDn"


class ListKeys:
    """Mixin for a focusable widget with a row cursor (or, for text, a scroll position)."""

    def nav_position(self) -> tuple[int, int]:
        """(the cursor's row, how many rows there are)."""
        raise NotImplementedError

    def nav_to(self, row: int) -> None:
        raise NotImplementedError

    def nav_page_rows(self) -> int:
        """Rows in one page: what the widget shows at once."""
        return max(1, self.scrollable_content_region.height)  # type: ignore[attr-defined]

    def _nav_go(self, row: int) -> None:
        _current, count = self.nav_position()
        if count:
            self.nav_to(max(0, min(count - 1, row)))

    def action_nav_move(self, step: int) -> None:
        self._nav_go(self.nav_position()[0] + step)

    def action_nav_first(self) -> None:
        self._nav_go(0)

    def action_nav_last(self) -> None:
        self._nav_go(self.nav_position()[1] - 1)

    def action_nav_page(self, pages: float) -> None:
        rows = max(1, round(self.nav_page_rows() * abs(pages)))
        self._nav_go(self.nav_position()[0] + (rows if pages > 0 else -rows))


def scroll_keys(scrollable: type) -> type:
    """A scrolling container (help text) with the list keys: a row is a line of text."""

    class ScrollKeys(ListKeys, scrollable):
        BINDINGS = NAV_BINDINGS

        def nav_position(self) -> tuple[int, int]:
            return round(self.scroll_y), int(self.max_scroll_y) + 1

        def nav_to(self, row: int) -> None:
            self.scroll_to(y=row, animate=False)

    ScrollKeys.__name__ = f"{scrollable.__name__}Keys"
    return ScrollKeys
