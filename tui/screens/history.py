"""History: completed projects, searchable by artwork name and filtered by date, with 30-day statistics;
`f` keeps the projects whose last fixity check failed, `a` shows the archived history instead."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Select, Static

from db.models import ProjectHistory, ProjectHistoryArchive
from db.queries import project_statistics
from tui.display import megabytes_text, number_text, seconds_text
from tui.fixity_view import failed_sessions
from tui.history_filter import PERIODS, matches, since
from tui.screens.history_detail import HistoryDetailScreen
from tui.widgets.form_input import FormInput
from tui.widgets.vim_table import VimTable


def statistics_text(stats: dict) -> str:
    """The project_statistics view (last 30 days) in one or two lines."""
    total = stats.get("total_projects") or 0
    if not total:
        return "Last 30 days: no completed projects."
    ratio = stats.get("avg_compression_ratio")
    return (
        f"Last 30 days: {total} project{'s' * (total != 1)} ({stats.get('successful_projects') or 0} successful)"
        f" · {stats.get('total_files_created') or 0} files · {megabytes_text(stats.get('total_output_size_mb'))}"
        f" · average time {seconds_text(stats.get('avg_processing_time'))}"
        f" · average ratio {number_text(ratio, ':1')}"
    )


class HistoryScreen(Screen):
    CSS_PATH = "history.tcss"
    TITLE = "History"
    HELP = (
        "Completed projects, newest first. Type in the search box to filter by artwork name; the menu "
        "beside it keeps recent project dates only. The panel sums up the last 30 days. f keeps only the "
        "projects whose last fixity check (vat verify) found a file missing, modified, corrupt or "
        "unreadable; a shows the archived history (projects moved out by vat db cleanup) instead, and "
        "back. s opens the statistics of every project (per month, preset, tag and output kind). enter opens a "
        "project: its files and their fixity, the time each operation took, and its errors."
    )
    BINDINGS = [
        # priority: the table's own enter is hidden from the footer; check_action lets the inputs keep theirs
        Binding("enter", "open", "Open", priority=True, id="history-open"),
        Binding("slash", "search", "Search", key_display="/", id="history-search"),
        Binding("f", "failed_only", "Failed checks", id="history-failed"),
        Binding("a", "archived", "Archived", id="history-archived"),
        Binding("s", "statistics", "Stats", id="history-statistics"),
        # the footer is full at 80 columns: the help screen and the palette list it
        Binding("C", "app.open('catalogue')", "Catalogue", show=False, id="history-catalogue"),
        Binding("r", "reload", "Refresh", show=False, id="history-refresh"),
        Binding("escape", "back", "Back", id="history-back"),
    ]

    def __init__(self, today: date | None = None) -> None:
        super().__init__()
        self.today = today  # fixed by tests; otherwise the day the filter runs
        self._projects: list[ProjectHistory | ProjectHistoryArchive] = []
        self.failed_only = False  # f: only projects whose last fixity check failed
        self.archived = False  # a: project_history_archive instead of project_history
        self._failed: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="history-filters"):
            yield FormInput(placeholder="Search artwork name", id="history-search-input")
            yield Select(
                [(label, days) for label, days in PERIODS],
                value=0,
                allow_blank=False,
                id="history-period",
                compact=True,
            )
        yield Static("", id="history-stats", markup=False)
        yield VimTable(id="history-table")
        yield Footer(compact=True)  # every key fits in 80 columns

    def on_mount(self) -> None:
        table = self.query_one(VimTable)
        table.add_columns("Date", "Artwork", "Scenes", "Files", "Size", "Time", "Status", "Preset", "Encoder")
        self.action_reload()
        table.focus()

    def action_reload(self) -> None:
        model = ProjectHistoryArchive if self.archived else ProjectHistory
        self._projects = list(model.select().order_by(model.completed_at.desc(nulls="LAST"), model.id.desc()))
        self._failed = failed_sessions()
        self.query_one("#history-stats", Static).update(statistics_text(project_statistics()))
        self._fill()

    def action_failed_only(self) -> None:
        self.failed_only = not self.failed_only
        self._fill()

    def action_archived(self) -> None:
        self.archived = not self.archived
        self.sub_title = "archived" if self.archived else ""
        self.action_reload()

    @on(Input.Changed, "#history-search-input")
    @on(Select.Changed, "#history-period")
    def _fill(self) -> None:
        table = self.query_one(VimTable)
        keep = table.selected_key
        search = self.query_one("#history-search-input", Input).value
        days = self.query_one("#history-period", Select).value
        first_day = since(days if isinstance(days, int) else 0, self.today or date.today())
        table.clear()
        shown = [
            p
            for p in self._projects
            if matches(p.artwork_name, p.project_date, search, first_day)
            and (not self.failed_only or p.session_id in self._failed)
        ]
        for p in shown:
            table.add_row(
                p.project_date,
                p.artwork_name,
                f"{p.scenes_exported or 0}/{p.scenes_detected or 0}",
                str(p.total_files_created or 0),
                megabytes_text(p.total_output_size_mb),
                seconds_text(p.total_processing_time_seconds),
                "ok" if p.completed_successfully else "failed",
                p.preset_used or "-",
                p.encoder_used or "-",
                key=str(p.id),
            )
        table.select_key(keep)
        which = "archived projects" if self.archived else "projects"
        failed = " · last check failed" if self.failed_only else ""
        table.border_title = f"{len(shown)} of {len(self._projects)} {which}{failed}"

    @on(Input.Submitted, "#history-search-input")
    def _search_done(self) -> None:
        self.query_one(VimTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.focused is self.query_one(VimTable)
        return True

    def action_open(self) -> None:
        key = self.query_one(VimTable).selected_key
        if key is None:
            self.notify("No project to open.", severity="warning")
            return
        self.app.push_screen(HistoryDetailScreen(int(key), archived=self.archived))

    def action_statistics(self) -> None:
        from tui.screens.statistics import StatisticsScreen

        self.app.push_screen(StatisticsScreen())

    def action_search(self) -> None:
        self.query_one("#history-search-input", Input).focus()

    def action_back(self) -> None:
        self.dismiss()
