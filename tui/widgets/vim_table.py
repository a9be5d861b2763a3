"""A row-cursor DataTable that moves with vat's list keys (tui/widgets/list_keys.py), as every list does."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist, RowKey

from tui.safe_text import plain
from tui.widgets.list_keys import NAV_BINDINGS, ListKeys


class VimTable(ListKeys, DataTable):
    BINDINGS = NAV_BINDINGS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def add_row(self, *cells: Any, **kwargs: Any) -> RowKey:
        # Plain text: names, paths and values typed by users may hold [brackets] that are not markup,
        # and control characters that are shown escaped.
        return super().add_row(*(plain(c) if isinstance(c, str) else c for c in cells), **kwargs)

    def nav_position(self) -> tuple[int, int]:
        return self.cursor_row, self.row_count

    def nav_to(self, row: int) -> None:
        self.move_cursor(row=row, animate=False)

    def nav_page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - (1 if self.show_header else 0))

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
