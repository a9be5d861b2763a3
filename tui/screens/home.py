"""Sessions, the home screen: sessions to resume or watch, and the last finished ones.

enter does what the session needs next: detect, pick scenes, watch the processing that is running,
or resume it in the background.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tui.safe_text import markup_safe, plain, terminal_safe
from tui.screens.base import WorkerErrors
from tui.session_records import SessionRow, delete_session, output_files, session_rows
from tui.widgets.vim_table import VimTable

if TYPE_CHECKING:
    from db.models import ProcessingState  # imported where used: start-up stays quick

REFRESH_SECONDS = 2.0  # running sessions move on by themselves
FIXED_WIDTHS = {"status": 14, "progress": 4, "updated": 16}


def column_widths(width: int) -> tuple[int, int]:
    """(artwork, current) widths that fill a `width`-cell table beside the fixed columns: 2 cells of
    padding per column, 2 for a vertical scrollbar and 2 for the focus border (tui/vat.tcss), so that
    80 columns never scroll sideways."""
    free = max(28, width - 2 * 5 - sum(FIXED_WIDTHS.values()) - 2 - 2)
    current = max(14, free // 3)
    return free - current, current


class SessionsScreen(WorkerErrors, Screen):
    CSS_PATH = "home.tcss"
    TITLE = "Sessions"
    HELP = (
        "Every session: new ones, those waiting for a scene selection, running, paused or interrupted\n"
        "ones, and the last finished. enter continues a session where it stands; processing always\n"
        "runs in the background, so vat can be closed while it works. A session processed while another\n"
        'one is processing waits in the queue (Q shows it); "to pick" sessions wait for their scenes.'
    )
    BINDINGS = [
        Binding("n", "new_session", "New", id="sessions-new"),
        Binding("enter", "open", "Open", priority=True, id="sessions-open"),
        Binding("d", "delete", "Delete", id="sessions-delete"),
        Binding("r", "refresh", "Refresh", show=False, id="sessions-refresh"),
        Binding("P", "app.open('presets')", "Presets", id="sessions-presets"),
        Binding("H", "app.open('history')", "History", id="sessions-history"),
        Binding("S", "app.open('settings')", "Settings", id="sessions-settings"),
        # not in the footer: 80 columns are full (the help, the palette and "queued behind" name it)
        Binding("Q", "app.open('queue')", "Queue", show=False, id="sessions-queue"),
        # the footer is full at 80 columns: the help screen and the palette list it
        Binding("C", "app.open('catalogue')", "Catalogue", show=False, id="sessions-catalogue"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[SessionRow] = []
        self.widths: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        table = VimTable(id="sessions")
        self._add_columns(table, column_widths(self.app.size.width))
        yield table
        yield Static("No sessions yet. Press n to archive a master video.", id="empty")
        yield Static("", id="details", markup=False)
        yield Footer(compact=True)  # every key, ? included, fits in 80 columns

    def _add_columns(self, table: DataTable, widths: tuple[int, int]) -> None:
        self.widths = widths
        table.add_column("Artwork", key="artwork", width=widths[0])
        table.add_column("Status", key="status", width=FIXED_WIDTHS["status"])
        table.add_column("Done", key="progress", width=FIXED_WIDTHS["progress"])
        table.add_column("Current", key="current", width=widths[1])
        table.add_column("Updated", key="updated", width=FIXED_WIDTHS["updated"])

    def on_resize(self) -> None:
        widths = column_widths(self.size.width)
        if widths != self.widths:  # long names get the room a wide terminal has
            row = self.table.cursor_row
            self.table.clear(columns=True)
            self._add_columns(self.table, widths)
            self.action_refresh()
            self.table.move_cursor(row=row, animate=False)

    def on_mount(self) -> None:
        self.action_refresh()
        self.set_interval(REFRESH_SECONDS, self._refresh_if_changed)

    def on_screen_resume(self) -> None:
        self.action_refresh()

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def current(self) -> SessionRow | None:
        if not self.rows:
            return None
        return self.rows[min(self.table.cursor_row, len(self.rows) - 1)]

    def _refresh_if_changed(self) -> None:
        if self.is_current and session_rows() != self.rows:
            self.action_refresh()

    def action_refresh(self) -> None:
        current = self.current()
        selected = current.session_id if current else None
        self.rows = session_rows()
        table = self.table
        table.clear()
        for row in self.rows:
            table.add_row(
                plain(row.artwork), row.label, row.progress, plain(row.current), row.updated, key=row.session_id
            )
        ids = [r.session_id for r in self.rows]
        if selected in ids:
            table.move_cursor(row=ids.index(selected), animate=False)
        self.set_class(not self.rows, "-empty")
        self._show_details()

    def on_data_table_row_highlighted(self) -> None:
        self._show_details()

    def _show_details(self) -> None:
        from pathlib import Path

        from core.catalogue.roots import resolve
        from db.models import ProcessingState

        row = self.current()
        session = ProcessingState.get_or_none(ProcessingState.session_id == row.session_id) if row else None
        text = ""
        if session is not None:
            text = (
                terminal_safe(f"{session.session_id} · {Path(session.master_path).name}")
                + f"\n→ {terminal_safe(str(resolve(session.output_path)))}"
            )
        self.query_one("#details", Static).update(text)

    def action_new_session(self) -> None:
        self.app.action_new_session()

    # --- enter: the next step of the session ---------------------------------------------------
    def action_open(self) -> None:
        from core.pipeline import detached_detection
        from core.pipeline.background import running_pid
        from db.models import ProcessingState
        from tui.queue_start import process_or_queue
        from tui.screens.processing import ProcessingScreen

        row = self.current()
        if row is None:
            self.app.action_new_session()
            return
        session = ProcessingState.get_or_none(ProcessingState.session_id == row.session_id)
        if session is None:
            self.action_refresh()
            return
        alive = running_pid(session.session_id) is not None
        if session.status == "initialized" and alive and detached_detection.pending(session) is not None:
            from tui.screens.detection import DetectionScreen

            self.app.push_screen(DetectionScreen.watching(session))  # detecting in the background: live
            return
        if session.status == "initialized" and not alive:
            if session.scenes_data:
                from tui.screens.picker import PickerScreen

                self.app.push_screen(PickerScreen(session.session_id))
            else:
                self._detect(session)
            return
        if session.status in ("paused", "processing") and not alive:
            queued = process_or_queue(session.session_id)  # in line if another is processing
            if queued is not None:
                from tui.screens.queue import QueueScreen

                self.notify(markup_safe(queued.message()))
                self.app.push_screen(QueueScreen(select=session.session_id))
                return
            self.app.started_here.add(session.session_id)
            self.notify(f"Resuming {markup_safe(session.artwork_name)} in the background.")
            self.app.push_screen(ProcessingScreen(session.session_id, just_started=True))
            return
        self.app.push_screen(ProcessingScreen(session.session_id))  # running, completed, failed: watch

    def _detect(self, session: ProcessingState) -> None:
        from core.pipeline.session import detection_parameters
        from tui.screens.detection import DetectionScreen

        detector = (session.process_metadata or {}).get("detector", "adaptive")
        params = detection_parameters(detector, session.scene_threshold, session.min_scene_length)
        self.app.push_screen(DetectionScreen(session.session_id, *params))

    # --- d: delete, asking twice when there are outputs -----------------------------------------
    def action_delete(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        row = self.current()
        if row is None:
            return
        if row.alive:
            self.notify("This session is running: open it and cancel it first.", severity="warning")
            return
        question = f"Delete the session '{row.artwork}' ({row.session_id}) from vat's records?"
        self.app.push_screen(
            ConfirmScreen(question, title="Delete session?", yes="Delete", danger=True),
            lambda ok: self._delete_asked(row, ok),
        )

    def _delete_asked(self, row: SessionRow, ok: bool | None) -> None:
        from tui.screens.confirm import ConfirmScreen

        if not ok:
            return
        files = output_files(row.session_id)
        if not files:
            self._delete(row, False)
            return
        question = (
            f"Also delete the {len(files)} output file(s) it made? Files it did not make stay. "
            "n keeps them and deletes only the record."
        )
        self.app.push_screen(
            ConfirmScreen(question, title="Delete its outputs too?", yes="Delete files", no="Keep files", danger=True),
            lambda yes: None if yes is None else self._delete(row, yes),  # escape: nothing deleted
        )

    def _delete(self, row: SessionRow, with_outputs: bool) -> None:
        removed = delete_session(row.session_id, remove_outputs=with_outputs)
        self.notify(f"Deleted {markup_safe(row.artwork)}" + (f" and {removed} output file(s)" if with_outputs else ""))
        self.action_refresh()
