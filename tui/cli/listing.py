"""The listings' tables (vat sessions, history, queue, pack --list, roots list) at any width: an id or a
path is never cut short with an ellipsis, since it is what a user copies into the next command. It is
kept whole on one line where the terminal has room (the other columns wrap first), else folded; the
columns that can go are left out when the table cannot fit so; no cell ends in "…"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.cli.common import cells, console

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

PADDING = 2  # a cell's own padding, one space each side
# the width a column is given at least, for its words (beside the ids and paths) and for an id or a path
# (below it Rich shares a very narrow terminal out as it can)
TOO_NARROW = 10


@dataclass(frozen=True)
class Column:
    name: str
    whole: bool = False  # an id or a path: whole on one line where it fits, else folded, never cut
    right: bool = False  # numbers
    drop: int = 0  # left out, 1 first, then 2..., while the table does not fit the terminal (0: never)


def print_listing(title: str, columns: Sequence[Column], rows: Sequence[Sequence[object]], **table: Any) -> None:
    """Print the rows (one value per column) as a table that fits the terminal (table: Table's options)."""
    out = console()
    out.print(listing(title, columns, rows, out.width, **table))


def listing(title: str, columns: Sequence[Column], rows: Sequence[Sequence[object]], width: int, **table: Any) -> Table:
    from rich.table import Table

    texts = [cells(*row) for row in rows]
    needs = [_need(column, [row[i] for row in texts]) for i, column in enumerate(columns)]
    keep = list(range(len(columns)))
    spares = sorted((i for i, column in enumerate(columns) if column.drop), key=lambda i: columns[i].drop)
    while spares and sum(needs[i] + PADDING for i in keep) + len(keep) + 1 > width:
        keep.remove(spares.pop(0))
    widths = _whole_widths(columns, needs, keep, width)
    result = Table(title=title, **table)
    for i in keep:
        result.add_column(
            columns[i].name,
            justify="right" if columns[i].right else "left",
            overflow="fold",  # a word longer than its column folds rather than ending in "…"
            width=widths.get(i),  # a fixed width is narrowed only when nothing else can be
        )
    for row in texts:
        result.add_row(*(row[i] for i in keep))
    return result


def _need(column: Column, values: list[Text]) -> int:
    """The narrowest a column is shown well: an id or a path at its longest, another at its longest word
    (TOO_NARROW at most, its other words wrap); never narrower than its heading's longest word."""
    if column.whole:
        need = max((t.cell_len for t in values), default=0)
    else:
        need = min(max((len(word) for t in values for word in t.plain.split()), default=0), TOO_NARROW)
    return max(need, *(len(word) for word in column.name.split()), 1)


def _whole_widths(columns: Sequence[Column], needs: list[int], keep: list[int], width: int) -> dict[int, int]:
    """The ids' and paths' columns' widths: each its longest where the room beside the others allows,
    else the room shared (the narrowest first given all it needs), so that the shorter ids stay whole."""
    whole = sorted((i for i in keep if columns[i].whole), key=lambda i: needs[i])
    room = width - len(keep) - 1 - sum(needs[i] + PADDING for i in keep if not columns[i].whole)
    room -= PADDING * len(whole)
    widths = {}
    for n, i in enumerate(whole):
        share = room // (len(whole) - n)
        if share < TOO_NARROW:  # a terminal too narrow for anything: Rich shares it out
            break
        widths[i] = min(needs[i], share)
        room -= widths[i]
    return widths
