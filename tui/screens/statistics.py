"""Statistics of every completed project (core/catalogue/statistics.py, as `vat stats` prints them):
per month, per preset, per project tag, and outputs by kind with the compression achieved."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from core.catalogue.statistics import Row, Statistics, statistics
from tui.display import bytes_text, ratio_text, seconds_text
from tui.safe_text import terminal_safe
from tui.widgets.vim_table import VimTable

TABS = ("month", "preset", "tag", "kind")
# k is the tables' cursor key (vim): the outputs-by-kind tab goes by o
TAB_LABELS = {"month": "Month", "preset": "Preset", "tag": "Tag", "kind": "Outputs by kind"}
COLUMNS = {
    **{name: (name.capitalize(), "Projects", "Outputs", "Size", "Time") for name in ("month", "preset", "tag")},
    "kind": ("Kind", "Outputs", "Size", "Masters", "Compression"),
}
KEY_WIDTH = 34  # a long preset or tag is cut (as `vat stats` cuts it): the figures stay in 80 columns


def fill(table: VimTable, labels: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """The table's columns and rows at once: each column as wide as its widest cell, the figures
    right-aligned (as `vat stats` prints them). The widths are set, not measured: DataTable measures
    added rows only when idle, and a frame drawn before that keeps its header at the labels' widths
    above rows drawn at the measured ones (the first render misaligned)."""
    table.clear(columns=True)
    for n, label in enumerate(labels):
        width = max([cell_len(label), *(cell_len(row[n]) for row in rows)])
        table.add_column(
            Text(label, justify="left" if n == 0 else "right"), width=min(width, KEY_WIDTH) if n == 0 else width
        )
    for row in rows:
        key = Text(terminal_safe(row[0]), no_wrap=True, overflow="ellipsis")
        table.add_row(key, *(Text(cell, justify="right") for cell in row[1:]))


def summary_text(stats: Statistics) -> str:
    return (
        f"{stats.projects} project{'s' * (stats.projects != 1)} ({stats.successful} successful) · "
        f"{stats.outputs} outputs · {bytes_text(stats.bytes)} · processing {seconds_text(stats.seconds)}\n"
        f"Compression: masters {bytes_text(stats.master_bytes)} over deliverables "
        f"{bytes_text(stats.deliverable_bytes)}: {ratio_text(stats.ratio)}"
    )


class StatisticsLoaded(Message):
    def __init__(self, stats: Statistics) -> None:
        super().__init__()
        self.stats = stats


class StatisticsScreen(Screen):
    CSS_PATH = "statistics.tcss"
    TITLE = "Statistics"
    HELP = (
        "Every completed project, archived ones included (vat stats prints the same). m: per month, p: per "
        "preset, t: per project tag (namespace:value), o: outputs by kind with their size and the compression "
        "achieved (the masters' size over the outputs'; overall, over every deliverable). r reloads."
    )
    BINDINGS = [
        Binding("m", "tab('month')", "Month", id="statistics-month"),
        Binding("p", "tab('preset')", "Preset", id="statistics-preset"),
        Binding("t", "tab('tag')", "Tag", id="statistics-tag"),
        Binding("o", "tab('kind')", "Outputs", id="statistics-kind"),
        Binding("r", "reload", "Refresh", id="statistics-refresh"),
        Binding("escape", "back", "Back", id="statistics-back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="statistics-summary", markup=False)
        with TabbedContent(initial="month", id="statistics-tabs"):
            for name in TABS:
                with TabPane(TAB_LABELS[name], id=name):
                    yield VimTable(id=f"statistics-{name}-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for name in TABS:
            fill(self.table(name), COLUMNS[name], [])
        self.action_reload()
        self.table("month").focus()

    def table(self, name: str) -> VimTable:
        return self.query_one(f"#statistics-{name}-table", VimTable)

    def action_reload(self) -> None:
        self.query_one("#statistics-summary", Static).update("Summing up every project…")
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, name="summing the statistics")
    def load(self) -> None:
        # grouped by the database, quick for a long history; off the event loop all the same (a busy
        # database waits its busy timeout)
        self.post_message(StatisticsLoaded(statistics()))

    def on_statistics_loaded(self, message: StatisticsLoaded) -> None:
        stats = message.stats
        self.query_one("#statistics-summary", Static).update(summary_text(stats))
        tables: dict[str, list[Row]] = {"month": stats.by_month, "preset": stats.by_preset, "tag": stats.by_tag}
        for name, lines in tables.items():
            rows = [
                (r.key, str(r.projects), str(r.outputs), bytes_text(r.bytes), seconds_text(r.seconds)) for r in lines
            ]
            fill(self.table(name), COLUMNS[name], rows)
        kinds = [
            (
                k.kind,
                str(k.count),
                bytes_text(k.bytes),
                bytes_text(k.master_bytes) if k.master_bytes else "-",
                ratio_text(k.ratio),
            )
            for k in stats.by_kind
        ]
        fill(self.table("kind"), COLUMNS["kind"], kinds)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.table(tab).focus()

    def action_back(self) -> None:
        self.dismiss()
