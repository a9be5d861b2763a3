"""A row-cursor DataTable that also moves with vim keys (j/k, g/G), as every list in vat does."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist, RowKey

from tui.safe_text import plain


class VimTable(DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="table-down"),
        Binding("k", "cursor_up", "Up", show=False, id="table-up"),
        Binding("g", "first_row", "First", show=False, id="table-first"),
        Binding("G", "last_row", "Last", show=False, id="table-last"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def add_row(self, *cells: Any, **kwargs: Any) -> RowKey:
        # Plain text: names, paths and values typed by users may hold [brackets] that are not markup,
        # and control characters that are shown escaped.
        return super().add_row(*(plain(c) if isinstance(c, str) else c for c in cells), **kwargs)

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=self.row_count - 1)

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def select_key(self, key: str | None) -> None:
        """Put the cursor on the row with this key, if there is one."""
        if key is None:
            return
        try:
            self.move_cursor(row=self.get_row_index(key))
        except RowDoesNotExist:  # deleted or filtered out: keep the cursor where it is
            pass
